import { addressKey } from './address-key.js';
import { KeyedTable } from './keyed-table.js';

/**
 * A bounded table of per-host records on the packet clock: a KeyedTable keyed by a host's address
 * words (as a compact string, see address-key.ts). At most `capacity` hosts, the one touched longest
 * ago dropped first; a host not touched for `ttlMs` of packet time is gone (keyed-table.ts).
 */
export class HostTable<T> {
  private readonly table: KeyedTable<T>;

  constructor(capacity: number, ttlMs: number, create: () => T) {
    this.table = new KeyedTable(capacity, ttlMs, create);
  }

  get capacity(): number {
    return this.table.capacity;
  }

  get ttlMs(): number {
    return this.table.ttlMs;
  }

  get size(): number {
    return this.table.size;
  }

  /** Hosts dropped because the table was full (not because they went idle). */
  get evictions(): number {
    return this.table.evictions;
  }

  /** Hosts dropped because they went idle for ttlMs. */
  get expirations(): number {
    return this.table.expirations;
  }

  /** The host's record if it was touched within ttlMs before `nowMs`. */
  get(v: number, w0: number, w1: number, w2: number, w3: number, nowMs: number): T | undefined {
    return this.table.get(addressKey(v, w0, w1, w2, w3), nowMs);
  }

  /** The host's record (created if new or expired), marked as seen at `nowMs`. */
  touch(v: number, w0: number, w1: number, w2: number, w3: number, nowMs: number): T {
    return this.table.touch(addressKey(v, w0, w1, w2, w3), nowMs);
  }

  /** Every live host's record (for summaries and tests), oldest first. */
  entries(nowMs: number): IterableIterator<[string, T]> {
    return this.table.entries(nowMs);
  }
}
