import { growFor } from '../grow.js';
import { AppAnomaly } from '../anomalies.js';
import { DNS_HEADER_LEN } from './message.js';

/**
 * DNS over TCP framing (RFC 1035 4.2.2, RFC 7766): each message is preceded by a two-byte length.
 * Takes the in-order byte stream of one direction in chunks of any size (several messages in one
 * segment, one message over several segments) and hands out whole messages. A message that sits
 * inside one chunk is handed out as a view (no copy); otherwise it is gathered into a buffer of exactly
 * its announced length (at most 65535 bytes: the two-byte prefix bounds it).
 */
export type DnsMessageSink = (buf: Uint8Array, off: number, end: number) => void;

export class DnsTcpFramer {
  /** Bytes of the length prefix collected so far (0..2) and its value. */
  private prefixLen = 0;
  private prefix = 0;
  /** Message being gathered across chunks, and how much of it is filled. */
  private msg: Uint8Array | null = null;
  private filled = 0;
  /** Length of the message being gathered (0: none); `msg` grows towards it as bytes arrive. */
  private msgLen = 0;
  /** Bytes still to skip of a message refused for a bad length. */
  private skipping = 0;

  constructor(
    private readonly sink: DnsMessageSink,
    private readonly anomaly: (id: number) => void,
    /** Called when a gather buffer of `n` bytes is needed; false refuses it (memory budget). */
    private readonly reserve: (n: number) => boolean = () => true,
    private readonly release: (n: number) => void = () => undefined,
  ) {}

  /** Bytes this framer holds (for the memory budget). */
  get held(): number {
    return this.msg ? this.msg.length : 0;
  }

  /** Feed in-order bytes. Returns false when the stream cannot be followed any more (memory refused). */
  push(buf: Uint8Array, off: number, len: number): boolean {
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, end - p);
        this.skipping -= n;
        p += n;
        continue;
      }
      if (this.msgLen > 0) {
        const n = Math.min(this.msgLen - this.filled, end - p);
        // Memory follows the bytes that came, not the length prefix.
        const grown = growFor(this.msg, this.filled, this.filled + n, this.msgLen, this.reserve);
        if (!grown) return false;
        this.msg = grown;
        this.msg.set(buf.subarray(p, p + n), this.filled);
        this.filled += n;
        p += n;
        if (this.filled === this.msgLen) {
          const m = this.msg;
          this.msg = null;
          this.msgLen = 0;
          this.release(m.length);
          this.sink(m, 0, m.length);
        }
        continue;
      }
      if (this.prefixLen < 2) {
        this.prefix = (this.prefix << 8) | buf[p++];
        if (++this.prefixLen < 2) continue;
      }
      const mlen = this.prefix;
      this.prefixLen = 0;
      this.prefix = 0;
      if (mlen < DNS_HEADER_LEN) {
        // A length too short for a header: skip what it covers and resynchronise after it.
        this.anomaly(AppAnomaly['dns.tcp_bad_length']);
        this.skipping = mlen;
        continue;
      }
      if (end - p >= mlen) {
        this.sink(buf, p, p + mlen);
        p += mlen;
        continue;
      }
      this.msgLen = mlen;
      this.filled = 0;
    }
    return true;
  }

  /** Drop any partial message (flow ended): gives its memory back. */
  dispose(): void {
    if (this.msg) this.release(this.msg.length);
    this.msg = null;
    this.msgLen = 0;
  }
}
