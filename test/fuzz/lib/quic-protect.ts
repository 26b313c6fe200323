/**
 * The sending side of QUIC Initial protection (RFC 9001 5.3-5.4), for fuzzing past the AEAD: a
 * mutated CRYPTO payload is encrypted and header-protected again, so the parser behind decryption
 * (frames, CRYPTO reassembly, the ClientHello) sees the hostile bytes instead of a failed tag.
 * Written from the RFC with node:crypto; the receiving side under test is src/applayer/quic/.
 */
import { createCipheriv } from 'node:crypto';
import { initialKeys, QuicVersion } from '../../../src/applayer/quic/initial-keys.js';

function varint(v: number): Buffer {
  if (v < 64) return Buffer.from([v]);
  if (v < 16384) return Buffer.from([0x40 | (v >> 8), v & 0xff]);
  const b = Buffer.alloc(4);
  b.writeUInt32BE((0x80000000 | v) >>> 0);
  return b;
}

export interface InitialSpec {
  version: number;
  dcid: Uint8Array;
  scid?: Uint8Array;
  token?: Uint8Array;
  pn?: number;
  /** Plaintext frames (padded with PADDING frames to a 1200-byte datagram). */
  frames: Uint8Array;
}

/** A client Initial packet (one datagram), encrypted and header-protected with the keys from `dcid`. */
export function protectInitial(s: InitialSpec): Buffer {
  const keys = initialKeys(s.version, s.dcid, 'client');
  if (!keys) throw new Error(`no Initial keys for version ${s.version.toString(16)}`);
  const scid = s.scid ?? new Uint8Array(0);
  const token = s.token ?? new Uint8Array(0);
  const pn = (s.pn ?? 0) >>> 0;
  const pnLen = 4;
  const typeBits = s.version === QuicVersion.V2 ? 1 : 0;
  const head0 = Buffer.concat([
    Buffer.from([0xc0 | (typeBits << 4) | (pnLen - 1)]),
    Buffer.from([(s.version >>> 24) & 255, (s.version >>> 16) & 255, (s.version >>> 8) & 255, s.version & 255]),
    Buffer.from([s.dcid.length]), s.dcid, Buffer.from([scid.length]), scid,
    varint(token.length), token,
  ]);
  // Pad the plaintext so the datagram reaches 1200 bytes (RFC 9000 14.1) and the sample exists.
  const minPayload = Math.max(0, 1200 - head0.length - 4 - pnLen - 16);
  const plain = Buffer.concat([s.frames, Buffer.alloc(Math.max(0, minPayload - s.frames.length, 20 - s.frames.length))]);
  const length = pnLen + plain.length + 16;
  const pnBytes = Buffer.alloc(4);
  pnBytes.writeUInt32BE(pn);
  const header = Buffer.concat([head0, length < 16384 ? Buffer.from([0x40 | (length >> 8), length & 0xff]) : varint(length), pnBytes]);
  const nonce = Buffer.from(keys.iv);
  for (let i = 0; i < 4; i++) nonce[nonce.length - 1 - i] ^= (pn >>> (8 * i)) & 0xff;
  const c = createCipheriv('aes-128-gcm', keys.key, nonce);
  c.setAAD(header);
  const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  const pnOffset = header.length - pnLen;
  const sample = ct.subarray(4 - pnLen, 4 - pnLen + 16);
  const e = createCipheriv('aes-128-ecb', keys.hp, null);
  e.setAutoPadding(false);
  const mask = e.update(sample);
  header[0] ^= mask[0] & 0x0f;
  for (let i = 0; i < pnLen; i++) header[pnOffset + i] ^= mask[1 + i];
  return Buffer.concat([header, ct]);
}
