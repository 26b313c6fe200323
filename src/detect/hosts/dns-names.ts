/**
 * What DNS answered: (client, address) -> the name that was asked for, so a later flow from that
 * client to that address can be named (ECS destination.domain, and hostname rules on the connection,
 * not only the lookup). An answer names the address for the host that received it only: an answer
 * sent to one host (spoofed, or simply another host's) never names a connection of another host.
 * Each entry keeps which answer it came from (resolver, time, whether its query was seen), for the
 * alert to say.
 *
 * Bounded in entries and time, on the packet clock (replays are deterministic): a fixed-size
 * set-associative table (buckets x ways, typed arrays, keyed by the client's and the address's
 * words, no strings per lookup). An insert into a full bucket replaces the entry that expires first. An entry lives for the
 * record's TTL clamped to [MIN_TTL_S, MAX_TTL_S]: clients keep using an answer a little past a tiny
 * TTL (browsers hold even TTL-0 answers for up to a minute), and a week-long TTL must not pin memory.
 * The latest answer for an address wins (CDN addresses serve many names; the newest is the likeliest).
 */
import type { DnsAnswerRef } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { keyedAddressHash, keyedMix } from '../../util/hash.js';

export type { DnsAnswerRef };

export const MIN_TTL_S = 60;
export const MAX_TTL_S = 86_400;

export interface DnsCacheOptions {
  /** Capacity in entries, rounded up to buckets x ways with a power-of-two bucket count (default 65536). */
  entries?: number;
  ways?: number;
}

/** A host's address as DNS and flows give it: version and four words (IPv4 in the last). */
export interface HostAddress {
  version: number;
  words: ArrayLike<number>;
}

/** A flow's initiator (a side) as a DNS client: the host whose answers name its connections. */
export function initiatorOf(f: Flow): HostAddress {
  return { version: f.ipVersion, words: [f.a0, f.a1, f.a2, f.a3] };
}

/** A flow's responder (b side) as a DNS client. */
export function responderOf(f: Flow): HostAddress {
  return { version: f.ipVersion, words: [f.b0, f.b1, f.b2, f.b3] };
}

export class DnsCache {
  readonly capacity: number;
  private readonly ways: number;
  private readonly mask: number;
  /** Per slot: address version (0: free) and client version. */
  private readonly version: Uint8Array;
  private readonly clientVersion: Uint8Array;
  /** Per slot: the address's four words, then the client's four. */
  private readonly key: Uint32Array;
  private readonly expires: Float64Array;
  private readonly answers: (DnsAnswerRef | undefined)[];
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
    this.clientVersion = new Uint8Array(n);
    this.key = new Uint32Array(n * 8);
    this.expires = new Float64Array(n);
    this.answers = new Array<DnsAnswerRef | undefined>(n).fill(undefined);
  }

  private bucket(c: HostAddress, v: number, w0: number, w1: number, w2: number, w3: number): number {
    // Keyed: a sender cannot pick addresses that crowd one bucket and push a real answer out.
    const cw = c.words;
    const h = keyedMix(keyedAddressHash(v, w0, w1, w2, w3), keyedAddressHash(c.version, cw[0], cw[1], cw[2], cw[3]));
    return (h & this.mask) * this.ways;
  }

  private find(base: number, c: HostAddress, v: number, w0: number, w1: number, w2: number, w3: number): number {
    const k = this.key;
    const cw = c.words;
    for (let i = base; i < base + this.ways; i++) {
      const o = i * 8;
      if (this.version[i] === v && k[o + 3] === w3 && k[o] === w0 && k[o + 1] === w1 && k[o + 2] === w2 &&
          this.clientVersion[i] === c.version && k[o + 7] === cw[3] >>> 0 && k[o + 4] === cw[0] >>> 0 && k[o + 5] === cw[1] >>> 0 && k[o + 6] === cw[2] >>> 0) return i;
    }
    return -1;
  }

  /** Remember that `answer.name` resolved to the address for `client`, at packet time `nowMs`, for `ttlSec`. */
  insert(client: HostAddress, v: 4 | 6, w0: number, w1: number, w2: number, w3: number, answer: DnsAnswerRef, ttlSec: number, nowMs: number): void {
    w0 >>>= 0; w1 >>>= 0; w2 >>>= 0; w3 >>>= 0;
    const base = this.bucket(client, v, w0, w1, w2, w3);
    let slot = this.find(base, client, v, w0, w1, w2, w3);
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
    const o = slot * 8;
    const cw = client.words;
    this.version[slot] = v;
    this.clientVersion[slot] = client.version;
    this.key[o] = w0;
    this.key[o + 1] = w1;
    this.key[o + 2] = w2;
    this.key[o + 3] = w3;
    this.key[o + 4] = cw[0];
    this.key[o + 5] = cw[1];
    this.key[o + 6] = cw[2];
    this.key[o + 7] = cw[3];
    this.expires[slot] = nowMs + ttl * 1000;
    this.answers[slot] = answer;
    this.inserts++;
  }

  /** The answer `client` last got for the address, if it is still live at `nowMs`. */
  lookup(client: HostAddress, v: number, w0: number, w1: number, w2: number, w3: number, nowMs: number): DnsAnswerRef | undefined {
    w0 >>>= 0; w1 >>>= 0; w2 >>>= 0; w3 >>>= 0;
    const slot = this.find(this.bucket(client, v, w0, w1, w2, w3), client, v, w0, w1, w2, w3);
    if (slot < 0 || this.expires[slot] <= nowMs) return undefined;
    return this.answers[slot];
  }
}
