/**
 * RESP2, the Redis protocol, as far as torwatch needs it: commands are arrays of bulk strings;
 * replies are simple strings, errors, integers, bulk strings (null as -1) and arrays of replies.
 * The reader takes the byte stream however it is cut and is bounded (bulk size, array length,
 * nesting depth), so a hostile or broken server cannot make it buffer without limit.
 */
export type RespValue = string | number | null | RespError | RespValue[];

/** An error reply (`-WRONGTYPE Operation against a key...`). */
export class RespError {
  constructor(readonly message: string) {}
  /** The error code: the first word (WRONGPASS, NOAUTH, WRONGTYPE, OOM, READONLY, ERR...). */
  get code(): string {
    return this.message.split(' ', 1)[0];
  }
}

export class RespProtocolError extends Error {}

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'ascii')];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'ascii'), b, CRLF);
  }
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n', 'ascii');
const INCOMPLETE = Symbol('incomplete');

export interface RespLimits {
  maxBulk: number;
  maxArray: number;
  maxDepth: number;
}

export const DEFAULT_LIMITS: RespLimits = { maxBulk: 64 << 20, maxArray: 1 << 20, maxDepth: 8 };

export class RespReader {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  constructor(private readonly limits: RespLimits = DEFAULT_LIMITS) {}

  /** Bytes held for a reply not complete yet. */
  get pending(): number {
    return this.buf.length;
  }

  /** Every complete reply the bytes so far hold, in order. */
  push(chunk: Buffer): RespValue[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RespValue[] = [];
    for (;;) {
      this.pos = 0;
      const v = this.value(0);
      if (v === INCOMPLETE) break;
      out.push(v);
      this.buf = this.buf.subarray(this.pos);
      if (!this.buf.length) break;
    }
    return out;
  }

  private line(): string | typeof INCOMPLETE {
    const end = this.buf.indexOf(CRLF, this.pos);
    if (end < 0) {
      if (this.buf.length - this.pos > 64 * 1024) throw new RespProtocolError('a reply line longer than 64 KiB');
      return INCOMPLETE;
    }
    const s = this.buf.toString('utf8', this.pos, end);
    this.pos = end + 2;
    return s;
  }

  private int(s: string, what: string): number {
    if (!/^-?\d{1,19}$/.test(s)) throw new RespProtocolError(`${what} '${s.slice(0, 20)}' is not a number`);
    return Number(s);
  }

  private value(depth: number): RespValue | typeof INCOMPLETE {
    if (depth > this.limits.maxDepth) throw new RespProtocolError('replies nested too deep');
    if (this.pos >= this.buf.length) return INCOMPLETE;
    const type = this.buf[this.pos++];
    const l = this.line();
    if (l === INCOMPLETE) return INCOMPLETE;
    switch (type) {
      case 0x2b: // +
        return l;
      case 0x2d: // -
        return new RespError(l);
      case 0x3a: // :
        return this.int(l, 'integer');
      case 0x24: { // $
        const n = this.int(l, 'bulk length');
        if (n === -1) return null;
        if (n < 0 || n > this.limits.maxBulk) throw new RespProtocolError(`bulk length ${n} out of range`);
        if (this.buf.length < this.pos + n + 2) return INCOMPLETE;
        if (this.buf[this.pos + n] !== 0x0d || this.buf[this.pos + n + 1] !== 0x0a) throw new RespProtocolError('bulk string not followed by CRLF');
        const s = this.buf.toString('utf8', this.pos, this.pos + n);
        this.pos += n + 2;
        return s;
      }
      case 0x2a: { // *
        const n = this.int(l, 'array length');
        if (n === -1) return null;
        if (n < 0 || n > this.limits.maxArray) throw new RespProtocolError(`array length ${n} out of range`);
        const arr: RespValue[] = [];
        for (let i = 0; i < n; i++) {
          const v = this.value(depth + 1);
          if (v === INCOMPLETE) return INCOMPLETE;
          arr.push(v);
        }
        return arr;
      }
      default:
        throw new RespProtocolError(`unknown reply type byte 0x${type.toString(16)}`);
    }
  }
}
