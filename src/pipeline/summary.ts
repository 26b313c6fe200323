import type { AggregationStats } from '../detect/aggregate/aggregator.js';
import type { IntelStats } from '../intel/intel.js';
import type { OutputStats } from '../output/output.js';
import { total, type PipelineSnapshot } from './snapshot.js';

export interface InputSummary {
  name: string;
  format?: string;
  compressed?: boolean;
  packets: number;
  bytes: number;
  error?: string;
}

/** The run summary (SPEC/issue: packets, bytes, flows, alerts by rule, anomalies, elapsed, rate). */
export interface RunSummary {
  inputs: InputSummary[];
  packets: number;
  bytes: number;
  flowPackets: number;
  flows: { created: number; peak: number; expired: number; evicted: number; reused: number; active: number; collisions: number; chainEvicted: number; longestChain: number };
  /** excludedByRule: matches suppressed by --allow. */
  alerts: { total: number; byRule: Record<string, number>; excludedByRule: Record<string, number> };
  /** Relay-set and threat-intel matching (present when intel was used). */
  intel?: IntelStats;
  anomalies: Record<string, number>;
  decoder: Record<string, number>;
  /** What the app-layer parsers did (flows inspected, hellos, DNS messages...); their anomalies are in `anomalies`. */
  applayer: Record<string, number>;
  outputs: OutputStats[];
  elapsedMs: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
  timeBackwards: number;
  /** Suppressed repeats, summary alerts and rate-limit hold-backs (the alert count above is detections). */
  aggregation?: AggregationStats;
}

/**
 * The run summary of a replay, from the one snapshot (snapshot.ts) the daemon's metrics use too. Field
 * names and order are the summary's own (users and tests read them); `anomalies` holds the decode and
 * app-layer anomalies together, `alerts.total` counts detections.
 */
export function buildSummary(snap: PipelineSnapshot, inputs: InputSummary[], elapsedMs: number): RunSummary {
  const secs = Math.max(elapsedMs, 1) / 1000;
  return {
    inputs,
    packets: snap.packets,
    bytes: snap.bytes,
    flowPackets: snap.flowPackets,
    flows: { ...snap.flows },
    alerts: { total: total(snap.alerts.byRule), byRule: { ...snap.alerts.byRule }, excludedByRule: { ...snap.alerts.excludedByRule } },
    ...(snap.intel ? { intel: { ...snap.intel } } : {}),
    anomalies: { ...snap.decodeAnomalies, ...snap.applayerAnomalies },
    decoder: { ...snap.decoder },
    applayer: { ...snap.applayer },
    outputs: snap.outputs,
    elapsedMs: Math.round(elapsedMs),
    packetsPerSecond: Math.round(snap.packets / secs),
    megabytesPerSecond: Math.round((snap.bytes / 1e6 / secs) * 10) / 10,
    timeBackwards: snap.timeBackwards,
    ...(snap.aggregation ? { aggregation: snap.aggregation.stats } : {}),
  };
}

/** A short human version for a terminal (stderr), next to the JSON log line. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `torwatch: ${s.packets} packets, ${(s.bytes / 1e6).toFixed(1)} MB in ${(s.elapsedMs / 1000).toFixed(2)} s (${s.packetsPerSecond} packets/s)`,
    `  flows: ${s.flows.created} created, peak ${s.flows.peak}, expired ${s.flows.expired}, evicted ${s.flows.evicted}, hash collisions ${s.flows.collisions} (longest chain ${s.flows.longestChain}, ${s.flows.chainEvicted} evicted from full chains)`,
    `  alerts: ${s.alerts.total}` + (s.alerts.total ? ' (' + Object.entries(s.alerts.byRule).map(([k, v]) => `${k} ${v}`).join(', ') + ')' : ''),
  ];
  const ag = s.aggregation;
  if (ag && (ag.suppressed || ag.heldBackTotal)) {
    lines.push(`  sent ${ag.sent} alerts; ${ag.suppressed} repeats folded into ${ag.summaries} summary alerts; ${ag.heldBackTotal} held back by the rate limit` + (ag.heldBackTotal ? ' (' + Object.entries(ag.heldBack).map(([k, v]) => `${k} ${v}`).join(', ') + ')' : ''));
  }
  const ex = Object.entries(s.alerts.excludedByRule);
  if (ex.length) lines.push('  excluded by --allow: ' + ex.map(([k, v]) => `${k} ${v}`).join(', '));
  if (s.intel && s.intel.flowsChecked) {
    const i = s.intel;
    lines.push(`  relays: ${i.flowsWithRelay} of ${i.flowsChecked} flows had a listed relay (${i.staleMatches} from stale lists, ${i.tiHits} with a threat-intel hit); ${i.outsideSnapshots} flows fell outside every relay snapshot`);
  }
  const an = Object.entries(s.anomalies);
  if (an.length) lines.push('  anomalies: ' + an.map(([k, v]) => `${k} ${v}`).join(', '));
  return lines.join('\n') + '\n';
}
