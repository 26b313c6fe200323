import { createDecipheriv } from 'node:crypto';
import { u32 } from '../../util/bytes.js';
import { headerProtectionMask, SAMPLE_LEN, unprotectLongHeader } from './header-protection.js';
import { QuicVersion, type PacketKeys } from './initial-keys.js';
import { readVarint, type Varint } from './varint.js';

/**
 * QUIC long header packets (RFC 9000 17.2; RFC 9369 3.2 for v2's type numbers) and Initial packet
 * decryption (RFC 9001 5.3, AEAD_AES_128_GCM): the nonce is the IV XOR the packet number, the
 * associated data is the unprotected header, the last 16 bytes are the tag.
 */
export const LongType = { INITIAL: 0, ZERO_RTT: 1, HANDSHAKE: 2, RETRY: 3 } as const;

export const MAX_CID_LEN = 20;
const TAG_LEN = 16;

export interface LongHeader {
  version: number;
  /** LongType (normalised across v1 and v2). */
  type: number;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** Offset of the packet number (Initial/0-RTT/Handshake). */
  pnOffset: number;
  /** One past the packet's last byte (the Length field's end); for Retry, the datagram end. */
  end: number;
  /** Offset of the packet's first byte. */
  start: number;
}

const vi: Varint = { value: 0, next: 0 };

/** The packet type bits as v1 numbers: v2 rotated them (Initial 0b01, 0-RTT 0b10, Handshake 0b11, Retry 0b00). */
function normaliseType(version: number, bits: number): number {
  return version === QuicVersion.V2 ? (bits + 3) & 3 : bits;
}

/** Parse the long header at `off`; undefined when it is not one or lies about its lengths. */
export function parseLongHeader(buf: Uint8Array, off: number, end: number): LongHeader | undefined {
  if (end - off < 7) return undefined;
  const first = buf[off];
  if ((first & 0x80) === 0) return undefined;
  const version = u32(buf, off + 1);
  if (version === 0) return undefined; // Version Negotiation
  let p = off + 5;
  const dl = buf[p++];
  if (dl > MAX_CID_LEN || end - p < dl + 1) return undefined;
  const dcid = buf.subarray(p, p + dl);
  p += dl;
  const sl = buf[p++];
  if (sl > MAX_CID_LEN || end - p < sl) return undefined;
  const scid = buf.subarray(p, p + sl);
  p += sl;
  const type = normaliseType(version, (first >>> 4) & 3);
  if (type === LongType.RETRY) return { version, type, dcid, scid, pnOffset: p, end, start: off };
  if (type === LongType.INITIAL) {
    if (!readVarint(buf, p, end, vi) || vi.value > end - vi.next) return undefined;
    p = vi.next + vi.value; // token
  }
  if (!readVarint(buf, p, end, vi) || vi.value > end - vi.next) return undefined;
  const pnOffset = vi.next;
  return { version, type, dcid, scid, pnOffset, end: pnOffset + vi.value, start: off };
}

/**
 * Decrypt an Initial (or any long header packet) with `keys`. Works on copies: the capture buffer is
 * never modified. Returns the plaintext payload (frames), or undefined when the packet is too short or
 * fails authentication (wrong keys, corrupted, not really QUIC).
 */
export function decryptLongPacket(buf: Uint8Array, h: LongHeader, keys: PacketKeys): Buffer | undefined {
  if (h.end - h.pnOffset < 4 + SAMPLE_LEN) return undefined;
  const sample = buf.subarray(h.pnOffset + 4, h.pnOffset + 4 + SAMPLE_LEN);
  const mask = headerProtectionMask(keys.hp, sample);
  // The header with its packet number field (at most 4 bytes), copied so it can be unprotected.
  const header = Buffer.from(buf.subarray(h.start, h.pnOffset + 4));
  const pnOff = h.pnOffset - h.start;
  const pnLen = unprotectLongHeader(header, pnOff, mask);
  let pn = 0;
  for (let i = 0; i < pnLen; i++) pn = pn * 256 + header[pnOff + i];
  const aad = header.subarray(0, pnOff + pnLen);
  const payloadStart = h.pnOffset + pnLen;
  if (h.end - payloadStart < TAG_LEN) return undefined;
  const nonce = Buffer.from(keys.iv);
  // The packet number, left-padded to the IV length, XORed into the IV (RFC 9001 5.3).
  for (let i = 0; i < 4; i++) nonce[nonce.length - 1 - i] ^= (pn >>> (8 * i)) & 0xff;
  try {
    const d = createDecipheriv('aes-128-gcm', keys.key, nonce);
    d.setAAD(aad);
    d.setAuthTag(buf.subarray(h.end - TAG_LEN, h.end));
    const out = d.update(buf.subarray(payloadStart, h.end - TAG_LEN));
    d.final();
    return out;
  } catch {
    return undefined;
  }
}
