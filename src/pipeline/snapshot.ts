import type { AggregationStats } from '../detect/aggregate/aggregator.js';
import type { IntelStats } from '../intel/intel.js';
import type { OutputStats } from '../output/output.js';
import type { Pipeline } from './pipeline.js';

/**
 * The pipeline's counters at one moment, as plain numbers and maps: the one picture that the replay's
 * run summary (summary.ts) and the daemon's stats, SIGUSR1 line and /metrics (metrics/) are derived
 * from, so they cannot drift apart. Plain data on purpose: a snapshot can cross a worker boundary
 * (structured clone) and several can be merged into one (mergeSnapshots).
 */
export interface PipelineSnapshot {
  packets: number;
  bytes: number;
  /** Packets that reached the flow table (decoded to an IP tuple). */
  flowPackets: number;
  /** Packets whose time went backwards against the pipeline clock. */
  timeBackwards: number;
  /** The flow table: counters, `active` (a gauge) and two high-water marks (`peak`, `longestChain`). */
  flows: FlowCounts;
  /** Per-layer decode counts (ethernet, ipv4, tcp...). */
  decoder: Record<string, number>;
  /** Decode anomalies by name (malformed or unusual packets). */
  decodeAnomalies: Record<string, number>;
  /** What the app-layer parsers and the cross-flow host state did (hellos, DNS messages, memory...). */
  applayer: Record<string, number>;
  /** App-layer anomalies by name (stream.gap, bittorrent.bad_utp...). */
  applayerAnomalies: Record<string, number>;
  /** Detections by rule, and matches dropped by --allow by rule. */
  alerts: { byRule: Record<string, number>; excludedByRule: Record<string, number> };
  /** Aggregation (suppression windows, rate limit), when that stage ran. */
  aggregation?: AggregationSnapshot;
  /** Relay-set and threat-intel matching, when the caller counts it. */
  intel?: IntelStats;
  /** One entry per output (delivery counters and whatever queue figures it reports). */
  outputs: OutputStats[];
}

export interface FlowCounts {
  created: number;
  active: number;
  peak: number;
  expired: number;
  evicted: number;
  reused: number;
  collisions: number;
  chainEvicted: number;
  longestChain: number;
}

export interface AggregationSnapshot {
  stats: AggregationStats;
  /** Repeats folded into summaries plus rate-limit hold-backs, by rule. */
  suppressedByRule: Record<string, number>;
}

/** The later stages a snapshot reads besides the pipeline; each is optional because not every run has it. */
export interface SnapshotSources {
  aggregator?: { stats(): AggregationStats; suppressedByRule(): Record<string, number> };
  intel?: IntelStats;
  outputs?: OutputStats[];
}

/**
 * Keys that are high-water marks, not counters: merging takes the larger. Everything else numeric is
 * a counter (or the `active` gauge, whose workers' values add up too) and is summed.
 */
export const HIGH_WATER_KEYS: ReadonlySet<string> = new Set(['peak', 'longestChain', 'memory_peak_bytes']);

/** Gather every stage's counters into a fresh snapshot (copies: later packets do not change it). */
export function takeSnapshot(p: Pipeline, from: SnapshotSources = {}): PipelineSnapshot {
  const c = p.counters;
  const app = p.app.summary();
  const ag = from.aggregator;
  return {
    packets: c.packets,
    bytes: c.bytes,
    flowPackets: c.flowPackets,
    timeBackwards: c.timeBackwards,
    flows: { ...p.flows.stats },
    decoder: { ...p.decoder.stats },
    decodeAnomalies: p.anomalies.toObject(),
    applayer: { ...app.stats, ...p.detect.hosts.summary() },
    applayerAnomalies: { ...app.anomalies },
    alerts: { byRule: { ...p.detect.firedByRule }, excludedByRule: { ...p.detect.excludedByRule } },
    ...(ag ? { aggregation: { stats: ag.stats(), suppressedByRule: ag.suppressedByRule() } } : {}),
    ...(from.intel ? { intel: { ...from.intel } } : {}),
    outputs: (from.outputs ?? []).map((o) => ({ ...o })),
  };
}

/** Sum of a map's values (alerts by rule -> alerts). */
/** The sum of counters some sources may not keep (pcap_stats under `cap`): undefined unless every one has it. */
export function sumIfAll(values: readonly (number | undefined)[]): number | undefined {
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

export function total(m: Readonly<Record<string, number>>): number {
  return Object.values(m).reduce((a, b) => a + b, 0);
}

/** Two maps of numbers as one: counters summed, HIGH_WATER_KEYS maxed, a key in either kept. */
export function mergeCounts<T extends Readonly<Record<string, number>>>(a: T, b: T): T {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const had = out[k];
    out[k] = had === undefined ? v : HIGH_WATER_KEYS.has(k) ? Math.max(had, v) : had + v;
  }
  return out as T;
}

/**
 * Outputs matched by target: numbers summed (written, failed, queue figures), other values from `b`.
 * Workers have no outputs of their own today; this keeps the merge total over the whole snapshot.
 */
function mergeOutputs(a: readonly OutputStats[], b: readonly OutputStats[]): OutputStats[] {
  const out = a.map((o) => ({ ...o }));
  for (const o of b) {
    const same = out.find((x) => x.target === o.target);
    if (!same) {
      out.push({ ...o });
      continue;
    }
    for (const [k, v] of Object.entries(o)) {
      const had = same[k];
      same[k] = typeof v === 'number' && typeof had === 'number' ? had + v : v;
    }
  }
  return out;
}

function mergeAggregation(a: AggregationSnapshot | undefined, b: AggregationSnapshot | undefined): AggregationSnapshot | undefined {
  if (!a || !b) return a ?? b;
  const { windowSec, ratePerMinute, heldBack: ha, ...ca } = a.stats;
  const { heldBack: hb, ...cb } = b.stats;
  // The window and the rate are settings, the same in every part; the rest are counters.
  return {
    stats: { windowSec, ratePerMinute, ...mergeCounts(ca, cb), heldBack: mergeCounts(ha, hb) },
    suppressedByRule: mergeCounts(a.suppressedByRule, b.suppressedByRule),
  };
}

/**
 * One snapshot out of two (two workers, or a worker and the stages after the merge point): counters
 * summed, high-water marks maxed, maps merged key by key. Neither argument is changed.
 */
export function mergeSnapshots(a: PipelineSnapshot, b: PipelineSnapshot): PipelineSnapshot {
  const aggregation = mergeAggregation(a.aggregation, b.aggregation);
  const intel = a.intel && b.intel ? mergeCounts({ ...a.intel }, { ...b.intel }) : a.intel ?? b.intel;
  return {
    packets: a.packets + b.packets,
    bytes: a.bytes + b.bytes,
    flowPackets: a.flowPackets + b.flowPackets,
    timeBackwards: a.timeBackwards + b.timeBackwards,
    flows: mergeCounts({ ...a.flows }, { ...b.flows }),
    decoder: mergeCounts(a.decoder, b.decoder),
    decodeAnomalies: mergeCounts(a.decodeAnomalies, b.decodeAnomalies),
    applayer: mergeCounts(a.applayer, b.applayer),
    applayerAnomalies: mergeCounts(a.applayerAnomalies, b.applayerAnomalies),
    alerts: { byRule: mergeCounts(a.alerts.byRule, b.alerts.byRule), excludedByRule: mergeCounts(a.alerts.excludedByRule, b.alerts.excludedByRule) },
    ...(aggregation ? { aggregation } : {}),
    ...(intel ? { intel: { ...intel } } : {}),
    outputs: mergeOutputs(a.outputs, b.outputs),
  };
}
