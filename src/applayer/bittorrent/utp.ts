/**
 * uTP (BEP 29), BitTorrent's congestion-controlled transport over UDP. Every packet starts with a
 * 20-byte header:
 *
 *   type (4 bits) | version (4 bits) | extension | connection_id (16)
 *   timestamp_microseconds (32) | timestamp_difference_microseconds (32) | wnd_size (32)
 *   seq_nr (16) | ack_nr (16)
 *
 * then a chain of extensions (next-extension byte, length byte, that many bytes; 1 = selective ack,
 * whose length is a non-zero multiple of 4), then the payload. Types: 0 ST_DATA, 1 ST_FIN, 2 ST_STATE,
 * 3 ST_RESET, 4 ST_SYN; version 1. Only ST_DATA carries payload.
 *
 * One header looks like nothing much (four bytes with a few fixed bits); the session (utp-track.ts)
 * decides over several packets whether a flow is uTP.
 */
import { u16 } from '../../util/bytes.js';

export const UTP_HEADER = 20;
export const UtpType = { DATA: 0, FIN: 1, STATE: 2, RESET: 3, SYN: 4 } as const;
/** Extensions followed per packet (libutp sends at most two). */
const MAX_EXTENSIONS = 4;

export interface UtpHeader {
  type: number;
  connId: number;
  seq: number;
  ack: number;
  /** Payload position and length within the datagram's buffer. */
  payOff: number;
  payLen: number;
}

/** The header of a datagram, or undefined when it is not a well-formed uTP packet. */
export function parseUtp(b: Uint8Array, off: number, len: number): UtpHeader | undefined {
  if (len < UTP_HEADER) return undefined;
  const type = b[off] >> 4;
  if ((b[off] & 0x0f) !== 1 || type > UtpType.SYN) return undefined;
  let ext = b[off + 1];
  let p = off + UTP_HEADER;
  const end = off + len;
  for (let n = 0; ext !== 0; n++) {
    // Known extensions: 1 selective ack, 2 the (obsolete) extension bits.
    if (n >= MAX_EXTENSIONS || ext > 2 || p + 2 > end) return undefined;
    const next = b[p];
    const elen = b[p + 1];
    if (elen === 0 || (ext === 1 && elen % 4 !== 0) || p + 2 + elen > end) return undefined;
    p += 2 + elen;
    ext = next;
  }
  const payLen = end - p;
  if (type === UtpType.DATA ? payLen === 0 : payLen !== 0) return undefined;
  return { type, connId: u16(b, off + 2), seq: u16(b, off + 16), ack: u16(b, off + 18), payOff: p, payLen };
}

/** Whether a flow's first datagram may open a uTP flow (a well-formed header; the session decides). */
export function mayBeUtp(b: Uint8Array, off: number, len: number): boolean {
  return parseUtp(b, off, len) !== undefined;
}
