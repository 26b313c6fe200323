/**
 * The receiving side of src/output/framing.ts, for tests: frame many messages at once, and take a
 * byte stream apart again to check what a transport put on the wire. (Moved out of src/: torwatch
 * itself never reads syslog streams.)
 */
import { frame, FramingError, type Framing } from '../../src/output/framing.js';

const LF = 0x0a;
const SP = 0x20;

/** Several messages framed into one buffer (one write per batch). */
export function frameAll(msgs: readonly Buffer[], framing: Framing): Buffer {
  return Buffer.concat(msgs.map((m) => frame(m, framing)));
}

/**
 * Incremental deframer for a byte stream in either framing; used to check what a transport put
 * on the wire. `maxLength` caps a declared MSG-LEN so hostile input cannot make it
 * buffer without bound.
 */
export class Deframer {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly framing: Framing,
    private readonly maxLength = 1 << 20,
  ) {}

  /** Feed bytes; returns every message completed by them. */
  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Buffer[] = [];
    for (;;) {
      const m = this.framing === 'lf' ? this.nextLf() : this.nextCounted();
      if (!m) break;
      out.push(m);
    }
    return out;
  }

  /** Bytes held that do not yet form a whole message. */
  get pending(): number {
    return this.buf.length;
  }

  private nextLf(): Buffer | undefined {
    const i = this.buf.indexOf(LF);
    if (i < 0) return undefined;
    const m = this.buf.subarray(0, i);
    this.buf = this.buf.subarray(i + 1);
    return m;
  }

  private nextCounted(): Buffer | undefined {
    let i = 0;
    let len = 0;
    while (i < this.buf.length && i < 10) {
      const c = this.buf[i];
      if (c === SP) break;
      if (c < 0x30 || c > 0x39 || (i === 0 && c === 0x30)) throw new FramingError(`bad MSG-LEN byte 0x${c.toString(16)} at offset ${i}`);
      len = len * 10 + (c - 0x30);
      i++;
    }
    if (i === this.buf.length) return undefined;
    if (this.buf[i] !== SP || i === 0) throw new FramingError('MSG-LEN is not followed by a space');
    if (len > this.maxLength) throw new FramingError(`MSG-LEN ${len} exceeds ${this.maxLength}`);
    if (this.buf.length < i + 1 + len) return undefined;
    const m = this.buf.subarray(i + 1, i + 1 + len);
    this.buf = this.buf.subarray(i + 1 + len);
    return m;
  }
}
