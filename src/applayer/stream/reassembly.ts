import { AppAnomaly } from '../anomalies.js';
import type { MemoryBudget } from '../memory.js';

/**
 * Bounded in-order reassembly of the first `depth` bytes of one direction of a TCP connection, enough
 * for the handshake messages the parsers need (a ClientHello over several segments, a certificate).
 *
 *  - Sequence numbers are compared modulo 2^32 (RFC 793/1982 arithmetic).
 *  - The stream starts at the SYN's sequence + 1, or, when the handshake was not captured, at the first
 *    data segment seen.
 *  - Retransmitted bytes (at or before the next expected byte) are dropped; a segment that overlaps the
 *    delivered edge is trimmed (first copy wins, as in Suricata's default policy).
 *  - Segments after a hole wait, copied, in a short sorted list (MAX_PENDING segments, at most `depth`
 *    bytes in total, reserved from the memory budget); when the hole fills they are delivered in order.
 *  - The stream gives up cleanly (state FAILED, a named anomaly) when the list overflows, when the
 *    memory budget refuses, or when the peer acknowledges bytes beyond the hole: the segment was sent
 *    but not captured, and will never come.
 *  - After `depth` bytes, or when the consumer says it has seen enough, the direction is DONE.
 */
export const StreamState = { ACTIVE: 0, DONE: 1, FAILED: 2 } as const;

/**
 * Receives in-order bytes of direction `dir`; returns false when it needs no more of that direction.
 * An object with a method (the session), not a closure per stream: nothing is allocated per flow for it.
 */
export interface StreamSink {
  streamData(dir: number, buf: Uint8Array, off: number, len: number): boolean;
}

export const MAX_PENDING = 16;

interface Pending {
  seq: number;
  data: Uint8Array;
}

/** a - b as a signed 32-bit distance. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpStream {
  state: number = StreamState.ACTIVE;
  /** Next expected sequence number; meaningful once `synced`. */
  next = 0;
  synced = false;
  /** Bytes handed to the sink so far. */
  delivered = 0;
  /** Segments after a hole, sorted by sequence number (allocated on the first one). */
  private pending: Pending[] | null = null;
  private pendingBytes = 0;
  /** AppAnomaly id of the reason for FAILED, or -1. */
  failure = -1;

  constructor(
    private readonly depth: number,
    private readonly budget: MemoryBudget,
    /** Direction index handed to the sink. */
    readonly dir = 0,
  ) {}

  /** The SYN (or SYN-ACK) of this direction: data starts one after its sequence number. */
  syn(seq: number): void {
    if (this.synced) return;
    this.next = (seq + 1) >>> 0;
    this.synced = true;
  }

  /**
   * One segment's payload. Delivers whatever becomes in-order to `sink`. Returns the state afterwards.
   */
  segment(seq: number, buf: Uint8Array, off: number, len: number, sink: StreamSink): number {
    if (this.state !== StreamState.ACTIVE || len <= 0) return this.state;
    if (!this.synced) {
      this.next = seq >>> 0;
      this.synced = true;
    }
    let d = seqDiff(seq, this.next);
    if (d < 0) {
      // Retransmission of delivered bytes, or an overlap with them: keep only the new tail.
      if (d + len <= 0) return this.state;
      off -= d;
      len += d;
      d = 0;
    }
    if (d > 0) return this.queue(seq, buf, off, len);
    if (!this.deliver(buf, off, len, sink)) return this.state;
    return this.drain(sink);
  }

  /** The other direction acknowledged `ack`: bytes before it were sent. A hole before it is final. */
  peerAck(ack: number): void {
    if (this.state !== StreamState.ACTIVE || !this.synced || this.pending === null || this.pending.length === 0) return;
    if (seqDiff(ack, this.next) > 0) this.fail(AppAnomaly['stream.gap']);
  }

  /** Bytes held in the reorder list. */
  get held(): number {
    return this.pendingBytes;
  }

  /** Stop and give back memory (flow ended or inspection over). */
  close(): void {
    this.dropPending();
    if (this.state === StreamState.ACTIVE) this.state = StreamState.DONE;
  }

  private deliver(buf: Uint8Array, off: number, len: number, sink: StreamSink): boolean {
    const room = this.depth - this.delivered;
    const n = len < room ? len : room;
    this.next = (this.next + len) >>> 0;
    this.delivered += n;
    const more = sink.streamData(this.dir, buf, off, n);
    if (!more || this.delivered >= this.depth) {
      this.state = StreamState.DONE;
      this.dropPending();
      return false;
    }
    return true;
  }

  private queue(seq: number, buf: Uint8Array, off: number, len: number): number {
    // Bytes past the depth are never needed.
    const room = this.depth - this.delivered - seqDiff(seq, this.next);
    if (room <= 0) return this.state;
    if (len > room) len = room;
    const p = (this.pending ??= []);
    if (p.length >= MAX_PENDING || this.pendingBytes + len > this.depth) {
      this.fail(AppAnomaly['stream.reorder_overflow']);
      return this.state;
    }
    if (!this.budget.reserve(len)) {
      this.fail(AppAnomaly['stream.memcap']);
      return this.state;
    }
    const data = new Uint8Array(len);
    data.set(buf.subarray(off, off + len));
    let i = p.length;
    while (i > 0 && seqDiff(p[i - 1].seq, seq) > 0) i--;
    p.splice(i, 0, { seq, data });
    this.pendingBytes += len;
    return this.state;
  }

  private drain(sink: StreamSink): number {
    const p = this.pending;
    while (p !== null && p.length > 0 && this.state === StreamState.ACTIVE) {
      const head = p[0];
      const d = seqDiff(head.seq, this.next);
      if (d > 0) break;
      p.shift();
      this.pendingBytes -= head.data.length;
      this.budget.release(head.data.length);
      if (d + head.data.length <= 0) continue;
      const skip = -d;
      if (!this.deliver(head.data, skip, head.data.length - skip, sink)) break;
    }
    return this.state;
  }

  private fail(anomaly: number): void {
    this.failure = anomaly;
    this.state = StreamState.FAILED;
    this.dropPending();
  }

  private dropPending(): void {
    if (this.pendingBytes > 0) this.budget.release(this.pendingBytes);
    this.pending = null;
    this.pendingBytes = 0;
  }
}
