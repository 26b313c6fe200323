/**
 * QUIC variable-length integers (RFC 9000 16): the two high bits of the first byte give the length
 * (1, 2, 4 or 8 bytes). Values above 2^53 cannot be offsets or lengths of anything in one datagram,
 * so they are refused rather than rounded.
 */
export interface Varint {
  value: number;
  next: number;
}

/** Read a varint at `off` (ending by `end`) into `out`; false when truncated or too large. */
export function readVarint(buf: Uint8Array, off: number, end: number, out: Varint): boolean {
  if (off >= end) return false;
  const b0 = buf[off];
  const n = 1 << (b0 >>> 6);
  if (end - off < n) return false;
  let v = b0 & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + buf[off + i];
  if (v > Number.MAX_SAFE_INTEGER) return false;
  out.value = v;
  out.next = off + n;
  return true;
}
