import { describe, expect, it } from 'vitest';
import { formatListenAddress, parseListenAddress } from '../../src/metrics/address.js';
import { renderPrometheus } from '../../src/metrics/prometheus.js';
import type { DaemonStats } from '../../src/metrics/daemon-stats.js';

const base: DaemonStats = {
  startedAtMs: 1_795_000_000_000,
  uptimeSec: 10,
  packets: 10,
  bytes: 1000,
  flowPackets: 8,
  timeBackwards: 0,
  interfaces: [
    { interface: 'eth1', backend: 'pcap-batch', delivered: 6, deliveredBytes: 700, received: 7, dropped: 1, ifDropped: 0, batches: 2, bufferWaits: 0, discarded: 0, packets: 6, bytes: 600 },
    { interface: 'eth"2\\x', backend: 'cap', delivered: 4, deliveredBytes: 400, batches: 4, discarded: 0, packets: 4, bytes: 400 },
  ],
  kernelDropped: undefined,
  flows: { active: 3, created: 5, expired: 2, evicted: 0, peak: 4, collisions: 1, chainEvicted: 0, reused: 0, longestChain: 2 },
  alerts: { total: 2, byRule: { 'tor-port-private': 2 }, excludedByRule: {} },
  outputs: [{ target: '/var/log/torwatch/alerts.ndjson', written: 2, failed: 0, queued: 5, spoolBytes: 1024 }],
  anomalies: { tcp_header_truncated: 1 },
  applayerAnomalies: { 'stream.gap': 3 },
  decoder: { ethernet: 10, ipv4: 8 },
  applayer: { flows_inspected: 2, memory_peak_bytes: 4096 },
  reloads: { ok: 1, failed: 0 },
  relaySetAgeSec: 120,
};

describe('Prometheus text format 0.0.4', () => {
  const text = renderPrometheus(base, '0.1.0');

  it('declares each family once with HELP and TYPE, then its samples', () => {
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => m[1]);
    expect(new Set(types).size).toBe(types.length);
    expect(text.endsWith('\n')).toBe(true);
    expect(text).toContain('# TYPE torwatch_packets_total counter\ntorwatch_packets_total{interface="eth1",backend="pcap-batch"} 6\n');
  });

  it('escapes label values (backslash, double quote, newline)', () => {
    expect(text).toContain('torwatch_packets_total{interface="eth\\"2\\\\x",backend="cap"} 4');
  });

  it('leaves out pcap_stats for a backend that has none, rather than reporting 0', () => {
    expect(text).toMatch(/^torwatch_capture_kernel_dropped_total\{interface="eth1",backend="pcap-batch"\} 1$/m);
    expect(text).not.toMatch(/torwatch_capture_kernel_dropped_total\{[^}]*backend="cap"/);
  });

  it('lists every rule from the start, at 0 until it fires', () => {
    expect(text).toMatch(/^torwatch_alerts_total\{rule="tor-port-private"\} 2$/m);
    expect(text).toMatch(/^torwatch_alerts_total\{rule="tor-relay"\} 0$/m);
  });

  it('exports whatever queue and spool figures an output reports', () => {
    expect(text).toMatch(/^torwatch_output_queued\{target="\/var\/log\/torwatch\/alerts.ndjson"\} 5$/m);
    expect(text).toMatch(/^torwatch_output_spool_bytes\{target="\/var\/log\/torwatch\/alerts.ndjson"\} 1024$/m);
    expect(text).toMatch(/^torwatch_relay_set_age_seconds 120$/m);
    expect(text).toMatch(/^torwatch_decode_anomalies_total\{anomaly="tcp_header_truncated"\} 1$/m);
    expect(text).not.toContain('torwatch_alerts_suppressed_total');
  });

  it('exports app-layer anomalies by name, apart from decode anomalies, and the app layer\'s peaks as gauges', () => {
    expect(text).toMatch(/^torwatch_applayer_anomalies_total\{anomaly="stream.gap"\} 3$/m);
    expect(text).not.toMatch(/^torwatch_decode_anomalies_total\{anomaly="stream.gap"\}/m);
    expect(text).toMatch(/^torwatch_applayer_total\{counter="flows_inspected"\} 2$/m);
    expect(text).toContain('# TYPE torwatch_applayer_peak gauge\ntorwatch_applayer_peak{name="memory_peak_bytes"} 4096\n');
    expect(text).not.toMatch(/^torwatch_applayer_total\{counter="memory_peak_bytes"\}/m);
    expect(text).toMatch(/^torwatch_decoded_total\{layer="ipv4"\} 8$/m);
  });
});

describe('--metrics address', () => {
  it('accepts IPv4 and bracketed IPv6 literals, and a bare port', () => {
    expect(parseListenAddress('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464, loopback: true });
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress('192.0.2.1:80')).toEqual({ host: '192.0.2.1', port: 80, loopback: false });
    expect(formatListenAddress({ host: '::1', port: 9464 })).toBe('[::1]:9464');
  });

  it('takes localhost as 127.0.0.1 (RFC 6761), refuses other host names, unbracketed IPv6, shorthand IPv4 and bad ports, saying why', () => {
    expect(parseListenAddress('localhost:9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress('sensor.example:9464')).toMatch(/is a host name: give an IP address/);
    expect(parseListenAddress('::1:9464')).toMatch(/brackets/);
    expect(parseListenAddress('127.1:9464')).toMatch(/not an IPv4 or IPv6 address/);
    expect(parseListenAddress('127.0.0.1:65536')).toMatch(/not a port number/);
    expect(parseListenAddress('[::1]9464')).toMatch(/not \[IPv6\]:port/);
    expect(parseListenAddress('[nope]:1')).toMatch(/not an IPv4 or IPv6 address: brackets hold an IPv6 address/);
  });
});
