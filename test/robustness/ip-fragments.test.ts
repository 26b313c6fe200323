/**
 * Issue 14 point 5: IP fragments. test/fixtures/hostile/ip-fragments.pcap (make_ip_fragments.py,
 * scapy's fragment()): a ClientHello (fragments after the first sent last-first), an HTTP request and
 * a DNS query, each sent in IP fragments, all naming .onion hosts. Before, TCP fragments and non-first
 * UDP fragments skipped the app layer: no alert at all. Now the datagrams are put back together and
 * read like any packet; a datagram whose fragments overlap (an evasion attempt) is dropped and counted.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_AGGREGATION, ROOT, runCli } from '../support/run-cli.js';
import { runSummary } from '../support/run-summary.js';

describe('IP fragments are reassembled for the app layer', () => {
  it('a fragmented ClientHello, HTTP request and DNS query each alert; overlapping fragments do not', async () => {
    const r = await runCli(['replay', '--relays', 'none', ...NO_AGGREGATION, join(ROOT, 'test/fixtures/hostile/ip-fragments.pcap')]);
    expect(r.code).toBe(0);
    const names = r.alerts
      .map((a) => (a.torwatch as { hostname?: { name: string; source: string } }).hostname)
      .filter((h) => h !== undefined)
      .map((h) => `${h.source} ${h.name}`)
      .sort();
    expect(names).toEqual(['dns dnsfrag.onion', 'http fraghost.onion', 'tls fragmented.onion']);
    const s = runSummary(r.stderr);
    expect(s.applayer.ip_datagrams_reassembled).toBe(3);
    expect(s.anomalies['ip.reassembly_dropped']).toBe(1);
  });
});
