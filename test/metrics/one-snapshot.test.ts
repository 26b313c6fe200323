/**
 * Issue 13, "one stats snapshot": the replay's run summary and the daemon's /metrics come from one
 * PipelineSnapshot (src/pipeline/snapshot.ts), so the same counters give the same numbers in both, and
 * app-layer anomalies (which never reached /metrics before) are there. mergeSnapshots is what several
 * workers' snapshots will be combined with: counters summed, high-water marks maxed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { defaultSettings } from '../../src/config/settings.js';
import { collectStats } from '../../src/metrics/daemon-stats.js';
import { renderPrometheus } from '../../src/metrics/prometheus.js';
import { assemble } from '../../src/pipeline/assemble.js';
import { mergeSnapshots, takeSnapshot, type PipelineSnapshot } from '../../src/pipeline/snapshot.js';
import { buildSummary } from '../../src/pipeline/summary.js';
import { NO_RELAYS, PCAPS, runCli } from '../support/run-cli.js';
import { runSummary } from '../support/run-summary.js';

/** Captures with both kinds of anomaly (stream gaps, bad uTP), several rules, and an --allow exclusion. */
const FILES = ['bt-midstream.pcap', 'bt-negatives.pcap', 'bt-udp-tracker-utp.pcap', 'tor-port-mix.pcap'].map((f) => join(PCAPS, f));
const ALLOW = 'port:9030';

/** `name{labels} value` lines of a Prometheus exposition, keyed by everything before the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

/** One labelled family as { label value: number } (the run summary's map shape). */
function family(s: Map<string, number>, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {};
  const re = new RegExp(`^${name}\\{${label}="([^"]*)"\\}$`);
  for (const [k, v] of s) {
    const m = re.exec(k);
    if (m) out[m[1]] = v;
  }
  return out;
}

/** The same replay in this process (as runReplay does it), up to the snapshot. */
async function replayInProcess(): Promise<PipelineSnapshot> {
  const settings = { ...defaultSettings(), relays: ['none'], allow: [ALLOW], output: [join(mkdtempSync(join(tmpdir(), 'tw-snap-')), 'alerts.ndjson')] };
  const asm = await assemble({ settings, log: pino({ level: 'silent' }), version: 'test', defaultOutputs: [], eventIds: 'deterministic' });
  for (const file of FILES) {
    asm.pipeline.setInput(file);
    await readCaptureFile(file, (f) => asm.pipeline.onFrame(f));
  }
  asm.pipeline.finish();
  await asm.outputs.close();
  return takeSnapshot(asm.pipeline, { aggregator: asm.aggregator, outputs: asm.outputs.stats() });
}

describe('one stats snapshot for the run summary and /metrics', () => {
  it('a real replay\'s summary and the metrics exposition report the same numbers, app-layer anomalies included', async () => {
    const r = await runCli(['replay', ...NO_RELAYS, '--allow', ALLOW, '-o', join(mkdtempSync(join(tmpdir(), 'tw-snap-')), 'a.ndjson'), ...FILES]);
    expect(r.code).toBe(0);
    const summary = runSummary(r.stderr) as ReturnType<typeof runSummary> & {
      flowPackets: number;
      timeBackwards: number;
      decoder: Record<string, number>;
      alerts: { excludedByRule: Record<string, number> };
      aggregation: { suppressed: number; heldBackTotal: number };
    };
    const snap = await replayInProcess();
    // The in-process run is the same replay: its own summary is the CLI's, but for timings, outputs,
    // and the two flow-table figures that hang on the flow hash's per-process random seed.
    const mine = buildSummary(snap, [], 1);
    const seedFree = (fl: Record<string, number>): Record<string, number> => {
      const { collisions: _c, longestChain: _l, ...rest } = fl;
      return rest;
    };
    expect(seedFree(mine.flows)).toEqual(seedFree(summary.flows));
    for (const k of ['packets', 'bytes', 'flowPackets', 'alerts', 'anomalies', 'decoder', 'applayer', 'timeBackwards', 'aggregation'] as const) {
      expect(mine[k], k).toEqual(summary[k]);
    }

    const text = renderPrometheus(collectStats({ startedAtMs: 0, nowMs: 1000, snapshot: snap, captures: [], traffic: [], reloads: { ok: 0, failed: 0 } }), 'test');
    const s = samples(text);
    const f = mine.flows;
    expect({
      created: s.get('torwatch_flows_created_total'), active: s.get('torwatch_flows_active'), peak: s.get('torwatch_flows_peak'),
      expired: s.get('torwatch_flows_expired_total'), evicted: s.get('torwatch_flows_evicted_total'), reused: s.get('torwatch_flows_reused_total'),
      collisions: s.get('torwatch_flow_hash_collisions_total'), chainEvicted: s.get('torwatch_flow_chain_evicted_total'), longestChain: s.get('torwatch_flow_longest_chain'),
    }).toEqual(f);
    expect(s.get('torwatch_flow_packets_total')).toBe(summary.flowPackets);
    expect(s.get('torwatch_time_backwards_total')).toBe(summary.timeBackwards);
    // Every rule is listed at 0 before it fires; the ones that fired match the summary.
    const fired = Object.fromEntries(Object.entries(family(s, 'torwatch_alerts_total', 'rule')).filter(([, n]) => n > 0));
    expect(fired).toEqual(summary.alerts.byRule);
    expect(family(s, 'torwatch_alerts_excluded_total', 'rule')).toEqual(summary.alerts.excludedByRule);
    expect(summary.alerts.excludedByRule).toEqual({ 'tor-port-private': 2 });
    // The summary's one anomaly map is the two families of /metrics together.
    const decodeAnomalies = family(s, 'torwatch_decode_anomalies_total', 'anomaly');
    const appAnomalies = family(s, 'torwatch_applayer_anomalies_total', 'anomaly');
    expect({ ...decodeAnomalies, ...appAnomalies }).toEqual(summary.anomalies);
    expect(appAnomalies).toEqual({ 'stream.gap': 4, 'bittorrent.bad_utp': 3 });
    expect(family(s, 'torwatch_decoded_total', 'layer')).toEqual(summary.decoder);
    expect({ ...family(s, 'torwatch_applayer_total', 'counter'), ...family(s, 'torwatch_applayer_peak', 'name') }).toEqual(summary.applayer);
    // Suppressed on /metrics = aggregation's repeats and hold-backs + --allow's exclusions.
    const suppressed = Object.values(family(s, 'torwatch_alerts_suppressed_total', 'rule')).reduce((a, b) => a + b, 0);
    expect(suppressed).toBe(summary.aggregation.suppressed + summary.aggregation.heldBackTotal + 2);
  });
});

describe('mergeSnapshots', () => {
  const part = (n: number, peak: number, memPeak: number): PipelineSnapshot => ({
    packets: 10 * n, bytes: 1000 * n, flowPackets: 9 * n, timeBackwards: n,
    flows: { created: 5 * n, active: n, peak, expired: 2 * n, evicted: 0, reused: n, collisions: n, chainEvicted: 0, longestChain: peak },
    decoder: { ethernet: 10 * n, ...(n > 1 ? { vlan: n } : {}) },
    decodeAnomalies: n > 1 ? { tcp_header_truncated: 1 } : {},
    applayer: { flows_inspected: 3 * n, memory_peak_bytes: memPeak },
    applayerAnomalies: { 'stream.gap': n },
    alerts: { byRule: { 'tor-port-private': n }, excludedByRule: n > 1 ? { 'tor-relay': 1 } : {} },
    aggregation: {
      stats: { windowSec: 3600, ratePerMinute: 100, sent: n, suppressed: 2 * n, summaries: n, evicted: 0, heldBack: { 'tor-port-private': n }, heldBackTotal: n },
      suppressedByRule: { 'tor-port-private': 3 * n },
    },
    outputs: [],
  });

  it('sums counters, takes the larger high-water mark, merges maps key by key, and changes neither input', () => {
    const a = part(1, 7, 4096);
    const b = part(2, 5, 1024);
    const before = JSON.stringify([a, b]);
    const m = mergeSnapshots(a, b);
    expect(JSON.stringify([a, b])).toBe(before);
    expect([m.packets, m.bytes, m.flowPackets, m.timeBackwards]).toEqual([30, 3000, 27, 3]);
    expect(m.flows).toEqual({ created: 15, active: 3, peak: 7, expired: 6, evicted: 0, reused: 3, collisions: 3, chainEvicted: 0, longestChain: 7 });
    expect(m.decoder).toEqual({ ethernet: 30, vlan: 2 });
    expect(m.decodeAnomalies).toEqual({ tcp_header_truncated: 1 });
    expect(m.applayer).toEqual({ flows_inspected: 9, memory_peak_bytes: 4096 });
    expect(m.applayerAnomalies).toEqual({ 'stream.gap': 3 });
    expect(m.alerts).toEqual({ byRule: { 'tor-port-private': 3 }, excludedByRule: { 'tor-relay': 1 } });
    expect(m.aggregation).toEqual({
      stats: { windowSec: 3600, ratePerMinute: 100, sent: 3, suppressed: 6, summaries: 3, evicted: 0, heldBack: { 'tor-port-private': 3 }, heldBackTotal: 3 },
      suppressedByRule: { 'tor-port-private': 9 },
    });
  });

  it('keeps a stage that only one side has (workers have no aggregation or outputs; the merge point has)', () => {
    const worker = { ...part(1, 1, 1), aggregation: undefined };
    const merged = mergeSnapshots(worker, { ...part(1, 1, 1), outputs: [{ target: 'f', written: 2, failed: 0 }] });
    expect(merged.aggregation?.stats.sent).toBe(1);
    expect(merged.outputs).toEqual([{ target: 'f', written: 2, failed: 0 }]);
    expect(mergeSnapshots(merged, { ...worker, outputs: [{ target: 'f', written: 1, failed: 1 }] }).outputs).toEqual([{ target: 'f', written: 3, failed: 1 }]);
  });
});
