import type { Timeline } from './model.js';

/** Bucket sizes the timeline may use, smallest first: a minute up to a week. */
const BUCKETS = [60, 300, 900, 3600, 6 * 3600, 86_400, 7 * 86_400];
/** About this many buckets over the whole span, at most. */
const MAX_BUCKETS = 200;
/** A summary's repeats are spread over at most this many points of its window. */
const MAX_SPREAD = 200;

/**
 * Connections per internal host and rule over time. Kept per minute while reading (memory grows with
 * active minutes, not with alerts), coarsened to one bucket size at the end so that the span fits the
 * chart.
 */
export class TimelineBuilder {
  private readonly minutes = new Map<string, Map<number, number>>();
  private min = Infinity;
  private max = -Infinity;

  /** One connection at `iso`, or `repeats` spread evenly over [first, last] (a summary). */
  add(host: string, rule: string, firstIso: string, lastIso: string, count: number): void {
    const t0 = Date.parse(firstIso);
    if (!Number.isFinite(t0) || count <= 0) return;
    let t1 = Date.parse(lastIso);
    if (!Number.isFinite(t1) || t1 < t0) t1 = t0;
    const key = `${host}\u0000${rule}`;
    let m = this.minutes.get(key);
    if (!m) this.minutes.set(key, (m = new Map()));
    const points = Math.min(count, MAX_SPREAD, Math.max(1, Math.floor((t1 - t0) / 60_000) + 1));
    for (let i = 0; i < points; i++) {
      // Point i gets its share of the count; the shares add up to `count` exactly.
      const share = Math.floor(((i + 1) * count) / points) - Math.floor((i * count) / points);
      const t = points === 1 ? t0 : t0 + ((t1 - t0) * i) / (points - 1);
      const minute = Math.floor(t / 60_000);
      m.set(minute, (m.get(minute) ?? 0) + share);
    }
    if (t0 < this.min) this.min = t0;
    if (t1 > this.max) this.max = t1;
  }

  build(): Timeline {
    if (this.minutes.size === 0) return { bucketSeconds: 60, series: [] };
    const spanSec = (this.max - this.min) / 1000;
    const bucketSeconds = BUCKETS.find((b) => spanSec / b <= MAX_BUCKETS) ?? BUCKETS[BUCKETS.length - 1];
    const per = bucketSeconds / 60;
    const series: Timeline['series'] = [];
    for (const [key, m] of this.minutes) {
      const [host, rule] = key.split('\u0000');
      const buckets = new Map<number, number>();
      for (const [minute, n] of m) {
        const b = Math.floor(minute / per) * per;
        buckets.set(b, (buckets.get(b) ?? 0) + n);
      }
      const points = [...buckets].sort((a, b) => a[0] - b[0]).map(([b, n]) => ({ t: new Date(b * 60_000).toISOString(), connections: n }));
      series.push({ host, rule, points });
    }
    series.sort((a, b) => a.host.localeCompare(b.host) || a.rule.localeCompare(b.rule));
    const from = new Date(Math.floor(this.min / (bucketSeconds * 1000)) * bucketSeconds * 1000).toISOString();
    return { bucketSeconds, from, to: new Date(this.max).toISOString(), series };
  }
}
