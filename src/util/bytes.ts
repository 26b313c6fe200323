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

/**
 * `n` bytes at `o` as a latin1 string (one char per byte; never throws on bad UTF-8). One native call
 * for names and tokens; longer runs go in slices to stay under engines' argument limits.
 */
export function latin1(b: Uint8Array, o: number, n: number): string {
  const end = Math.min(o + n, b.length);
  if (end - o <= 4096) return String.fromCharCode.apply(null, b.subarray(o, end) as unknown as number[]);
  let s = '';
  for (let i = o; i < end; i += 4096) s += String.fromCharCode.apply(null, b.subarray(i, Math.min(i + 4096, end)) as unknown as number[]);
  return s;
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

/**
 * A cursor over `buf[pos, end)` for parsers of variable-length structures (DNS, TLS, QUIC, DER).
 * Every read is bounds-checked; a read past `end` returns 0, leaves `pos` unchanged and sets the
 * sticky `err` flag, so a parser can read a whole structure and test `err` once at the end (like
 * Go's cryptobyte or Zeek's binpac exceptions, without throwing). Nested length-prefixed fields
 * narrow `end` with `enter()` and widen it again with `leave()`.
 */
export class ByteCursor {
  buf: Uint8Array;
  pos: number;
  end: number;
  /** Sticky: set by the first out-of-bounds read, never cleared until reset(). */
  err = false;

  constructor(buf: Uint8Array = new Uint8Array(0), pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = Math.min(end, buf.length);
  }

  reset(buf: Uint8Array, pos = 0, end = buf.length): this {
    this.buf = buf;
    this.pos = pos;
    this.end = Math.min(end, buf.length);
    this.err = false;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** True when `n` more bytes are available (and no error so far). */
  has(n: number): boolean {
    return !this.err && n >= 0 && this.end - this.pos >= n;
  }

  private need(n: number): boolean {
    if (this.err || n < 0 || this.end - this.pos < n) {
      this.err = true;
      return false;
    }
    return true;
  }

  u8(): number {
    if (!this.need(1)) return 0;
    return this.buf[this.pos++];
  }

  u16(): number {
    if (!this.need(2)) return 0;
    const v = u16(this.buf, this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    if (!this.need(3)) return 0;
    const v = u24(this.buf, this.pos);
    this.pos += 3;
    return v;
  }

  u32(): number {
    if (!this.need(4)) return 0;
    const v = u32(this.buf, this.pos);
    this.pos += 4;
    return v;
  }

  /** Advance `n` bytes; returns the start offset of the skipped bytes (or -1 on error). */
  take(n: number): number {
    if (!this.need(n)) return -1;
    const at = this.pos;
    this.pos += n;
    return at;
  }

  skip(n: number): boolean {
    return this.take(n) >= 0;
  }

  /** A view (no copy) of the next `n` bytes, or an empty view on error. */
  view(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? this.buf.subarray(0, 0) : this.buf.subarray(at, at + n);
  }

  /** The next `n` bytes as latin1 text (names on the wire are ASCII; never throws on bad UTF-8). */
  latin1(n: number): string {
    const at = this.take(n);
    return at < 0 ? '' : latin1(this.buf, at, n);
  }

  /**
   * Narrow the readable range to the next `n` bytes (a length-prefixed field). Returns the outer end
   * to hand back to leave(), which also moves `pos` past the field whatever the inner parser read.
   * On error returns -1 and the cursor stays in the error state.
   */
  enter(n: number): number {
    if (!this.need(n)) return -1;
    const outer = this.end;
    this.end = this.pos + n;
    return outer;
  }

  leave(outer: number): void {
    if (outer < 0) return;
    this.pos = this.end;
    this.end = outer;
  }
}
