import { RULE_IDS } from '../detect/catalog.js';
import { HIGH_WATER_KEYS } from '../pipeline/snapshot.js';
import type { CaptureStats } from '../capture/live/live-source.js';
import type { DaemonStats } from './daemon-stats.js';

/**
 * The Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` once per metric
 * family, then `name{label="value"} number` lines. Counters end in _total.
 */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

/** Label values escape backslash, double quote and newline; HELP text escapes backslash and newline. */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

class Writer {
  private readonly lines: string[] = [];
  private readonly seen = new Set<string>();

  family(name: string, type: 'counter' | 'gauge', help: string, samples: [Labels, number][]): void {
    if (samples.length === 0 || this.seen.has(name)) return;
    this.seen.add(name);
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
      this.lines.push(`${name}${l ? `{${l}}` : ''} ${formatValue(value)}`);
    }
  }

  text(): string {
    return this.lines.join('\n') + '\n';
  }
}

/** OutputStats extras (queue length, spool size...) in snake_case for metric names. */
function snake(k: string): string {
  return k.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
}

export function renderPrometheus(s: DaemonStats, version: string): string {
  const w = new Writer();
  const perIf = (pick: (i: DaemonStats['interfaces'][number]) => number | undefined): [Labels, number][] =>
    s.interfaces.flatMap((i) => {
      const v = pick(i);
      return v === undefined ? [] : [[{ interface: i.interface, backend: i.backend }, v] as [Labels, number]];
    });
  w.family('torwatch_build_info', 'gauge', 'torwatch version (always 1).', [[{ version }, 1]]);
  w.family('torwatch_start_time_seconds', 'gauge', 'When the daemon started, seconds since the epoch.', [[{}, s.startedAtMs / 1000]]);
  w.family('torwatch_packets_total', 'counter', 'Packets captured and handed to the pipeline.', perIf((i) => i.packets));
  w.family('torwatch_bytes_total', 'counter', 'Bytes on the wire of the packets handed to the pipeline.', perIf((i) => i.bytes));
  w.family('torwatch_capture_received_total', 'counter', 'pcap_stats ps_recv: packets the kernel capture saw (on Linux, including those it then dropped).', perIf((i) => i.received));
  w.family('torwatch_capture_kernel_dropped_total', 'counter', 'pcap_stats ps_drop: packets dropped because the kernel capture buffer was full.', perIf((i) => i.dropped));
  w.family('torwatch_capture_interface_dropped_total', 'counter', 'pcap_stats ps_ifdrop: packets dropped by the interface or its driver.', perIf((i) => i.ifDropped));
  w.family('torwatch_capture_batches_total', 'counter', 'Batches handed from the capture backend to JavaScript.', perIf((i) => i.batches));
  w.family('torwatch_capture_buffer_waits_total', 'counter', 'Times the capture thread waited for JavaScript to free a batch buffer.', perIf((i) => i.bufferWaits));
  w.family('torwatch_capture_discarded_total', 'counter', 'Packets read from the kernel but not analysed (before start, or at a wedged shutdown).', perIf((i) => i.discarded));
  // --workers N: the same pcap_stats per worker's handle (the lines above are their sums per interface).
  const perWorker = (pick: (c: CaptureStats) => number | undefined): [Labels, number][] =>
    (s.workers ?? []).flatMap((w) => w.captures.flatMap((c) => {
      const v = pick(c);
      return v === undefined ? [] : [[{ interface: c.interface, worker: String(w.worker) }, v] as [Labels, number]];
    }));
  w.family('torwatch_worker_packets_total', 'counter', 'Packets a live worker read from its handle (--workers N).', perWorker((c) => c.delivered));
  w.family('torwatch_worker_capture_received_total', 'counter', "pcap_stats ps_recv of a live worker's handle.", perWorker((c) => c.received));
  w.family('torwatch_worker_capture_kernel_dropped_total', 'counter', "pcap_stats ps_drop of a live worker's handle: its kernel buffer was full.", perWorker((c) => c.dropped));
  w.family('torwatch_worker_capture_buffer_waits_total', 'counter', 'Times a live worker\'s capture thread waited for it to free a batch buffer.', perWorker((c) => c.bufferWaits));
  w.family('torwatch_flows_active', 'gauge', 'Flows in the flow table.', [[{}, s.flows.active]]);
  w.family('torwatch_flows_peak', 'gauge', 'Most flows in the table at once since start.', [[{}, s.flows.peak]]);
  w.family('torwatch_flows_created_total', 'counter', 'Flows created.', [[{}, s.flows.created]]);
  w.family('torwatch_flows_expired_total', 'counter', 'Flows ended by idle timeout.', [[{}, s.flows.expired]]);
  w.family('torwatch_flows_evicted_total', 'counter', 'Flows evicted at the --max-flows cap.', [[{}, s.flows.evicted]]);
  w.family('torwatch_flow_hash_collisions_total', 'counter', 'New flows that joined a non-empty flow-table bucket.', [[{}, s.flows.collisions]]);
  w.family('torwatch_flow_chain_evicted_total', 'counter', 'Flows evicted because their flow-table bucket chain was full (a hash-flooding sign).', [[{}, s.flows.chainEvicted]]);
  w.family('torwatch_flows_reused_total', 'counter', 'Flows started again on the same 5-tuple after the previous one ended (a new TCP handshake).', [[{}, s.flows.reused]]);
  w.family('torwatch_flow_longest_chain', 'gauge', 'Longest flow-table bucket chain seen since start.', [[{}, s.flows.longestChain]]);
  w.family('torwatch_flow_packets_total', 'counter', 'Packets that reached the flow table (decoded to an IP tuple).', [[{}, s.flowPackets]]);
  w.family('torwatch_time_backwards_total', 'counter', 'Packets whose time went backwards against the pipeline clock.', [[{}, s.timeBackwards]]);
  // Every rule appears from the start (at 0), so rate() and absent() work before the first alert.
  const byRule = { ...Object.fromEntries(RULE_IDS.map((r) => [r, 0])), ...s.alerts.byRule };
  w.family('torwatch_alerts_total', 'counter', 'Alerts raised, by rule.', Object.entries(byRule).map(([rule, n]) => [{ rule }, n]));
  w.family('torwatch_alerts_excluded_total', 'counter', 'Matches dropped by --allow exclusions, by rule.', Object.entries(s.alerts.excludedByRule).map(([rule, n]) => [{ rule }, n]));
  if (s.suppressed) w.family('torwatch_alerts_suppressed_total', 'counter', 'Matches not sent as alerts (aggregation, rate limits, exclusions), by rule.', Object.entries(s.suppressed.byRule).map(([rule, n]) => [{ rule }, n]));
  w.family('torwatch_output_written_total', 'counter', 'Alerts delivered, by output.', s.outputs.map((o) => [{ target: o.target }, o.written]));
  w.family('torwatch_output_failed_total', 'counter', 'Alerts an output could not deliver, by output.', s.outputs.map((o) => [{ target: o.target }, o.failed]));
  const extras = new Set(s.outputs.flatMap((o) => Object.keys(o).filter((k) => k !== 'target' && k !== 'written' && k !== 'failed' && typeof o[k] === 'number')));
  for (const k of [...extras].sort()) {
    w.family(`torwatch_output_${snake(k)}`, 'gauge', `Output ${k} (queue, spool and delivery state as each output reports it).`, s.outputs.flatMap((o) => (typeof o[k] === 'number' ? [[{ target: o.target }, o[k] as number] as [Labels, number]] : [])));
  }
  w.family('torwatch_decode_anomalies_total', 'counter', 'Malformed or unusual packets, by anomaly.', Object.entries(s.anomalies).map(([anomaly, n]) => [{ anomaly }, n]));
  w.family('torwatch_applayer_anomalies_total', 'counter', 'Malformed or unusual application-layer data (stream gaps, bad messages), by anomaly.', Object.entries(s.applayerAnomalies).map(([anomaly, n]) => [{ anomaly }, n]));
  // Per-layer decode counts and app-layer work, one labelled family each (the run summary's decoder
  // and applayer maps); the app layer's high-water marks are gauges, apart from its counters.
  w.family('torwatch_decoded_total', 'counter', 'Headers decoded, by layer (ethernet, vlan, ipv4, tcp...).', Object.entries(s.decoder).map(([layer, n]) => [{ layer }, n]));
  const app = Object.entries(s.applayer);
  w.family('torwatch_applayer_total', 'counter', 'App-layer parser and host-state work, by counter (flows inspected, TLS hellos, DNS messages...).', app.filter(([k]) => !HIGH_WATER_KEYS.has(k)).map(([counter, n]) => [{ counter }, n]));
  w.family('torwatch_applayer_peak', 'gauge', 'App-layer high-water marks since start (memory_peak_bytes).', app.filter(([k]) => HIGH_WATER_KEYS.has(k)).map(([name, n]) => [{ name }, n]));
  if (s.intel) {
    const i = s.intel;
    w.family('torwatch_intel_flows_checked_total', 'counter', 'Flows looked up in the relay set (once per flow).', [[{}, i.flowsChecked]]);
    w.family('torwatch_intel_flows_with_relay_total', 'counter', 'Flows with a listed relay on either side.', [[{}, i.flowsWithRelay]]);
    w.family('torwatch_intel_stale_matches_total', 'counter', 'Relay matches from a stale list or snapshot.', [[{}, i.staleMatches]]);
    w.family('torwatch_intel_outside_snapshots_total', 'counter', 'Flows at a time no dated relay snapshot covered.', [[{}, i.outsideSnapshots]]);
    w.family('torwatch_intel_ti_hits_total', 'counter', 'Relay matches that also hit a threat-intel indicator.', [[{}, i.tiHits]]);
  }
  w.family('torwatch_reloads_total', 'counter', 'SIGHUP reloads, by result.', [[{ result: 'ok' }, s.reloads.ok], [{ result: 'failed' }, s.reloads.failed]]);
  if (s.relaySetAgeSec !== undefined) w.family('torwatch_relay_set_age_seconds', 'gauge', 'Age of the Tor relay set in force.', [[{}, s.relaySetAgeSec]]);
  return w.text();
}
