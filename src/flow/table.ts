import { type Packet, IpProto, TcpFlag } from '../decode/packet.js';
import { countPacket, Flow, Initiator, TcpState, type InitiatorValue } from './flow.js';
import { sourceLooksLikeServer } from './server-ports.js';
import { icmpPorts, type IcmpPorts } from './icmp-ports.js';
import { flowHash4, flowHash6 } from './flow-hash.js';
import { updateTcpState } from './tcp-state.js';

/** Why a flow left the table. */
export type FlowEndReason = 'timeout' | 'evicted' | 'reused' | 'shutdown';

/** Idle timeouts in seconds, per state class (defaults after Suricata's flow-timeouts). */
export interface FlowTimeouts {
  tcpNew: number;
  tcpEstablished: number;
  tcpClosed: number;
  udp: number;
  other: number;
}

export const DEFAULT_TIMEOUTS: FlowTimeouts = { tcpNew: 60, tcpEstablished: 600, tcpClosed: 30, udp: 120, other: 60 };

export interface FlowTableOptions {
  /** Hard cap on concurrent flows; at the cap the flow nearest its timeout is evicted (and counted). */
  maxFlows: number;
  timeouts: FlowTimeouts;
  /** Told about every flow that leaves the table, before it is unlinked. */
  onFlowEnd?: (flow: Flow, reason: FlowEndReason) => void;
}

// Timeout classes: each has its own LRU list, so expiry only ever looks at list heads.
const C_TCP_NEW = 0;
const C_TCP_EST = 1;
const C_TCP_CLOSED = 2;
const C_UDP = 3;
const C_OTHER = 4;
const N_CLASSES = 5;

export interface FlowTableStats {
  created: number;
  active: number;
  peak: number;
  expired: number;
  evicted: number;
  reused: number;
  /** New flows that landed in a bucket already holding another flow (the keyed hash keeps this near the birthday figure). */
  collisions: number;
  /** Flows evicted because their bucket chain was at MAX_CHAIN (also counted in `evicted`); 0 unless the hash is attacked and guessed. */
  chainEvicted: number;
  /** Longest bucket chain a new flow joined. */
  longestChain: number;
}

/** Most flows one bucket chain holds: bounds every lookup's walk whatever the sender chose. */
export const MAX_CHAIN = 16;

/**
 * The flow table: one canonical entry per 5-tuple in both directions, found by a symmetric hash over
 * the endpoints, with intrusive chaining (no Map, no string keys). Idle timeouts run on the packet
 * clock through per-class LRU lists; the hard cap evicts the flow closest to expiry. VLAN ids are not
 * part of the key (like Zeek): a SPAN that sees both legs of a routed flow gives one flow, not two.
 */
export class FlowTable {
  /** Direction of the last looked-up packet: 0 initiator->responder, 1 responder->initiator. */
  dir = 0;
  /** Whether the last lookup created the flow. */
  isNew = false;

  private buckets: (Flow | null)[];
  private mask: number;
  private readonly maxBuckets: number;
  private readonly heads: (Flow | null)[] = new Array<Flow | null>(N_CLASSES).fill(null);
  private readonly tails: (Flow | null)[] = new Array<Flow | null>(N_CLASSES).fill(null);
  private readonly timeoutMs: number[];
  private nextId = 1;
  private nextExpiryCheck = -Infinity;
  private readonly icmp: IcmpPorts = { sport: 0, dport: 0, oneWay: false };

  readonly stats: FlowTableStats = { created: 0, active: 0, peak: 0, expired: 0, evicted: 0, reused: 0, collisions: 0, chainEvicted: 0, longestChain: 0 };

  constructor(private readonly opts: FlowTableOptions) {
    if (!(opts.maxFlows >= 1)) throw new RangeError('maxFlows must be >= 1');
    const t = opts.timeouts;
    this.timeoutMs = [t.tcpNew, t.tcpEstablished, t.tcpClosed, t.udp, t.other].map((s) => s * 1000);
    let cap = 1;
    while (cap < opts.maxFlows) cap <<= 1;
    this.maxBuckets = Math.max(1024, cap);
    const initial = Math.min(this.maxBuckets, 4096);
    this.buckets = new Array<Flow | null>(initial).fill(null);
    this.mask = initial - 1;
  }

  get size(): number {
    return this.stats.active;
  }

  /**
   * Find or create the flow of `p` (decoded, with an IP tuple) at pipeline time `nowMs`.
   * Sets `dir` and `isNew`. Also runs idle expiry at most once per second of packet time.
   */
  lookup(p: Packet, nowMs: number, home: (version: number, w0: number, w1: number, w2: number, w3: number) => boolean): Flow {
    this.checkExpiry(nowMs);
    let sport = p.sport;
    let dport = p.dport;
    const proto = p.proto;
    if (proto === IpProto.ICMP || proto === IpProto.ICMPV6) {
      icmpPorts(proto === IpProto.ICMPV6, sport, dport, this.icmp);
      sport = this.icmp.sport;
      dport = this.icmp.dport;
    }
    const s = p.src;
    const d = p.dst;
    const s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    const d0 = d[0], d1 = d[1], d2 = d[2], d3 = d[3];
    // Symmetric and keyed (flow-hash.ts): both directions land in the same bucket, and a sender cannot
    // choose tuples that share one. IPv4 keeps words 0..2 zero: one address word per endpoint.
    const hash = p.ipVersion === 4
      ? flowHash4(s3, sport, d3, dport, proto)
      : flowHash6(s0, s1, s2, s3, sport, d0, d1, d2, d3, dport, proto);

    const bi = hash & this.mask;
    let f = this.buckets[bi];
    let chain = 0;
    while (f !== null) {
      chain++;
      if (f.hash === hash && f.proto === proto && f.ipVersion === p.ipVersion) {
        if (f.aPort === sport && f.bPort === dport && f.a3 === s3 && f.b3 === d3 && f.a2 === s2 && f.b2 === d2 &&
            f.a1 === s1 && f.b1 === d1 && f.a0 === s0 && f.b0 === d0) {
          this.dir = 0;
          break;
        }
        if (f.aPort === dport && f.bPort === sport && f.a3 === d3 && f.b3 === s3 && f.a2 === d2 && f.b2 === s2 &&
            f.a1 === d1 && f.b1 === s1 && f.a0 === d0 && f.b0 === s0) {
          this.dir = 1;
          break;
        }
      }
      f = f.bucketNext;
    }

    const tcpFlags = proto === IpProto.TCP ? p.tcpFlags : 0;
    // A fresh SYN on a closed connection is port reuse: the old flow ends, a new one starts.
    if (f !== null && f.tcpState === TcpState.CLOSED && (tcpFlags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) {
      this.remove(f, 'reused');
      this.stats.reused++;
      f = null;
    }

    if (f === null) {
      if (chain > 0) this.stats.collisions++;
      // A chain at its bound (only a broken or guessed key gets there: with a keyed hash and at most one
      // flow per bucket on average, 16 in one bucket does not happen by chance) gives up its least
      // recently active flow, so no lookup ever walks more than MAX_CHAIN entries.
      if (chain >= MAX_CHAIN) this.evictFromChain(bi);
      else if (this.stats.active >= this.opts.maxFlows) this.evictOne();
      // The initiator is the SYN sender; a SYN-ACK seen first means the receiver initiated; without a
      // handshake packet (TCP mid-stream, UDP) the end on a likely server port is the responder
      // (server-ports.ts, as Zeek and Suricata do); otherwise the first packet's sender.
      const initiator = initiatorOf(proto, tcpFlags, sport, dport);
      const swap = initiator === Initiator.SYN_ACK || initiator === Initiator.SERVER_PORT;
      const fr = p.frame;
      f = swap
        ? new Flow(this.nextId++, hash, p.ipVersion as 4 | 6, proto, d0, d1, d2, d3, dport, s0, s1, s2, s3, sport, fr.tsSec, fr.tsNsec, nowMs)
        : new Flow(this.nextId++, hash, p.ipVersion as 4 | 6, proto, s0, s1, s2, s3, sport, d0, d1, d2, d3, dport, fr.tsSec, fr.tsNsec, nowMs);
      f.initiator = initiator;
      this.dir = swap ? 1 : 0;
      f.aHome = home(p.ipVersion, f.a0, f.a1, f.a2, f.a3);
      f.bHome = home(p.ipVersion, f.b0, f.b1, f.b2, f.b3);
      f.firstPacket = fr.index;
      if (p.vlanCount > 0) {
        f.vlanOuter = p.vlan[0];
        f.vlanInner = p.vlanCount > 1 ? p.vlan[p.vlanCount - 1] : 0;
      }
      const st = this.stats;
      // Grow before linking the new flow: grow() rehashes from the LRU lists, which the new flow joins
      // only at the end of this lookup (growing after linking lost it, and its next packet made a second flow).
      if (st.active + 1 > this.buckets.length && this.buckets.length < this.maxBuckets) this.grow();
      const nbi = hash & this.mask;
      f.bucketNext = this.buckets[nbi];
      this.buckets[nbi] = f;
      this.isNew = true;
      st.created++;
      st.active++;
      if (st.active > st.peak) st.peak = st.active;
      if (chain + 1 > st.longestChain) st.longestChain = Math.min(chain + 1, MAX_CHAIN);
    } else {
      this.isNew = false;
    }

    // Per-packet accounting.
    const fr = p.frame;
    countPacket(f, this.dir, fr.wirelen, fr.tsSec, fr.tsNsec, nowMs);
    if (proto === IpProto.TCP) updateTcpState(f, this.dir, tcpFlags);
    this.touch(f, this.classOf(f));
    return f;
  }

  /**
   * Idle expiry, at most once per second of packet time; every lookup starts with it. A sharded worker
   * also calls it for the packets another worker owns, so that its flows time out on the same packet
   * as they would in one table (pipeline/shard/).
   */
  checkExpiry(nowMs: number): void {
    if (nowMs >= this.nextExpiryCheck) {
      this.expire(nowMs);
      this.nextExpiryCheck = nowMs + 1000;
    }
  }

  /** End every flow whose idle time is over (pipeline clock). */
  expire(nowMs: number): void {
    for (let c = 0; c < N_CLASSES; c++) {
      const limit = nowMs - this.timeoutMs[c];
      let h = this.heads[c];
      while (h !== null && h.lastMs <= limit) {
        this.remove(h, 'timeout');
        this.stats.expired++;
        h = this.heads[c];
      }
    }
  }

  /** End every flow (end of replay, shutdown), oldest first. */
  flushAll(reason: FlowEndReason = 'shutdown'): void {
    for (;;) {
      let best: Flow | null = null;
      for (let c = 0; c < N_CLASSES; c++) {
        const h = this.heads[c];
        if (h !== null && (best === null || h.lastMs < best.lastMs || (h.lastMs === best.lastMs && h.id < best.id))) best = h;
      }
      if (best === null) return;
      this.remove(best, reason);
    }
  }

  /** Iterate over live flows (for debugging and metrics; not on the hot path). */
  *flows(): IterableIterator<Flow> {
    for (let c = 0; c < N_CLASSES; c++) for (let f = this.heads[c]; f !== null; f = f.lruNext) yield f;
  }

  private classOf(f: Flow): number {
    if (f.proto === IpProto.TCP) {
      switch (f.tcpState) {
        case TcpState.SYN_SENT:
        case TcpState.SYN_ACKED:
          return C_TCP_NEW;
        case TcpState.CLOSED:
          return C_TCP_CLOSED;
        default:
          return C_TCP_EST;
      }
    }
    return f.proto === IpProto.UDP ? C_UDP : C_OTHER;
  }

  /** Move f to the tail of class c's list (most recently active). */
  private touch(f: Flow, c: number): void {
    if (this.tails[f.tclass] === f && f.tclass === c) return;
    this.unlinkLru(f);
    f.tclass = c;
    f.lruPrev = this.tails[c];
    f.lruNext = null;
    if (f.lruPrev !== null) f.lruPrev.lruNext = f;
    else this.heads[c] = f;
    this.tails[c] = f;
  }

  private unlinkLru(f: Flow): void {
    const c = f.tclass;
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext;
    else if (this.heads[c] === f) this.heads[c] = f.lruNext;
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev;
    else if (this.tails[c] === f) this.tails[c] = f.lruPrev;
    f.lruPrev = null;
    f.lruNext = null;
  }

  private remove(f: Flow, reason: FlowEndReason): void {
    this.opts.onFlowEnd?.(f, reason);
    this.unlinkLru(f);
    const bi = f.hash & this.mask;
    let prev: Flow | null = null;
    for (let x = this.buckets[bi]; x !== null; prev = x, x = x.bucketNext) {
      if (x === f) {
        if (prev === null) this.buckets[bi] = x.bucketNext;
        else prev.bucketNext = x.bucketNext;
        break;
      }
    }
    f.bucketNext = null;
    this.stats.active--;
  }

  /** At the cap: evict the flow whose timeout would come first (short-lived classes go first). */
  private evictOne(): void {
    let best: Flow | null = null;
    let bestDeadline = Infinity;
    for (let c = 0; c < N_CLASSES; c++) {
      const h = this.heads[c];
      if (h !== null && h.lastMs + this.timeoutMs[c] < bestDeadline) {
        best = h;
        bestDeadline = h.lastMs + this.timeoutMs[c];
      }
    }
    if (best !== null) {
      this.remove(best, 'evicted');
      this.stats.evicted++;
    }
  }

  /** Bucket `bi`'s chain is full: its least recently active flow leaves (counted as evicted). */
  private evictFromChain(bi: number): void {
    let oldest = this.buckets[bi];
    for (let x = oldest; x !== null; x = x.bucketNext) if (x.lastMs < oldest!.lastMs) oldest = x;
    if (oldest === null) return;
    this.remove(oldest, 'evicted');
    this.stats.evicted++;
    this.stats.chainEvicted++;
  }

  private grow(): void {
    const size = this.buckets.length * 2;
    const nb = new Array<Flow | null>(size).fill(null);
    const mask = size - 1;
    for (let c = 0; c < N_CLASSES; c++) {
      for (let f = this.heads[c]; f !== null; f = f.lruNext) {
        const bi = f.hash & mask;
        f.bucketNext = nb[bi];
        nb[bi] = f;
      }
    }
    this.buckets = nb;
    this.mask = mask;
  }
}

/** How a new flow's initiator is told from its first packet (Flow.initiator). */
function initiatorOf(proto: number, tcpFlags: number, sport: number, dport: number): InitiatorValue {
  const hs = tcpFlags & (TcpFlag.SYN | TcpFlag.ACK);
  if (proto === IpProto.TCP && hs === TcpFlag.SYN) return Initiator.SYN;
  if (proto === IpProto.TCP && hs === (TcpFlag.SYN | TcpFlag.ACK)) return Initiator.SYN_ACK;
  if ((proto === IpProto.TCP || proto === IpProto.UDP) && sourceLooksLikeServer(sport, dport)) return Initiator.SERVER_PORT;
  return Initiator.FIRST_PACKET;
}
