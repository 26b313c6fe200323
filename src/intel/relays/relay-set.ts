import { AddrTable } from '../addr-table.js';
import { Role, roleNames, type ParsedRelay, type ParsedSource, type RelayAddress, type SourceInfo } from './model.js';
import { Timeline } from './timeline.js';

/** Which of the relay's ports the flow's port is. */
export const PortMatch = { None: 0, OR: 1, Dir: 2 } as const;
export type PortMatchValue = (typeof PortMatch)[keyof typeof PortMatch];

/**
 * One address of one relay in the index. Dated entries cover a run of consecutive snapshots in which
 * the relay was listed at this address with the same ports and flags, so a month of hourly consensuses
 * costs one entry per change, not one per hour. Undated entries (lists without validity) apply always.
 */
interface IndexEntry {
  relay: ParsedRelay;
  addr: RelayAddress;
  roles: number;
  /** Snapshot run [first, last]; -1 for an undated source. */
  snapFirst: number;
  snapLast: number;
  /** Undated entries: their source. Dated ones take it from the snapshot. */
  source?: SourceInfo;
  /** Dated entries: first and last snapshot that listed this relay at this address (any flags). */
  span?: { first: number; last: number };
}

/** What a lookup says about one address at one moment. */
export interface RelayMatch {
  /** Union of the roles of every relay listed at the address at that moment, over all sources. */
  roles: number;
  /** The port asked about is the chosen relay's ORPort or DirPort. */
  portMatch: PortMatchValue;
  /** The relay chosen to describe the address: a port match first, then dated sources first. */
  nickname?: string;
  fingerprint?: string;
  flags: number;
  flagsKnown: boolean;
  orPort: number;
  dirPort: number;
  /** The address is an exit's outgoing address, not one it accepts connections on. */
  exitOnly: boolean;
  source: SourceInfo;
  dated: boolean;
  /** When the list was made (snapshot valid-after, publication, mtime or fetch time). */
  listTimeMs: number;
  /** Moment asked about minus listTimeMs: negative when the list is newer than the traffic. */
  ageMs: number;
  /** Dated: past valid-until (within grace). Undated: |age| beyond the max-age threshold. */
  stale: boolean;
  /** Dated: the moment is before the snapshot's valid-after (the earliest snapshot, used within the early grace). */
  early: boolean;
  /** The chosen entry lists no port at all (a plain address list): "port not known", not "not its port". */
  portKnown: boolean;
  validUntilMs?: number;
  firstSeenMs?: number;
  lastSeenMs?: number;
  /** Relays listed at this address at that moment (several relays often share one IP). */
  relaysAtAddress: number;
  /** Other sources that list the address at that moment. */
  alsoListedBy: string[];
  /**
   * The list's own running flag for the relay chosen (Onionoo `running`, CSV `IsRunning`): false only
   * when no relay listed at the address was running then (running ones are chosen first); undefined
   * when the list does not say (a consensus lists running relays only).
   */
  running?: boolean;
}

/** One row of `relays lookup`: when and as what an address was listed. */
export interface RelayHistoryRow {
  source: string;
  format: string;
  fromMs: number;
  toMs?: number;
  nickname?: string;
  fingerprint?: string;
  roles: string[];
  orPort: number;
  dirPort: number;
  exitOnly: boolean;
  firstSeenMs?: number;
  lastSeenMs?: number;
}

export interface RelaySetOptions {
  /** How long past valid-until a snapshot still applies (marked stale). */
  graceMs: number;
  /** Undated lists further than this from the traffic (either way) are marked stale. */
  maxAgeMs: number;
  /** How long before the first snapshot's valid-after it still applies, marked early (default 0). */
  earlyGraceMs?: number;
}

export const Miss = { NotListed: 0, OutsideSnapshots: 1 } as const;

export class RelaySet {
  readonly timeline: Timeline;
  readonly sources: SourceInfo[];
  /** Per source: relays by role name (for `relays show`). */
  readonly roleCounts = new Map<SourceInfo, Record<string, number>>();
  /** Why the last lookup returned undefined. */
  lastMiss: (typeof Miss)[keyof typeof Miss] = Miss.NotListed;
  private readonly table = new AddrTable<IndexEntry>();
  private readonly scratch: IndexEntry[] = [];

  constructor(parsed: ParsedSource[], readonly opts: RelaySetOptions) {
    const dated = parsed.filter((p) => p.dated);
    this.sources = parsed.map((p) => p.info);
    this.timeline = new Timeline(dated.map((p) => p.info), opts.graceMs, opts.earlyGraceMs ?? 0);
    for (const p of parsed) this.roleCounts.set(p.info, countRoles(p.relays));
    let v4 = 0;
    let v6 = 0;
    for (const p of parsed) {
      v4 += p.info.v4;
      v6 += p.info.v6;
    }
    this.table.reserve(v4, v6);
    this.indexDated(dated);
    for (const p of parsed) {
      if (p.dated) continue;
      for (const relay of p.relays) {
        for (const addr of relay.addresses) {
          this.table.add(addr.version, addr.words, addr.prefix, {
            relay, addr, roles: addr.exitOnly ? Role.Exit : relay.roles, snapFirst: -1, snapLast: -1, source: p.info,
          });
        }
      }
    }
  }

  static empty(): RelaySet {
    return new RelaySet([], { graceMs: 0, maxAgeMs: Infinity });
  }

  get isEmpty(): boolean {
    return this.sources.length === 0;
  }

  /** Distinct exact IPv4 / IPv6 addresses and CIDR blocks over all sources and snapshots. */
  get addressCounts(): { v4: number; v6: number; blocks: number } {
    return { v4: this.table.v4Addresses, v6: this.table.v6Addresses, blocks: this.table.blockCount };
  }

  private indexDated(dated: ParsedSource[]): void {
    const slotOf = new Map<SourceInfo, number>();
    this.timeline.snapshots.forEach((s, i) => s.sources.forEach((src) => slotOf.set(src, i)));
    const ordered = [...dated].sort((a, b) => slotOf.get(a.info)! - slotOf.get(b.info)!);
    // Every entry made so far for one relay (by fingerprint, else nickname): a relay has a few
    // addresses and changes rarely, so a short scan finds the run to extend without building keys.
    const byRelay = new Map<string, IndexEntry[]>();
    if (this.timeline.length === 1) {
      // One snapshot (the usual case: the current consensus): nothing to merge.
      for (const p of ordered) {
        for (const relay of p.relays) {
          for (const addr of relay.addresses) {
            this.table.add(addr.version, addr.words, addr.prefix, { relay, addr, roles: addr.exitOnly ? Role.Exit : relay.roles, snapFirst: 0, snapLast: 0, span: ONE_SNAPSHOT });
          }
        }
      }
      return;
    }
    for (const p of ordered) {
      const k = slotOf.get(p.info)!;
      for (const relay of p.relays) {
        const who = relay.fingerprint ?? relay.nickname ?? '';
        let mine = byRelay.get(who);
        if (!mine) byRelay.set(who, (mine = []));
        for (const addr of relay.addresses) {
          let run: IndexEntry | undefined;
          let span: { first: number; last: number } | undefined;
          // Newest entries last: scan backwards, the current run is usually the last one.
          for (let i = mine.length - 1; i >= 0; i--) {
            const e = mine[i];
            if (!sameAddress(e.addr, addr)) continue;
            span ??= e.span;
            if (e.snapLast >= k - 1 && e.addr.orPort === addr.orPort && e.addr.dirPort === addr.dirPort &&
                e.relay.flags === relay.flags && e.relay.nickname === relay.nickname && (e.addr.exitOnly === true) === (addr.exitOnly === true)) {
              run = e;
              break;
            }
          }
          if (span) span.last = k;
          else span = { first: k, last: k };
          if (run) {
            run.snapLast = k;
            continue;
          }
          const e: IndexEntry = { relay, addr, roles: addr.exitOnly ? Role.Exit : relay.roles, snapFirst: k, snapLast: k, span };
          mine.push(e);
          this.table.add(addr.version, addr.words, addr.prefix, e);
        }
      }
    }
  }

  /**
   * Is this address a relay at `atMs` (the flow's first packet time)? `port` is the flow's port on
   * that side, for the ORPort/DirPort match. Constant time: one hash probe for the address (plus one per
   * CIDR prefix length present), a binary search over snapshot times, and a walk over the few entries
   * listed at the address. Called once per flow, never per packet.
   */
  lookup(version: number, w0: number, w1: number, w2: number, w3: number, port: number, atMs: number): RelayMatch | undefined {
    const scratch = this.scratch;
    scratch.length = 0;
    this.lastMiss = Miss.NotListed;
    if (this.table.collect(version, w0, w1, w2, w3, scratch) === 0) return undefined;
    const snap = this.timeline.length ? this.timeline.select(atMs) : -1;
    let best: IndexEntry | undefined;
    let bestScore = -1;
    let bestPort: PortMatchValue = PortMatch.None;
    let roles = 0;
    let count = 0;
    let sawDated = false;
    for (let i = 0; i < scratch.length; i++) {
      const e = scratch[i];
      const dated = e.snapFirst >= 0;
      if (dated) {
        sawDated = true;
        if (snap < e.snapFirst || snap > e.snapLast) continue;
      }
      count++;
      roles |= e.roles;
      const pm: PortMatchValue = port !== 0 && e.addr.orPort === port ? PortMatch.OR : port !== 0 && e.addr.dirPort === port ? PortMatch.Dir : PortMatch.None;
      // A relay its list says was running outranks everything: a stopped one is weaker evidence.
      const score = (e.relay.running === false ? 0 : 8) + (pm !== PortMatch.None ? 4 : 0) + (dated ? 2 : 0) + (e.relay.fingerprint ? 1 : 0);
      if (score > bestScore) {
        best = e;
        bestScore = score;
        bestPort = pm;
      }
    }
    if (!best) {
      if (sawDated) this.lastMiss = Miss.OutsideSnapshots;
      return undefined;
    }
    const dated = best.snapFirst >= 0;
    const snapshot = dated ? this.timeline.snapshots[snap] : undefined;
    const source = snapshot ? snapshot.sources[0] : best.source!;
    const listTimeMs = snapshot ? snapshot.validAfterMs : source.timeMs;
    const ageMs = atMs - listTimeMs;
    let also: string[] = NO_NAMES;
    for (let i = 0; i < scratch.length && scratch.length > 1; i++) {
      const e = scratch[i];
      if (e === best) continue;
      if (e.snapFirst >= 0 && (snap < e.snapFirst || snap > e.snapLast)) continue;
      const name = e.snapFirst >= 0 ? this.timeline.snapshots[snap].sources[0].name : e.source!.name;
      if (name !== source.name && !also.includes(name)) {
        if (also === NO_NAMES) also = [];
        also.push(name);
      }
    }
    const span = best.span;
    return {
      roles,
      portMatch: bestPort,
      nickname: best.relay.nickname,
      fingerprint: best.relay.fingerprint,
      flags: best.relay.flags,
      flagsKnown: best.relay.flagsKnown,
      orPort: best.addr.orPort,
      dirPort: best.addr.dirPort,
      exitOnly: best.addr.exitOnly === true,
      source,
      dated,
      listTimeMs,
      ageMs,
      stale: dated ? this.timeline.isStale(snap, atMs) : Math.abs(ageMs) > this.opts.maxAgeMs,
      early: dated && this.timeline.isEarly(snap, atMs),
      portKnown: best.addr.orPort !== 0 || best.addr.dirPort !== 0,
      validUntilMs: snapshot?.validUntilMs,
      firstSeenMs: span ? this.timeline.snapshots[span.first].validAfterMs : best.relay.firstSeenMs,
      lastSeenMs: span ? this.timeline.snapshots[span.last].validAfterMs : best.addr.seenMs ?? best.relay.lastSeenMs,
      relaysAtAddress: count,
      alsoListedBy: also,
      running: best.relay.running,
    };
  }

  /** Every listing of an address, at any time, for `relays lookup`. */
  history(version: number, words: readonly number[]): RelayHistoryRow[] {
    const found: IndexEntry[] = [];
    this.table.collect(version, words[0], words[1], words[2], words[3], found);
    return found.map((e) => {
      const dated = e.snapFirst >= 0;
      const first = dated ? this.timeline.snapshots[e.snapFirst] : undefined;
      const last = dated ? this.timeline.snapshots[e.snapLast] : undefined;
      const src = first ? first.sources[0] : e.source!;
      return {
        source: dated && e.snapFirst !== e.snapLast ? `${this.timeline.snapshots[e.snapFirst].sources[0].name} .. ${last!.sources[0].name}` : src.name,
        format: src.format,
        fromMs: first ? first.validAfterMs : src.timeMs,
        toMs: last ? last.validUntilMs : undefined,
        nickname: e.relay.nickname,
        fingerprint: e.relay.fingerprint,
        roles: roleNames(e.roles),
        orPort: e.addr.orPort,
        dirPort: e.addr.dirPort,
        exitOnly: e.addr.exitOnly === true,
        firstSeenMs: dated ? undefined : e.relay.firstSeenMs,
        lastSeenMs: dated ? undefined : e.addr.seenMs ?? e.relay.lastSeenMs,
      };
    });
  }
}

const NO_NAMES: string[] = [];

/** The span of every entry when the timeline has one snapshot (shared, never written). */
const ONE_SNAPSHOT = Object.freeze({ first: 0, last: 0 }) as { first: number; last: number };

function sameAddress(a: RelayAddress, b: RelayAddress): boolean {
  return a.version === b.version && a.prefix === b.prefix && a.words[3] === b.words[3] && a.words[2] === b.words[2] && a.words[1] === b.words[1] && a.words[0] === b.words[0];
}

function countRoles(relays: ParsedRelay[]): Record<string, number> {
  // Count by role bit set first: a list has a handful of distinct sets and thousands of relays.
  const bySet = new Map<number, number>();
  for (const r of relays) bySet.set(r.roles, (bySet.get(r.roles) ?? 0) + 1);
  const out: Record<string, number> = {};
  for (const [roles, n] of bySet) for (const name of roleNames(roles)) out[name] = (out[name] ?? 0) + n;
  return out;
}
