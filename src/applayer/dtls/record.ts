import { u16, u24 } from '../../util/bytes.js';

/**
 * DTLS records (RFC 6347 4.1; RFC 9147 4 keeps this plaintext header for the handshake's first
 * flight): content type (1), version (2), epoch (2), sequence number (6), length (2), fragment. A
 * datagram may carry several. Handshake messages inside have a 12-byte header (RFC 6347 4.2.2): type,
 * length (3), message_seq (2), fragment_offset (3), fragment_length (3), so one message can span
 * records and datagrams.
 */
export const DTLS_RECORD_HEADER = 13;
export const DTLS_HANDSHAKE_HEADER = 12;
export const DtlsContent = { HANDSHAKE: 22 } as const;
export const DTLS_CLIENT_HELLO = 1;
export const DTLS_SERVER_HELLO = 2;

/** DTLS 1.0 (0xfeff) and 1.2 (0xfefd; DTLS 1.3's legacy_record_version too). */
export function isDtlsVersion(v: number): boolean {
  return v === 0xfeff || v === 0xfefd;
}

/** RFC 7983 5: a first byte of 20-63 is DTLS on a multiplexed (WebRTC) flow. */
export function isDtlsByte(b: number): boolean {
  return b >= 20 && b <= 63;
}

/** One record's place in a datagram. */
export interface DtlsRecord {
  type: number;
  version: number;
  epoch: number;
  /** The fragment: [start, end) in the datagram's buffer. */
  start: number;
  end: number;
}

/** The record at `p` (header bounds-checked; a length past `end` is undefined: the datagram is cut or not DTLS). */
export function readRecord(buf: Uint8Array, p: number, end: number): DtlsRecord | undefined {
  if (end - p < DTLS_RECORD_HEADER) return undefined;
  const version = u16(buf, p + 1);
  if (!isDtlsVersion(version)) return undefined;
  const len = u16(buf, p + 11);
  const start = p + DTLS_RECORD_HEADER;
  if (end - start < len) return undefined;
  return { type: buf[p], version, epoch: u16(buf, p + 3), start, end: start + len };
}

/** A handshake message fragment inside a record. */
export interface HandshakeFragment {
  msgType: number;
  /** Length of the whole message, and where this fragment sits in it. */
  length: number;
  offset: number;
  /** The fragment's bytes: [start, end) in the buffer. */
  start: number;
  end: number;
}

export function readHandshakeFragment(buf: Uint8Array, p: number, end: number): HandshakeFragment | undefined {
  if (end - p < DTLS_HANDSHAKE_HEADER) return undefined;
  const length = u24(buf, p + 1);
  const offset = u24(buf, p + 6);
  const fragLen = u24(buf, p + 9);
  const start = p + DTLS_HANDSHAKE_HEADER;
  if (end - start < fragLen || offset + fragLen > length) return undefined;
  return { msgType: buf[p], length, offset, start, end: start + fragLen };
}

/**
 * Whether a datagram starts with a DTLS ClientHello (epoch 0, handshake, message type 1): claims a
 * UDP flow whose first datagram is the DTLS handshake (WebRTC after ICE, or plain DTLS).
 */
export function looksLikeDtlsClientHello(buf: Uint8Array, off: number, len: number): boolean {
  const r = readRecord(buf, off, off + len);
  return r !== undefined && r.type === DtlsContent.HANDSHAKE && r.epoch === 0 && r.end - r.start >= DTLS_HANDSHAKE_HEADER && buf[r.start] === DTLS_CLIENT_HELLO;
}
