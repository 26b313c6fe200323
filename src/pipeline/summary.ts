import type { OutputStats } from '../output/output.js';
import type { Pipeline } from './pipeline.js';

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
  flows: { created: number; peak: number; expired: number; evicted: number; reused: number; active: number };
  alerts: { total: number; byRule: Record<string, number> };
  anomalies: Record<string, number>;
  decoder: Record<string, number>;
  /** What the app-layer parsers did (flows inspected, hellos, DNS messages...); their anomalies are in `anomalies`. */
  applayer: Record<string, number>;
  outputs: OutputStats[];
  elapsedMs: number;
  packetsPerSecond: number;
  megabytesPerSecond: number;
  timeBackwards: number;
}

export function buildSummary(p: Pipeline, inputs: InputSummary[], outputs: OutputStats[], elapsedMs: number): RunSummary {
  const c = p.counters;
  const app = p.app.summary();
  const byRule = { ...p.detect.firedByRule };
  const total = Object.values(byRule).reduce((a, b) => a + b, 0);
  const secs = Math.max(elapsedMs, 1) / 1000;
  return {
    inputs,
    packets: c.packets,
    bytes: c.bytes,
    flowPackets: c.flowPackets,
    flows: { ...p.flows.stats },
    alerts: { total, byRule },
    anomalies: { ...p.anomalies.toObject(), ...app.anomalies },
    decoder: { ...p.decoder.stats },
    applayer: app.stats,
    outputs,
    elapsedMs: Math.round(elapsedMs),
    packetsPerSecond: Math.round(c.packets / secs),
    megabytesPerSecond: Math.round((c.bytes / 1e6 / secs) * 10) / 10,
    timeBackwards: c.timeBackwards,
  };
}

/** A short human version for a terminal (stderr), next to the JSON log line. */
export function formatSummary(s: RunSummary): string {
  const lines = [
    `torwatch: ${s.packets} packets, ${(s.bytes / 1e6).toFixed(1)} MB in ${(s.elapsedMs / 1000).toFixed(2)} s (${s.packetsPerSecond} packets/s)`,
    `  flows: ${s.flows.created} created, peak ${s.flows.peak}, expired ${s.flows.expired}, evicted ${s.flows.evicted}`,
    `  alerts: ${s.alerts.total}` + (s.alerts.total ? ' (' + Object.entries(s.alerts.byRule).map(([k, v]) => `${k} ${v}`).join(', ') + ')' : ''),
  ];
  const an = Object.entries(s.anomalies);
  if (an.length) lines.push('  anomalies: ' + an.map(([k, v]) => `${k} ${v}`).join(', '));
  return lines.join('\n') + '\n';
}
