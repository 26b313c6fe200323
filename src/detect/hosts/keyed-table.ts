/**
 * A bounded table of records on the packet clock, keyed by strings built from packet fields (an
 * address, an address and a port, a host and a peer): the building block of HostState's tables.
 *
 * JavaScript Maps hash strings with a seed V8 picks at random per process, so an adversary choosing
 * the fields cannot aim collisions at it. At most `capacity` records: touching one moves it to the
 * young end, and a full table drops the one touched longest ago (counted in `evictions`). A record not
 * touched for `ttlMs` of packet time is gone: `get` does not return it and the next `touch` sweeps it
 * from the old end. Nothing here grows with packet bytes: a record is created only by `touch`, at most
 * one per key.
 */
export class KeyedTable<T> {
  private readonly map = new Map<string, Entry<T>>();
  /** Records dropped because the table was full (not because they went idle). */
  evictions = 0;
  /** Records dropped because they went idle for ttlMs. */
  expirations = 0;

  constructor(
    readonly capacity: number,
    readonly ttlMs: number,
    private readonly create: () => T,
  ) {
    if (!(capacity >= 1)) throw new RangeError('capacity must be >= 1');
  }

  get size(): number {
    return this.map.size;
  }

  /** The record if it was touched within ttlMs before `nowMs`. */
  get(key: string, nowMs: number): T | undefined {
    const e = this.map.get(key);
    if (e === undefined || e.lastMs + this.ttlMs <= nowMs) return undefined;
    return e.value;
  }

  /** The record (created if new or expired), marked as seen at `nowMs`. */
  touch(key: string, nowMs: number): T {
    const map = this.map;
    let e = map.get(key);
    if (e !== undefined) {
      map.delete(key);
      if (e.lastMs + this.ttlMs <= nowMs) {
        this.expirations++;
        e = undefined;
      }
    }
    this.sweep(nowMs);
    if (e === undefined) {
      e = { value: this.create(), lastMs: nowMs };
    } else if (nowMs > e.lastMs) {
      e.lastMs = nowMs;
    }
    map.set(key, e);
    return e.value;
  }

  /** Every live record (for summaries and tests), oldest first. */
  *entries(nowMs: number): IterableIterator<[string, T]> {
    for (const [k, e] of this.map) if (e.lastMs + this.ttlMs > nowMs) yield [k, e.value];
  }

  /** Drop idle records from the old end, and the oldest while over capacity (room for one more). */
  private sweep(nowMs: number): void {
    const map = this.map;
    for (const [k, e] of map) {
      if (e.lastMs + this.ttlMs <= nowMs) {
        map.delete(k);
        this.expirations++;
      } else if (map.size >= this.capacity) {
        map.delete(k);
        this.evictions++;
      } else {
        break;
      }
    }
  }
}

interface Entry<T> {
  value: T;
  lastMs: number;
}
