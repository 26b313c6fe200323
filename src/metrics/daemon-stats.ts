import type { CaptureStats } from '../capture/live/live-source.js';
import { mergeCounts, sumIfAll, total, type FlowCounts, type PipelineSnapshot } from '../pipeline/snapshot.js';
import type { IntelStats } from '../intel/intel.js';
import type { OutputStats } from '../output/output.js';

/** Per-interface traffic counted where frames enter the pipeline (wire bytes, not capture headers). */
export interface InterfaceTraffic {
  packets: number;
  bytes: number;
}

/**
 * The daemon's picture, used by the periodic stats log line, SIGUSR1, the exit log and the Prometheus
 * endpoint, so they never disagree. Its pipeline part comes from the same PipelineSnapshot as the
 * replay's run summary (pipeline/snapshot.ts); the rest is what only a daemon has (interfaces, uptime,
 * reloads, the relay set's age).
 */
export interface DaemonStats {
  startedAtMs: number;
  uptimeSec: number;
  packets: number;
  bytes: number;
  flowPackets: number;
  timeBackwards: number;
  interfaces: (CaptureStats & InterfaceTraffic)[];
  /** Sums over interfaces of pcap_stats drops; undefined when a backend cannot tell (cap). */
  kernelDropped?: number;
  interfaceDropped?: number;
  flows: FlowCounts;
  /** excludedByRule: matches dropped by --allow. */
  alerts: { total: number; byRule: Record<string, number>; excludedByRule: Record<string, number> };
  /** Matches not sent as alerts of their own: aggregation windows, the rate limit and --allow. */
  suppressed?: { total: number; byRule: Record<string, number> };
  outputs: OutputStats[];
  /** Decode anomalies by name. */
  anomalies: Record<string, number>;
  /** App-layer anomalies by name (the run summary puts both kinds in one `anomalies`). */
  applayerAnomalies: Record<string, number>;
  decoder: Record<string, number>;
  applayer: Record<string, number>;
  intel?: IntelStats;
  reloads: { ok: number; failed: number };
  relaySetAgeSec?: number;
  /** --workers N (live): each worker's handles (their sums are `interfaces`). */
  workers?: WorkerCaptureStats[];
}

/** One live worker's share of the capture: its handle on each interface. */
export interface WorkerCaptureStats {
  worker: number;
  packets: number;
  captures: CaptureStats[];
}

export interface StatsInputs {
  startedAtMs: number;
  /** The pipeline and the stages after it, gathered once (pipeline/snapshot.ts takeSnapshot). */
  snapshot: PipelineSnapshot;
  captures: CaptureStats[];
  traffic: InterfaceTraffic[];
  reloads: { ok: number; failed: number };
  relaySetTimeMs?: number;
  nowMs?: number;
  workers?: WorkerCaptureStats[];
}

export function collectStats(i: StatsInputs): DaemonStats {
  const now = i.nowMs ?? Date.now();
  const s = i.snapshot;
  // Suppressed: what aggregation folded or held back, plus what --allow excluded (when aggregation ran).
  const sup = s.aggregation ? mergeCounts(s.aggregation.suppressedByRule, s.alerts.excludedByRule) : undefined;
  return {
    startedAtMs: i.startedAtMs,
    uptimeSec: Math.round((now - i.startedAtMs) / 1000),
    packets: s.packets,
    bytes: s.bytes,
    flowPackets: s.flowPackets,
    timeBackwards: s.timeBackwards,
    interfaces: i.captures.map((c, k) => ({ ...c, ...(i.traffic[k] ?? { packets: 0, bytes: 0 }) })),
    kernelDropped: sumIfAll(i.captures.map((c) => c.dropped)),
    interfaceDropped: sumIfAll(i.captures.map((c) => c.ifDropped)),
    flows: { ...s.flows },
    alerts: { total: total(s.alerts.byRule), byRule: { ...s.alerts.byRule }, excludedByRule: { ...s.alerts.excludedByRule } },
    ...(sup ? { suppressed: { total: total(sup), byRule: sup } } : {}),
    outputs: s.outputs,
    anomalies: { ...s.decodeAnomalies },
    applayerAnomalies: { ...s.applayerAnomalies },
    decoder: { ...s.decoder },
    applayer: { ...s.applayer },
    ...(s.intel ? { intel: { ...s.intel } } : {}),
    reloads: { ...i.reloads },
    ...(i.relaySetTimeMs !== undefined ? { relaySetAgeSec: Math.max(0, Math.round((now - i.relaySetTimeMs) / 1000)) } : {}),
    ...(i.workers ? { workers: i.workers.map((w) => ({ ...w, captures: w.captures.map((c) => ({ ...c })) })) } : {}),
  };
}
