/**
 * Syslog over a byte stream needs framing (RFC 6587 section 3.4):
 * - octet counting (3.4.1, and the only framing RFC 5425 allows over TLS): `MSG-LEN SP SYSLOG-MSG`,
 *   MSG-LEN the message's length in octets, in decimal, without leading zeros. Transparent: the
 *   message may contain any byte. The default.
 * - non-transparent LF framing (3.4.2): the message then a line feed. What many receivers expect by
 *   default (Splunk's TCP input, QRadar, Graylog's Syslog TCP input without octet counting). Only
 *   safe when messages never contain LF; ours never do (JSON escapes it, header fields are printable
 *   ASCII), and `frame` refuses a message that does rather than split it into two.
 */
export type Framing = 'octet-counting' | 'lf';

export const FRAMINGS: readonly Framing[] = ['octet-counting', 'lf'];

const LF = 0x0a;
const SP = 0x20;

export class FramingError extends Error {}

/** One framed message. */
export function frame(msg: Buffer, framing: Framing): Buffer {
  if (framing === 'lf') {
    if (msg.includes(LF)) throw new FramingError('a message with a line feed cannot be sent with LF framing');
    const out = Buffer.allocUnsafe(msg.length + 1);
    msg.copy(out, 0);
    out[msg.length] = LF;
    return out;
  }
  if (msg.length === 0) throw new FramingError('octet-counting framing needs a non-empty message');
  const len = Buffer.from(String(msg.length) + ' ', 'ascii');
  return Buffer.concat([len, msg], len.length + msg.length);
}

/** Several messages framed into one buffer (one write per batch). */
export function frameAll(msgs: readonly Buffer[], framing: Framing): Buffer {
  return Buffer.concat(msgs.map((m) => frame(m, framing)));
}

/**
 * Incremental deframer for a byte stream in either framing; the tests use it to check what a
 * transport put on the wire. `maxLength` caps a declared MSG-LEN so hostile input cannot make it
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
