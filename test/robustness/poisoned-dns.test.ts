/**
 * Issue 14 point 4: poisoned names. test/fixtures/hostile/poisoned-dns.pcap (make_poisoned_dns.py):
 * an unsolicited answer `victim.onion A 203.0.113.80` sent to 10.14.4.10 used to name another host's
 * (10.14.4.20) later connection to 203.0.113.80 a Tor connection, and a spoofed answer (wrong id) on
 * a flow whose query was seen named 10.14.4.30's connection. Now an answer names addresses only for
 * the host that received it, one that matches none of its flow's queries is dropped (counted), and the
 * alert says which answer named the address.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_AGGREGATION, ROOT, runCli } from '../support/run-cli.js';
import { runSummary } from '../support/run-summary.js';

const PCAP = join(ROOT, 'test/fixtures/hostile/poisoned-dns.pcap');

type Alert = { source: { ip: string }; destination: { ip: string; domain?: string }; torwatch: { hostname?: { source: string }; dns_answer?: { resolver: string; time: string; query_seen: boolean } } };

describe('DNS answers are bound to their client and query', () => {
  it('names only the receiver\'s connections, drops spoofed answers, and says which answer named the address', async () => {
    const r = await runCli(['replay', '--relays', 'none', ...NO_AGGREGATION, PCAP]);
    expect(r.code).toBe(0);
    const resolved = (r.alerts as unknown as Alert[]).filter((a) => a.torwatch.hostname?.source === 'resolved');
    const by = new Map(resolved.map((a) => [a.source.ip, a]));
    // 10.14.4.20 was told nothing; 10.14.4.30's answer for 203.0.113.81 matched no query it sent.
    expect(by.has('10.14.4.20')).toBe(false);
    expect(by.has('10.14.4.30')).toBe(false);
    // The receiver of the unsolicited answer is still named by it, and the alert says so.
    expect(by.get('10.14.4.10')?.destination.domain).toBe('victim.onion');
    expect(by.get('10.14.4.10')?.torwatch.dns_answer).toMatchObject({ resolver: '198.51.100.53', query_seen: false });
    expect(by.get('10.14.4.40')?.torwatch.dns_answer).toMatchObject({ resolver: '198.51.100.53', query_seen: true });
    expect(Date.parse(by.get('10.14.4.40')!.torwatch.dns_answer!.time)).toBeGreaterThan(0);
    expect(resolved).toHaveLength(2);
    const s = runSummary(r.stderr);
    expect(s.anomalies['dns.unsolicited_answer']).toBe(1);
    expect(s.applayer.dns_answers_without_query).toBe(1);
  });
});
