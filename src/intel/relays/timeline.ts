import type { SourceInfo } from './model.js';

/** One point of the timeline: every dated source with the same valid-after, merged. */
export interface Snapshot {
  validAfterMs: number;
  validUntilMs: number;
  sources: SourceInfo[];
}

/**
 * Dated relay snapshots (consensuses) in time order, and which one applies at a given moment:
 * the latest one whose valid-after is not after the moment. Inside its valid-until it is current;
 * after it, it is still used for `graceMs` and the match is marked stale (a Tor client itself keeps
 * using a consensus up to 24 hours past valid-until: "reasonably live"). Later than that, or before
 * the first snapshot, nothing dated applies and the lookup says so.
 */
export class Timeline {
  readonly snapshots: Snapshot[];
  private readonly after: Float64Array;

  constructor(sources: SourceInfo[], readonly graceMs: number) {
    const byTime = new Map<number, Snapshot>();
    for (const s of sources) {
      const va = s.validAfterMs!;
      const slot = byTime.get(va);
      if (slot) {
        slot.sources.push(s);
        slot.validUntilMs = Math.max(slot.validUntilMs, s.validUntilMs!);
      } else byTime.set(va, { validAfterMs: va, validUntilMs: s.validUntilMs!, sources: [s] });
    }
    this.snapshots = [...byTime.values()].sort((a, b) => a.validAfterMs - b.validAfterMs);
    this.after = Float64Array.from(this.snapshots, (s) => s.validAfterMs);
  }

  get length(): number {
    return this.snapshots.length;
  }

  /** Index of the snapshot in force at `atMs` (valid, or stale within the grace period), or -1. */
  select(atMs: number): number {
    const a = this.after;
    let lo = 0;
    let hi = a.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] <= atMs) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return -1;
    return atMs - this.snapshots[found].validUntilMs <= this.graceMs ? found : -1;
  }

  /** Whether the selected snapshot is past its valid-until at `atMs`. */
  isStale(index: number, atMs: number): boolean {
    return atMs > this.snapshots[index].validUntilMs;
  }
}
