/**
 * The app layer's memory budget (Suricata's stream/app-layer memcap): every byte a parser or the
 * reassembler holds beyond the packet being processed (out-of-order segments, partial handshake
 * messages, DNS-over-TCP messages, QUIC CRYPTO data) is reserved here first, as the bytes arrive
 * (never by the length a packet claims).
 *
 * Reservations are charged to the flow being processed (`enter`) and to its source host (the
 * initiator), each with a cap, so one flow or one host cannot hold the pool:
 *  - over the per-flow cap, the flow's reservation is refused (its inspection stops: stream.memcap);
 *  - over the per-host cap, that host's oldest holder is evicted first, else the reservation refused;
 *  - with the pool full, the oldest holders (of any host) are evicted until the bytes fit.
 * "Oldest" is the flow that has held memory longest without letting go of all of it: a flood of small
 * half-open flows is evicted before a new handshake is refused. Evictions and refusals are counted.
 * Without `enter` (parsers tested alone) only the pool limit applies.
 */

/** A flow, to the budget: only its identity matters here. */
type T = object;

export interface MemoryBudgetOptions {
  /** Most bytes one flow may hold (default: limit / 4, at most 1 MiB). */
  perFlow?: number;
  /** Most bytes the flows of one source host may hold together (default: limit / 8, at least perFlow). */
  perHost?: number;
  /** The source host of a flow, as a number (a keyed hash of its address: util/hash.ts). */
  hostOf?: (owner: T) => number;
  /** Stop inspecting `owner` and release everything it holds (the budget calls it with `owner` entered). */
  evict?: (owner: T) => void;
}

interface Account {
  owner: T;
  host: number;
  used: number;
}

export class MemoryBudget {
  used = 0;
  peak = 0;
  refusals = 0;
  /** Flows whose inspection was stopped to make room for another's bytes. */
  evictions = 0;
  /** Refusals because a flow or a host was at its own cap. */
  flowCapRefusals = 0;
  hostCapRefusals = 0;
  readonly perFlow: number;
  readonly perHost: number;

  private current: T | null = null;
  /** Holders in the order they started holding (Map keeps insertion order): the first is the oldest. */
  private readonly accounts = new Map<T, Account>();
  private readonly hosts = new Map<number, number>();

  constructor(readonly limit: number, private readonly opts: MemoryBudgetOptions = {}) {
    this.perFlow = opts.perFlow ?? Math.min(1 << 20, Math.max(1, Math.floor(limit / 4)));
    this.perHost = Math.max(this.perFlow, opts.perHost ?? Math.floor(limit / 8));
  }

  /** Reservations and releases from now on are `owner`'s (null: nobody's). Returns the previous owner. */
  enter(owner: T | null): T | null {
    const prev = this.current;
    this.current = owner;
    return prev;
  }

  /** Bytes `owner` holds now. */
  heldBy(owner: T): number {
    return this.accounts.get(owner)?.used ?? 0;
  }

  reserve(n: number): boolean {
    const owner = this.current;
    if (owner === null) return this.take(n);
    let acc = this.accounts.get(owner);
    const held = acc?.used ?? 0;
    if (held + n > this.perFlow) {
      this.flowCapRefusals++;
      this.refusals++;
      return false;
    }
    const host = acc?.host ?? this.opts.hostOf?.(owner) ?? 0;
    // The host's own oldest flows make room first: a host's new flow beats its stale ones.
    while ((this.hosts.get(host) ?? 0) + n > this.perHost) {
      if (!this.evictOldest(owner, host)) {
        this.hostCapRefusals++;
        this.refusals++;
        return false;
      }
    }
    while (this.used + n > this.limit) {
      if (!this.evictOldest(owner, undefined)) break;
    }
    if (!this.take(n)) return false;
    if (!acc) {
      acc = { owner, host, used: 0 };
      this.accounts.set(owner, acc);
    }
    acc.used += n;
    this.hosts.set(host, (this.hosts.get(host) ?? 0) + n);
    return true;
  }

  release(n: number): void {
    this.used -= n;
    if (this.used < 0) this.used = 0;
    const owner = this.current;
    if (owner === null) return;
    const acc = this.accounts.get(owner);
    if (!acc) return;
    const give = Math.min(n, acc.used);
    acc.used -= give;
    const h = (this.hosts.get(acc.host) ?? 0) - give;
    if (h > 0) this.hosts.set(acc.host, h);
    else this.hosts.delete(acc.host);
    if (acc.used === 0) this.accounts.delete(owner);
  }

  private take(n: number): boolean {
    if (this.used + n > this.limit) {
      this.refusals++;
      return false;
    }
    this.used += n;
    if (this.used > this.peak) this.peak = this.used;
    return true;
  }

  /** Evict the oldest holder other than `asking` (of `host` when given). False when there is none. */
  private evictOldest(asking: T, host: number | undefined): boolean {
    const evict = this.opts.evict;
    if (!evict) return false;
    for (const acc of this.accounts.values()) {
      if (acc.owner === asking || (host !== undefined && acc.host !== host)) continue;
      const prev = this.enter(acc.owner);
      try {
        evict(acc.owner);
      } finally {
        this.enter(prev);
      }
      // Whatever the evicted flow's parsers did not give back is written off here, so the loop ends.
      if (this.accounts.get(acc.owner) === acc) {
        this.used = Math.max(0, this.used - acc.used);
        const h = (this.hosts.get(acc.host) ?? 0) - acc.used;
        if (h > 0) this.hosts.set(acc.host, h);
        else this.hosts.delete(acc.host);
        this.accounts.delete(acc.owner);
      }
      this.evictions++;
      return true;
    }
    return false;
  }
}
