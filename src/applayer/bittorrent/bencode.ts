/**
 * Strict, bounded bencode (BEP 3, "bencoding"): the encoding of DHT messages, extension handshakes,
 * PEX and tracker responses. Every value is read from `buf[off, end)` and nothing outside it:
 *
 *   integer  i<digits>e     no leading zeros, no "-0", at most MAX_INT_DIGITS digits (a JS number)
 *   string   <len>:<bytes>  len without leading zeros, at most MAX_LEN_DIGITS digits, inside the input
 *   list     l<values>e
 *   dict     d<string key><value>...e   keys unique and at most MAX_KEY bytes
 *
 * Nesting is capped at MAX_DEPTH and the whole value at MAX_ITEMS values, so neither a deep nor a wide
 * input costs more than a fixed amount. Keys out of sorted order are accepted (some clients send them)
 * but reported in `unsorted`; a repeated key is an error. Strings are views into `buf`, not copies.
 */
import { latin1 } from '../../util/bytes.js';

export type BValue = number | Uint8Array | BValue[] | BDict;
export type BDict = Map<string, BValue>;

export const MAX_DEPTH = 8;
export const MAX_ITEMS = 1024;
export const MAX_INT_DIGITS = 15;
export const MAX_LEN_DIGITS = 8;
export const MAX_KEY = 128;

export type BencodeResult =
  | { value: BValue; end: number; unsorted: boolean }
  | { error: 'bittorrent.bad_bencode' | 'bittorrent.bencode_limit' };

const D0 = 0x30;
const D9 = 0x39;

class Decoder {
  pos: number;
  items = 0;
  unsorted = false;
  /** 0: fine; 1: malformed; 2: over a limit. */
  err = 0;

  constructor(private readonly buf: Uint8Array, off: number, private readonly end: number) {
    this.pos = off;
  }

  value(depth: number): BValue | undefined {
    if (this.err) return undefined;
    if (depth > MAX_DEPTH || ++this.items > MAX_ITEMS) {
      this.err = 2;
      return undefined;
    }
    if (this.pos >= this.end) return this.fail();
    const c = this.buf[this.pos];
    if (c === 0x69) return this.integer(); // 'i'
    if (c === 0x6c) return this.list(depth); // 'l'
    if (c === 0x64) return this.dict(depth); // 'd'
    if (c >= D0 && c <= D9) return this.string();
    return this.fail();
  }

  private fail(): undefined {
    if (!this.err) this.err = 1;
    return undefined;
  }

  private integer(): number | undefined {
    const b = this.buf;
    let p = this.pos + 1;
    let neg = false;
    if (p < this.end && b[p] === 0x2d) {
      neg = true;
      p++;
    }
    const start = p;
    let v = 0;
    while (p < this.end && b[p] >= D0 && b[p] <= D9) {
      v = v * 10 + (b[p] - D0);
      p++;
    }
    const digits = p - start;
    if (digits === 0 || p >= this.end || b[p] !== 0x65) return this.fail();
    if (digits > MAX_INT_DIGITS) {
      this.err = 2;
      return undefined;
    }
    // No leading zero, and no negative zero.
    if ((b[start] === D0 && digits > 1) || (neg && v === 0)) return this.fail();
    this.pos = p + 1;
    return neg ? -v : v;
  }

  /** A length prefix and its bytes; returns the start offset of the bytes and their length. */
  private stringSpan(): [number, number] | undefined {
    const b = this.buf;
    let p = this.pos;
    const start = p;
    let n = 0;
    while (p < this.end && b[p] >= D0 && b[p] <= D9) {
      n = n * 10 + (b[p] - D0);
      p++;
    }
    const digits = p - start;
    if (digits === 0 || digits > MAX_LEN_DIGITS || (b[start] === D0 && digits > 1)) return this.fail();
    if (p >= this.end || b[p] !== 0x3a) return this.fail();
    p++;
    if (n > this.end - p) return this.fail();
    this.pos = p + n;
    return [p, n];
  }

  private string(): Uint8Array | undefined {
    const s = this.stringSpan();
    return s ? this.buf.subarray(s[0], s[0] + s[1]) : undefined;
  }

  private list(depth: number): BValue[] | undefined {
    this.pos++;
    const out: BValue[] = [];
    while (!this.err) {
      if (this.pos >= this.end) return this.fail();
      if (this.buf[this.pos] === 0x65) {
        this.pos++;
        return out;
      }
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return undefined;
  }

  private dict(depth: number): BDict | undefined {
    this.pos++;
    const out: BDict = new Map();
    let prev: string | undefined;
    while (!this.err) {
      if (this.pos >= this.end) return this.fail();
      if (this.buf[this.pos] === 0x65) {
        this.pos++;
        return out;
      }
      const c = this.buf[this.pos];
      if (c < D0 || c > D9) return this.fail();
      const k = this.stringSpan();
      if (!k) return undefined;
      if (k[1] > MAX_KEY) {
        this.err = 2;
        return undefined;
      }
      const key = latin1(this.buf, k[0], k[1]);
      if (out.has(key)) return this.fail();
      if (prev !== undefined && key < prev) this.unsorted = true;
      prev = key;
      const v = this.value(depth + 1);
      if (v === undefined) return undefined;
      out.set(key, v);
    }
    return undefined;
  }
}

/**
 * Decode one value at `buf[off]`. With `whole` (the default), the value must end exactly at `end`:
 * a datagram or message that is one bencoded value and nothing else.
 */
export function decodeBencode(buf: Uint8Array, off: number, end: number, whole = true): BencodeResult {
  const lim = Math.min(end, buf.length);
  const d = new Decoder(buf, off, lim);
  const value = d.value(0);
  if (value === undefined || d.err) return { error: d.err === 2 ? 'bittorrent.bencode_limit' : 'bittorrent.bad_bencode' };
  if (whole && d.pos !== lim) return { error: 'bittorrent.bad_bencode' };
  return { value, end: d.pos, unsorted: d.unsorted };
}

// --- typed access to decoded values ---

export function bytesAt(d: BDict, key: string): Uint8Array | undefined {
  const v = d.get(key);
  return v instanceof Uint8Array ? v : undefined;
}

export function intAt(d: BDict, key: string): number | undefined {
  const v = d.get(key);
  return typeof v === 'number' ? v : undefined;
}

export function dictAt(d: BDict, key: string): BDict | undefined {
  const v = d.get(key);
  return v instanceof Map ? v : undefined;
}

export function listAt(d: BDict, key: string): BValue[] | undefined {
  const v = d.get(key);
  return Array.isArray(v) ? v : undefined;
}
