/**
 * The one byte reader every stage uses: fixed-width loads from a Buffer at an offset, plus hex for
 * error messages.
 *
 * Callers establish bounds once per header (`end - off < HEADER_LEN` -> anomaly or error) and then
 * read fields with these unchecked loads. Plain indexing, not Buffer.readUInt16BE: it never throws,
 * validates nothing per call, and V8 inlines it on the hot path.
 */

/** Big-endian (network order) loads. */
export function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

export function u24(b: Uint8Array, o: number): number {
  return (b[o] << 16) | (b[o + 1] << 8) | b[o + 2];
}

export function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** Little-endian loads (capture file headers, some link-layer pseudo headers). */
export function u16le(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8);
}

export function u32le(b: Uint8Array, o: number): number {
  return (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
}

/** Loads in a byte order chosen at run time (pcap/pcapng sections declare theirs). */
export function u16e(b: Uint8Array, o: number, le: boolean): number {
  return le ? u16le(b, o) : u16(b, o);
}

export function u32e(b: Uint8Array, o: number, le: boolean): number {
  return le ? u32le(b, o) : u32(b, o);
}

/** Bytes as space-separated hex, for error messages ("d4 c3 b2 a1"). */
export function hexBytes(b: Uint8Array, p: number, n: number): string {
  const out: string[] = [];
  for (let i = p; i < p + n && i < b.length; i++) out.push(b[i].toString(16).padStart(2, '0'));
  return out.join(' ');
}

/** 0x-prefixed, 8 hex digits. */
export function hex32(v: number): string {
  return '0x' + (v >>> 0).toString(16).padStart(8, '0');
}
