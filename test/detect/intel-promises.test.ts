/**
 * Issue 14, point 9: what the intel files say is used, not just parsed. A MISP `ip-dst|port` indicator
 * accuses that address on that port only (before, the flow to :443 of the same address was made
 * CRITICAL and enriched with the port it never used); a relay its Onionoo list says was not running is
 * weaker evidence (before, its alert read `high` like a running one).
 * Capture: test/fixtures/promises/intel-ports.pcap (make-intel-ports.py, scapy).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { field, ROOT, runCli } from '../support/run-cli.js';

const FIX = join(ROOT, 'test/fixtures/promises');

describe('intel promises kept', () => {
  it('ip-dst|port matches address and port; a listed-but-not-running relay lowers confidence and says so', async () => {
    const r = await runCli(['replay', '--relays', join(FIX, 'relays.json'), '--intel', join(FIX, 'misp-port.csv'), '--home-net', '10.0.0.0/8', '--suppress-window', '0', '--rate-limit', '0', join(FIX, 'intel-ports.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    const exit = (port: number): Record<string, unknown> => r.alerts.find((a) => field(a, 'rule.id') === 'tor-exit' && field(a, 'destination.port') === port)!;
    const enrichments = (a: Record<string, unknown>): Record<string, unknown>[] => (field(a, 'threat.enrichments') as Record<string, unknown>[] | undefined) ?? [];

    // :9001 is the port the indicator names: threat intel, CRITICAL, the port in the enrichment.
    const hit = exit(9001);
    expect(field(hit, 'labels.risk_level')).toBe('CRITICAL');
    const misp = enrichments(hit).find((e) => field(e, 'indicator.provider') === 'MISP');
    expect(field(misp!, 'indicator.port')).toBe(9001);
    // :443 on the same address: no threat-intel hit, the plain outbound risk.
    const other = exit(443);
    expect(field(other, 'labels.risk_level')).toBe('MEDIUM');
    expect(field(other, 'labels.ti_hit')).toBe('false');
    expect(enrichments(other).map((e) => field(e, 'indicator.provider'))).toEqual(['onionoo']);

    // The running relay: high; the stopped one: low, with the reason in the message, label and indicator.
    const relay = (ip: string): Record<string, unknown> => r.alerts.find((a) => field(a, 'rule.id') === 'tor-relay' && field(a, 'destination.ip') === ip && field(a, 'destination.port') === 9001)!;
    expect(field(relay('198.51.100.9'), 'torwatch.confidence')).toBe('high');
    expect(field(relay('198.51.100.9'), 'labels.tor_relay_running')).toBe('true');
    const stopped = relay('198.51.100.20');
    expect(field(stopped, 'torwatch.confidence')).toBe('low');
    expect(field(stopped, 'labels.tor_relay_running')).toBe('false');
    expect(String(field(stopped, 'message'))).toContain('listed but not running when the list was made');
    const ind = enrichments(stopped)[0];
    expect(field(ind, 'indicator.confidence')).toBe('Low');
    expect(String(field(ind, 'indicator.description'))).toContain('listed but not running');
    const tw = (field(stopped, 'torwatch.indicators') as Record<string, unknown>[])[0];
    expect(tw.running).toBe(false);
  });
});
