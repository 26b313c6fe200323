/**
 * What DNS answered: address -> the name that was asked for, so a later flow to that address can be
 * named (ECS destination.domain, and hostname rules on the connection, not only the lookup).
 *
 * Bounded in entries and time, on the packet clock (replays are deterministic): a fixed-size
 * set-associative table (buckets x ways, typed arrays, keyed by the address words, no strings per
 * lookup). An insert into a full bucket replaces the entry that expires first. An entry lives for the
 * record's TTL clamped to [MIN_TTL_S, MAX_TTL_S]: clients keep using an answer a little past a tiny
 * TTL (browsers hold even TTL-0 answers for up to a minute), and a week-long TTL must not pin memory.
 * The latest answer for an address wins (CDN addresses serve many names; the newest is the likeliest).
 */
import { keyedAddressHash } from '../../util/hash.js';

export const MIN_TTL_S = 60;
export const MAX_TTL_S = 86_400;

export interface DnsCacheOptions {
  /** Capacity in entries, rounded up to buckets x ways with a power-of-two bucket count (default 65536). */
  entries?: number;
  ways?: number;
}

export class DnsCache {
  readonly capacity: number;
  private readonly ways: number;
  private readonly mask: number;
  private readonly version: Uint8Array;
  private readonly key: Uint32Array;
  private readonly expires: Float64Array;
  private readonly names: (string | undefined)[];
  /** Inserts and replacements of live entries (for the run summary). */
  inserts = 0;
  evictions = 0;

  constructor(opts: DnsCacheOptions = {}) {
    this.ways = Math.max(1, Math.min(16, opts.ways ?? 4));
    const want = Math.max(this.ways, opts.entries ?? 65_536);
    let buckets = 1;
    while (buckets * this.ways < want && buckets < 1 << 22) buckets <<= 1;
    this.mask = buckets - 1;
    const n = (this.capacity = buckets * this.ways);
    this.version = new Uint8Array(n);
    this.key = new Uint32Array(n * 4);
    this.expires = new Float64Array(n);
    this.names = new Array<string | undefined>(n).fill(undefined);
  }

  private bucket(v: number, w0: number, w1: number, w2: number, w3: number): number {
    // Keyed: a sender cannot pick addresses that crowd one bucket and push a real answer out.
    const h = keyedAddressHash(v, w0, w1, w2, w3);
    return (h & this.mask) * this.ways;
  }

  private find(base: number, v: number, w0: number, w1: number, w2: number, w3: number): number {
    const k = this.key;
    for (let i = base; i < base + this.ways; i++) {
      if (this.version[i] === v && k[i * 4 + 3] === w3 && k[i * 4] === w0 && k[i * 4 + 1] === w1 && k[i * 4 + 2] === w2) return i;
    }
    return -1;
  }

  /** Remember that `name` resolved to the address, at packet time `nowMs`, for `ttlSec`. */
  insert(v: 4 | 6, w0: number, w1: number, w2: number, w3: number, name: string, ttlSec: number, nowMs: number): void {
    const base = this.bucket(v, w0, w1, w2, w3);
    let slot = this.find(base, v, w0, w1, w2, w3);
    if (slot < 0) {
      // A free or expired way, else the one that expires first.
      slot = base;
      for (let i = base; i < base + this.ways; i++) {
        if (this.version[i] === 0 || this.expires[i] <= nowMs) { slot = i; break; }
        if (this.expires[i] < this.expires[slot]) slot = i;
      }
      if (this.version[slot] !== 0 && this.expires[slot] > nowMs) this.evictions++;
    }
    const ttl = Math.min(MAX_TTL_S, Math.max(MIN_TTL_S, ttlSec));
    this.version[slot] = v;
    this.key[slot * 4] = w0;
    this.key[slot * 4 + 1] = w1;
    this.key[slot * 4 + 2] = w2;
    this.key[slot * 4 + 3] = w3;
    this.expires[slot] = nowMs + ttl * 1000;
    this.names[slot] = name;
    this.inserts++;
  }

  /** The name the address was last resolved from, if that answer is still live at `nowMs`. */
  lookup(v: number, w0: number, w1: number, w2: number, w3: number, nowMs: number): string | undefined {
    const slot = this.find(this.bucket(v, w0, w1, w2, w3), v, w0, w1, w2, w3);
    if (slot < 0 || this.expires[slot] <= nowMs) return undefined;
    return this.names[slot];
  }
}
