/**
 * The app layer's memory budget (Suricata's stream/app-layer memcap): every byte a parser or the
 * reassembler holds beyond the packet being processed (out-of-order segments, partial handshake
 * messages, DNS-over-TCP messages, QUIC CRYPTO data) is reserved here first. When the budget is
 * spent, the flow that asked stops being inspected (anomaly stream.memcap) instead of the process
 * growing: many half-open hostile flows cannot exhaust memory.
 */
export class MemoryBudget {
  used = 0;
  peak = 0;
  refusals = 0;

  constructor(readonly limit: number) {}

  reserve(n: number): boolean {
    if (this.used + n > this.limit) {
      this.refusals++;
      return false;
    }
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  release(n: number): void {
    this.used -= n;
    if (this.used < 0) this.used = 0;
  }
}
