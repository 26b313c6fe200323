import type { Logger } from 'pino';
import type { Flow } from '../flow/flow.js';
import type { BridgeSet } from './bridges/bridge-set.js';
import { loadBridges } from './bridges/load.js';
import type { IntelOptions } from './options.js';
import { builtinAge, BUILTIN_WARN_AGE_MS, relaySetOf } from './relays/builtin.js';
import { defaultCacheDir, RelayCache } from './relays/cache.js';
import { defaultRelaySources } from './relays/default-set.js';
import { loadRelaySpec, type LoadContext } from './relays/load.js';
import type { ParsedSource } from './relays/model.js';
import { RelaySet, type RelayMatch } from './relays/relay-set.js';
import type { Indicator } from './ti/indicator.js';
import { IndicatorIndex } from './ti/indicator-index.js';
import { loadIndicators } from './ti/load.js';

/**
 * Everything detectors consult besides packets: the relay set (with its timeline of dated snapshots),
 * threat-intel indicators and the bridge lists. Immutable once built; a reload builds a new one. (The
 * exclusions, --allow, are detection policy: detect/allow.ts, swapped with the rest of the reloadable
 * state in pipeline/assemble.ts.)
 */
export interface Intel {
  relays: RelaySet;
  indicators: IndicatorIndex;
  /** Tor Browser's built-in bridges and the user's --bridges (tor-bridge, and the transport rules' names). */
  bridges: BridgeSet;
  /** Wall-clock time it was built. */
  builtAtMs: number;
  /** Milliseconds spent loading and indexing. */
  loadMs: number;
}

/** Counters over a run, kept across swaps (run summary, metrics). */
export interface IntelStats {
  /** Flows looked up (once per flow) and how many had a listed relay on either side. */
  flowsChecked: number;
  flowsWithRelay: number;
  /** Matches from a snapshot past its valid-until (within grace) or an undated list beyond max age. */
  staleMatches: number;
  /** Flows at a time when no dated snapshot (consensus) was in force, even with grace. */
  outsideSnapshots: number;
  /** Relay matches that also hit a threat-intel indicator. */
  tiHits: number;
  /** Successful and failed reloads (daemon refresh, SIGHUP). */
  reloads: number;
  reloadFailures: number;
}

/** What a flow's two endpoints are, as far as the intel knows (computed once per flow). */
export interface FlowRelayFacts {
  /** Initiator (ECS source) and responder (destination), each looked up with its own port. */
  a?: RelayMatch;
  b?: RelayMatch;
  /** Threat-intel indicators on those addresses (only looked up when the side is a relay). */
  tiA?: Indicator;
  tiB?: Indicator;
}

/**
 * The one reference detectors hold. `current` is replaced as a whole (assignment is atomic in
 * JavaScript's single thread), so a flow is always judged against one consistent intel set, and a
 * refresh or SIGHUP never stops the pipeline.
 */
export class IntelHolder {
  generation = 0;
  readonly stats: IntelStats = { flowsChecked: 0, flowsWithRelay: 0, staleMatches: 0, outsideSnapshots: 0, tiHits: 0, reloads: 0, reloadFailures: 0 };
  private memoFlow: Flow | undefined;
  private memoFacts: FlowRelayFacts = NO_FACTS;
  private countedFlowId = 0;

  constructor(public current: Intel) {}

  swap(next: Intel): void {
    this.current = next;
    this.generation++;
    this.memoFlow = undefined;
  }

  /**
   * Relay facts for a flow: both endpoints looked up at the flow's first-packet time (the pipeline
   * clock), memoised for the flow so tor-relay, tor-exit and any other detector share one lookup.
   */
  flowFacts(flow: Flow): FlowRelayFacts {
    if (this.memoFlow === flow) return this.memoFacts;
    const relays = this.current.relays;
    let facts = NO_FACTS;
    if (!relays.isEmpty) {
      facts = {};
      const t = flow.firstMs;
      // ORPort and DirPort are TCP ports: a UDP or ICMP flow to a relay matches on the address only.
      const tcp = flow.proto === 6;
      facts.b = relays.lookup(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, tcp ? flow.bPort : 0, t);
      facts.a = relays.lookup(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, tcp ? flow.aPort : 0, t);
      if (facts.a || facts.b) {
        const ti = this.current.indicators;
        // Each side with its own port: an ip-dst|port indicator accuses that port, not the address.
        if (facts.a) facts.tiA = ti.lookupIp(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, flow.aPort, t);
        if (facts.b) facts.tiB = ti.lookupIp(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort, t);
      }
      // Count each flow once, even when another detector asks again later (flow ids only grow).
      if (flow.id > this.countedFlowId) {
        this.countedFlowId = flow.id;
        const st = this.stats;
        st.flowsChecked++;
        // Dated snapshots were given but none is in force at this flow's time: its relays went unchecked.
        if (relays.timeline.length && relays.timeline.select(t) < 0) st.outsideSnapshots++;
        if (facts.a || facts.b) {
          st.flowsWithRelay++;
          if (facts.a?.stale || facts.b?.stale) st.staleMatches++;
          if (facts.tiA || facts.tiB) st.tiHits++;
        }
      }
    }
    this.memoFlow = flow;
    this.memoFacts = facts;
    return facts;
  }
}

/** What a flow's facts are when no relay set is loaded (shared: nothing to allocate per flow). */
const NO_FACTS: FlowRelayFacts = Object.freeze({});

export interface IntelLoadOptions {
  log: Logger;
  /** Extra CA certificates for https relay URLs (tests); users set NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
  fetchTimeoutMs?: number;
  userAgent?: string;
  /** Abandon relay fetches (the daemon is stopping). */
  signal?: AbortSignal;
  /** Files of a --relays directory that were not relay lists (see LoadContext.onSkipped). */
  onSkipped?: (dir: string, files: string[]) => void;
}

/**
 * The relay lists named by the options (files, directories, URLs with the disk cache); without --relays,
 * what the cache holds or else the built-in snapshot (default-set.ts); `--relays none`: no relay set.
 */
export async function loadRelaySources(s: IntelOptions, o: IntelLoadOptions): Promise<ParsedSource[]> {
  if (s.relays.length === 1 && s.relays[0] === NO_RELAYS) return [];
  const cache = new RelayCache(s.relaysCache ?? defaultCacheDir());
  if (s.relays.length === 0) return defaultRelaySources(cache, o.log);
  const ctx: LoadContext = {
    log: o.log,
    cache,
    ca: o.ca,
    fetchTimeoutMs: o.fetchTimeoutMs ?? s.relaysFetchTimeoutMs,
    maxBytes: s.relaysMaxBytes,
    signal: o.signal,
    userAgent: o.userAgent,
    onSkipped: o.onSkipped,
  };
  const out: ParsedSource[] = [];
  for (const spec of s.relays) out.push(...(await loadRelaySpec(spec, ctx)));
  return out;
}

/**
 * Build the intel from its options (--relays, --intel, --bridges): fetches relay URLs (falling back to the
 * cache), reads files, indexes everything. Throws a UserError/InputError on bad input. The daemon's
 * refresh and SIGHUP call this again and swap the result into the IntelHolder.
 */
export async function loadIntel(s: IntelOptions, o: IntelLoadOptions): Promise<Intel> {
  const started = performance.now();
  const sources = await loadRelaySources(s, o);
  const relays = relaySetOf(sources, { graceMs: s.relaysStaleGraceMs, maxAgeMs: s.relaysMaxAgeMs, earlyGraceMs: s.relaysEarlyGraceMs });
  const indicators = s.intel.length ? loadIndicators(s.intel, o.log) : new IndicatorIndex();
  const bridges = loadBridges(s.bridges);
  const intel: Intel = { relays, indicators, bridges, builtAtMs: Date.now(), loadMs: performance.now() - started };
  logRelaySet(intel, o.log);
  o.log.info({ sources: bridges.sources.map((x) => x.name), endpoints: bridges.endpointCount, names: bridges.nameCount }, 'bridge list loaded');
  return intel;
}

/** `--relays none`: no relay set at all (tor-relay and tor-exit cannot fire). */
export const NO_RELAYS = 'none';

function logRelaySet(intel: Intel, log: Logger): void {
  const r = intel.relays;
  if (r.isEmpty) {
    log.info('no relay set (--relays none): tor-relay and tor-exit cannot fire');
    return;
  }
  const builtin = r.sources.find((x) => x.builtin);
  if (builtin && Date.now() - builtin.timeMs > BUILTIN_WARN_AGE_MS) {
    log.warn({ snapshot: builtin.name, listTime: new Date(builtin.timeMs).toISOString(), ageDays: Math.round((Date.now() - builtin.timeMs) / 86_400_000) },
      `tor-relay and tor-exit use the relay snapshot shipped with torwatch (${builtinAge(builtin, Date.now())}): relays come and go every day, so it misses new relays and names some addresses that are no longer relays; run 'torwatch relays update' (online) or 'torwatch relays import <files>' (carried in), or give --relays`);
  }
  const c = r.addressCounts;
  log.info({
    sources: r.sources.length,
    snapshots: r.timeline.length,
    relays: r.sources.reduce((a, s) => a + s.relays, 0),
    addresses: { v4: c.v4, v6: c.v6, blocks: c.blocks },
    indicators: intel.indicators.size,
    loadMs: Math.round(intel.loadMs),
  }, 'relay set loaded');
}

/**
 * Sources whose newest information is older than `maxAgeMs` at wall time `nowMs` (the daemon's
 * staleness warning): undated lists by their list time, dated snapshots by the newest valid-until.
 */
/**
 * When the relay set in force was last known good: the newest consensus's valid-after, or the newest
 * undated list's time (file mtime or fetch time). Undefined when no relay list is loaded. The daemon's
 * relay-set age metric counts from it.
 */
export function relaySetTimeMs(intel: Intel): number | undefined {
  let newest: number | undefined;
  for (const snap of intel.relays.timeline.snapshots) if (newest === undefined || snap.validAfterMs > newest) newest = snap.validAfterMs;
  for (const src of intel.relays.sources) {
    if (src.validAfterMs !== undefined) continue;
    if (newest === undefined || src.timeMs > newest) newest = src.timeMs;
  }
  return newest;
}

export function staleSources(intel: Intel, nowMs: number, maxAgeMs: number): { name: string; ageMs: number }[] {
  const out: { name: string; ageMs: number }[] = [];
  const r = intel.relays;
  const snaps = r.timeline.snapshots;
  if (snaps.length) {
    const last = snaps[snaps.length - 1];
    const age = nowMs - last.validUntilMs;
    if (age > 0 && nowMs - last.validAfterMs > maxAgeMs) out.push({ name: last.sources[0].name, ageMs: nowMs - last.validAfterMs });
  }
  for (const s of r.sources) {
    if (s.validAfterMs !== undefined) continue;
    const age = nowMs - s.timeMs;
    if (age > maxAgeMs) out.push({ name: s.name, ageMs: age });
  }
  return out;
}
