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
 * using a consensus up to 24 hours past valid-until: "reasonably live"). Before the first snapshot,
 * within `earlyGraceMs` of its valid-after, the first snapshot applies too, marked early: the relays a
 * consensus lists were running before it was voted (a relay in the 06:00 consensus was up at 05:59),
 * and a capture that starts just before the first list it was given with should not lose its relays.
 * Later than the grace after the last, or earlier than the grace before the first, nothing dated
 * applies and the lookup says so.
 */
export class Timeline {
  readonly snapshots: Snapshot[];
  private readonly after: Float64Array;

  constructor(sources: SourceInfo[], readonly graceMs: number, readonly earlyGraceMs = 0) {
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
    if (found < 0) return a.length > 0 && a[0] - atMs <= this.earlyGraceMs ? 0 : -1;
    return atMs - this.snapshots[found].validUntilMs <= this.graceMs ? found : -1;
  }

  /** Whether the selected snapshot was chosen for a moment before its valid-after (the early grace). */
  isEarly(index: number, atMs: number): boolean {
    return atMs < this.snapshots[index].validAfterMs;
  }

  /** Whether the selected snapshot is past its valid-until at `atMs`. */
  isStale(index: number, atMs: number): boolean {
    return atMs > this.snapshots[index].validUntilMs;
  }
}
