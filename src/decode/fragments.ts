import type { Packet } from './packet.js';
import { Stat } from './stats.js';
import { HASH_KEY, keyedMix } from '../util/hash.js';

/**
 * IP fragments without reassembly: only the first fragment carries the transport header, so it
 * records the packet's final (innermost) flow tuple under the key (version, src, dst, protocol, id);
 * later fragments look the key up and join that flow. A later fragment whose first fragment was
 * never seen (or expired, or was evicted) cannot be attributed and is dropped by the caller.
 *
 * The table is fixed-size and set-associative (buckets x ways, typed arrays, no allocation after
 * construction): an insert into a full bucket evicts its oldest entry, so memory is bounded whatever
 * the traffic does. Entries expire `timeoutSec` after their first fragment, on the packet clock
 * (frame timestamps), so replays are deterministic.
 */
export interface FragmentOptions {
  /** Number of buckets, rounded up to a power of two (default 1024). */
  buckets?: number;
  /** Entries per bucket (default 4). Capacity = buckets x ways. */
  ways?: number;
  /** Seconds an entry stays usable after its first fragment (default 60, Suricata's defrag timeout). */
  timeoutSec?: number;
}

function pow2(n: number): number {
  let p = 1;
  while (p < n && p < 1 << 24) p <<= 1;
  return p;
}

export class FragmentTracker {
  readonly capacity: number;
  private readonly ways: number;
  private readonly mask: number;
  private readonly timeout: number;

  // keys
  private readonly used: Uint8Array;
  private readonly kMeta: Uint16Array; // version << 8 | protocol
  private readonly kId: Uint32Array;
  private readonly kSrc: Uint32Array;
  private readonly kDst: Uint32Array;
  private readonly born: Float64Array;
  // the first fragment's final tuple
  private readonly tMeta: Uint16Array; // version << 8 | protocol
  private readonly tSrc: Uint32Array;
  private readonly tDst: Uint32Array;
  private readonly tSport: Uint16Array;
  private readonly tDport: Uint16Array;
  private readonly tEncap: Uint16Array;

  // the first fragment seen in the current packet, stored by commit() once decoding succeeded
  private pending = false;
  private pMeta = 0;
  private pId = 0;
  private readonly pSrc = new Uint32Array(4);
  private readonly pDst = new Uint32Array(4);

  constructor(
    private readonly counts: Float64Array,
    opts: FragmentOptions = {},
  ) {
    const buckets = pow2(Math.max(1, opts.buckets ?? 1024));
    this.ways = Math.max(1, Math.min(16, opts.ways ?? 4));
    this.mask = buckets - 1;
    this.timeout = opts.timeoutSec ?? 60;
    const n = (this.capacity = buckets * this.ways);
    this.used = new Uint8Array(n);
    this.kMeta = new Uint16Array(n);
    this.kId = new Uint32Array(n);
    this.kSrc = new Uint32Array(n * 4);
    this.kDst = new Uint32Array(n * 4);
    this.born = new Float64Array(n);
    this.tMeta = new Uint16Array(n);
    this.tSrc = new Uint32Array(n * 4);
    this.tDst = new Uint32Array(n * 4);
    this.tSport = new Uint16Array(n);
    this.tDport = new Uint16Array(n);
    this.tEncap = new Uint16Array(n);
  }

  /** Live entries (for tests and metrics; walks the table). */
  size(now: number): number {
    let n = 0;
    for (let i = 0; i < this.capacity; i++) if (this.used[i] && now - this.born[i] <= this.timeout) n++;
    return n;
  }

  begin(): void {
    this.pending = false;
  }

  /** Remember the key of a first fragment (offset 0, more-fragments set) seen in this packet. */
  markFirst(version: number, src: Uint32Array, dst: Uint32Array, proto: number, id: number): void {
    this.pending = true;
    this.pMeta = (version << 8) | proto;
    this.pId = id >>> 0;
    for (let i = 0; i < 4; i++) {
      this.pSrc[i] = src[i];
      this.pDst[i] = dst[i];
    }
  }

  /** After a successful decode: store the packet's final tuple under the pending first-fragment key. */
  commit(p: Packet): void {
    if (!this.pending) return;
    this.pending = false;
    const now = p.frame.tsSec + p.frame.tsNsec * 1e-9;
    const slot = this.slotFor(this.pMeta, this.pSrc, this.pDst, this.pId, now);
    this.used[slot] = 1;
    this.kMeta[slot] = this.pMeta;
    this.kId[slot] = this.pId;
    this.born[slot] = now;
    const w = slot * 4;
    for (let i = 0; i < 4; i++) {
      this.kSrc[w + i] = this.pSrc[i];
      this.kDst[w + i] = this.pDst[i];
      this.tSrc[w + i] = p.src[i];
      this.tDst[w + i] = p.dst[i];
    }
    this.tMeta[slot] = (p.ipVersion << 8) | p.proto;
    this.tSport[slot] = p.sport;
    this.tDport[slot] = p.dport;
    this.tEncap[slot] = p.encap;
    this.counts[Stat.frag_first]++;
  }

  /**
   * A non-first fragment: when its first fragment is known, copy that fragment's final tuple into p
   * (version, addresses, protocol, ports; encap bits are OR-ed) and return true.
   */
  join(p: Packet, version: number, src: Uint32Array, dst: Uint32Array, proto: number, id: number): boolean {
    const now = p.frame.tsSec + p.frame.tsNsec * 1e-9;
    const meta = (version << 8) | proto;
    const base = (this.hash(meta, src, dst, id >>> 0) & this.mask) * this.ways;
    for (let s = base; s < base + this.ways; s++) {
      if (!this.used[s] || !this.sameKey(s, meta, src, dst, id >>> 0)) continue;
      if (now - this.born[s] > this.timeout) {
        this.used[s] = 0;
        return false;
      }
      const w = s * 4;
      for (let i = 0; i < 4; i++) {
        p.src[i] = this.tSrc[w + i];
        p.dst[i] = this.tDst[w + i];
      }
      p.ipVersion = this.tMeta[s] >> 8 === 6 ? 6 : 4;
      p.proto = this.tMeta[s] & 0xff;
      p.sport = this.tSport[s];
      p.dport = this.tDport[s];
      p.encap |= this.tEncap[s];
      this.counts[Stat.frag_joined]++;
      return true;
    }
    return false;
  }

  private slotFor(meta: number, src: Uint32Array, dst: Uint32Array, id: number, now: number): number {
    const base = (this.hash(meta, src, dst, id) & this.mask) * this.ways;
    let victim = base;
    let oldest = Infinity;
    for (let s = base; s < base + this.ways; s++) {
      // Same datagram again (retransmitted first fragment) or id reuse: overwrite.
      if (this.used[s] && this.sameKey(s, meta, src, dst, id)) return s;
    }
    for (let s = base; s < base + this.ways; s++) {
      if (!this.used[s] || now - this.born[s] > this.timeout) return s;
      if (this.born[s] < oldest) {
        oldest = this.born[s];
        victim = s;
      }
    }
    this.counts[Stat.frag_evicted]++;
    return victim;
  }

  private sameKey(s: number, meta: number, src: Uint32Array, dst: Uint32Array, id: number): boolean {
    if (this.kMeta[s] !== meta || this.kId[s] !== id) return false;
    const w = s * 4;
    return (
      this.kSrc[w + 3] === src[3] && this.kDst[w + 3] === dst[3] &&
      this.kSrc[w] === src[0] && this.kSrc[w + 1] === src[1] && this.kSrc[w + 2] === src[2] &&
      this.kDst[w] === dst[0] && this.kDst[w + 1] === dst[1] && this.kDst[w + 2] === dst[2]
    );
  }

  /** Keyed with the per-process secret (util/hash.ts): a sender cannot crowd one bucket to push a first fragment out. */
  private hash(meta: number, src: Uint32Array, dst: Uint32Array, id: number): number {
    let h = Math.imul(meta ^ HASH_KEY[0], 0x9e3779b1);
    h = Math.imul(h ^ id, 0x85ebca6b);
    for (let i = 0; i < 4; i++) {
      h = Math.imul(h ^ src[i], 0xcc9e2d51);
      h = Math.imul(h ^ dst[i], 0x1b873593);
      h ^= h >>> 15;
    }
    return keyedMix(h ^ (h >>> 16), HASH_KEY[2]);
  }
}
