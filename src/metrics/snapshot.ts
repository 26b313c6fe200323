import type { CaptureStats } from '../capture/live/live-source.js';
import type { OutputStats } from '../output/output.js';
import type { Pipeline } from '../pipeline/pipeline.js';

/** Per-interface traffic counted where frames enter the pipeline (wire bytes, not capture headers). */
export interface InterfaceTraffic {
  packets: number;
  bytes: number;
}

/** Where alert suppression (aggregation windows, rate limits, exclusions) reports its counts. */
export interface SuppressionSource {
  suppressedByRule(): Record<string, number>;
}

/**
 * One consistent picture of the daemon, used by the periodic stats log line, SIGUSR1, the exit log
 * and the Prometheus endpoint, so they never disagree.
 */
export interface DaemonStats {
  startedAtMs: number;
  uptimeSec: number;
  packets: number;
  bytes: number;
  flowPackets: number;
  interfaces: (CaptureStats & InterfaceTraffic)[];
  /** Sums over interfaces of pcap_stats drops; undefined when a backend cannot tell (cap). */
  kernelDropped?: number;
  interfaceDropped?: number;
  flows: { active: number; created: number; expired: number; evicted: number; peak: number; collisions: number; chainEvicted: number };
  alerts: { total: number; byRule: Record<string, number> };
  suppressed?: { total: number; byRule: Record<string, number> };
  outputs: OutputStats[];
  anomalies: Record<string, number>;
  reloads: { ok: number; failed: number };
  relaySetAgeSec?: number;
}

export interface StatsInputs {
  startedAtMs: number;
  pipeline: Pipeline;
  captures: CaptureStats[];
  traffic: InterfaceTraffic[];
  outputs: OutputStats[];
  reloads: { ok: number; failed: number };
  relaySetTimeMs?: number;
  suppression?: SuppressionSource;
  nowMs?: number;
}

function sumIfAll(values: (number | undefined)[]): number | undefined {
  if (values.length === 0 || values.some((v) => v === undefined)) return undefined;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

export function collectStats(i: StatsInputs): DaemonStats {
  const now = i.nowMs ?? Date.now();
  const p = i.pipeline;
  const byRule = { ...p.detect.firedByRule };
  const fl = p.flows.stats;
  const sup = i.suppression?.suppressedByRule();
  return {
    startedAtMs: i.startedAtMs,
    uptimeSec: Math.round((now - i.startedAtMs) / 1000),
    packets: p.counters.packets,
    bytes: p.counters.bytes,
    flowPackets: p.counters.flowPackets,
    interfaces: i.captures.map((c, k) => ({ ...c, ...(i.traffic[k] ?? { packets: 0, bytes: 0 }) })),
    kernelDropped: sumIfAll(i.captures.map((c) => c.dropped)),
    interfaceDropped: sumIfAll(i.captures.map((c) => c.ifDropped)),
    flows: { active: fl.active, created: fl.created, expired: fl.expired, evicted: fl.evicted, peak: fl.peak, collisions: fl.collisions, chainEvicted: fl.chainEvicted },
    alerts: { total: Object.values(byRule).reduce((a, b) => a + b, 0), byRule },
    ...(sup ? { suppressed: { total: Object.values(sup).reduce((a, b) => a + b, 0), byRule: sup } } : {}),
    outputs: i.outputs,
    anomalies: p.anomalies.toObject(),
    reloads: { ...i.reloads },
    ...(i.relaySetTimeMs !== undefined ? { relaySetAgeSec: Math.max(0, Math.round((now - i.relaySetTimeMs) / 1000)) } : {}),
  };
}
