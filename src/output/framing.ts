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
