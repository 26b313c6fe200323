/**
 * ISO 8601 UTC with the capture's precision: microseconds for microsecond captures, nanoseconds when
 * the nanosecond part needs them. Elasticsearch `date` accepts both (date_nanos keeps all nine digits).
 */
export function isoTime(sec: number, nsec: number): string {
  const base = new Date(sec * 1000).toISOString(); // yyyy-mm-ddThh:mm:ss.000Z
  const frac = nsec % 1000 === 0 ? String(nsec / 1000).padStart(6, '0') : String(nsec).padStart(9, '0');
  return base.slice(0, 19) + '.' + frac + 'Z';
}

/** Nanoseconds between two (sec, nsec) times, for event.duration (ECS: long, nanoseconds). */
export function durationNs(sec0: number, nsec0: number, sec1: number, nsec1: number): number {
  return Math.max(0, (sec1 - sec0) * 1e9 + (nsec1 - nsec0));
}
