/**
 * Issue 14 point 2, end to end: test/fixtures/hostile/memory-starve.pcap.gz (make_memory_starve.py):
 * 1,100 TLS connections each claim a 65,536-byte ClientHello and send 100 bytes of it, then a real
 * ClientHello for legit.onion arrives in two segments. Before, each claim reserved 64 KiB: the pool
 * (64 MiB) was full after 1,024 of them, the legit hello was not inspected (0 alerts, stream.memcap 77).
 * Now memory follows the bytes that arrived: the pool holds about 1 MiB and the hello alerts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_AGGREGATION, ROOT, runCli } from '../support/run-cli.js';
import { runSummary } from '../support/run-summary.js';

describe('memory starvation of the app layer', () => {
  it('a two-segment legit.onion ClientHello after 1,100 memory-holding flows still alerts', async () => {
    const r = await runCli(['replay', '--relays', 'none', ...NO_AGGREGATION, join(ROOT, 'test/fixtures/hostile/memory-starve.pcap.gz')]);
    expect(r.code).toBe(0);
    const legit = r.alerts.filter((a) => (a.tls as { client?: { server_name?: string } } | undefined)?.client?.server_name === 'legit.onion');
    expect(legit).toHaveLength(1);
    const s = runSummary(r.stderr);
    expect(s.anomalies['stream.memcap'] ?? 0).toBe(0);
    // 1,100 flows x about 1 KiB (the buffer grows as bytes arrive), not 1,100 x 64 KiB.
    expect(s.applayer.memory_peak_bytes).toBeLessThan(4 * 1024 * 1024);
  });
});
