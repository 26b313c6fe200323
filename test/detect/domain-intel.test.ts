/**
 * Issue 15 point 2: domain indicators from --intel apply to every hostname an alert carries (DNS
 * question, TLS SNI, HTTP Host, the destination's name from an earlier DNS answer), with seed 002's
 * risk levels. Through the real CLI on pcaps/dns-names.pcap and web-names.pcap, whose names tshark lists in
 * pcaps/expected/. Before, lookupDomain() had no caller: no enrichment.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { field, NO_AGGREGATION, PCAPS, runCli } from '../support/run-cli.js';

type Alert = Record<string, unknown>;
interface Enrichment { indicator: { type: string; url?: { domain: string }; provider?: string; confidence?: string }; matched: { atomic: string; field: string } }

let dir: string;
let alerts: Alert[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ux-domain-intel-'));
  const intel = join(dir, 'intel.csv');
  writeFileSync(intel, [
    'indicator,type,confidence,threat_type',
    'foo.onion,domain,high,c2',                 // 85: CRITICAL
    'torrent.example.net,domain,60,piracy',     // HIGH; dl.torrent.example.net is under it
    'vuze.example,domain,90,bt-client',         // CRITICAL; www.vuze.example (SNI) is under it
    'y.tor,domain,40,test',                     // HIGH: DNS question and HTTP Host
  ].join('\n') + '\n');
  alerts = [];
  // One run per capture, as the expected files were made (together, DNS answers of the first would
  // name the second's connections first).
  for (const f of ['dns-names.pcap', 'web-names.pcap']) {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--intel', intel, join(PCAPS, f)]);
    expect(r.code, r.stderr).toBe(0);
    alerts.push(...r.alerts);
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const enrichments = (a: Alert): Enrichment[] => (field(a, 'threat.enrichments') as Enrichment[] | undefined) ?? [];
const find = (pred: (a: Alert) => boolean): Alert => {
  const a = alerts.find(pred);
  expect(a).toBeDefined();
  return a!;
};

describe('domain threat intel on every hostname an alert carries', () => {
  it('a DNS question: foo.onion with confidence high (85) is CRITICAL, the indicator in threat.enrichments', () => {
    const a = find((x) => field(x, 'dns.question.name') === 'foo.onion');
    expect(enrichments(a)).toEqual([expect.objectContaining({
      indicator: expect.objectContaining({ type: 'domain-name', url: { domain: 'foo.onion' }, provider: 'intel.csv', confidence: 'High' }),
      matched: { atomic: 'foo.onion', field: 'dns.question.name', type: 'indicator_match_rule' },
    })]);
    expect(field(a, 'event.risk_score')).toBe(99);
    expect(field(a, 'event.severity')).toBe(2);
    expect(field(a, 'labels')).toMatchObject({ risk_level: 'CRITICAL', ti_hit: 'true' });
    expect(String(field(a, 'message'))).toMatch(/threat intel on foo\.onion \(intel\.csv\): c2, confidence 85; risk CRITICAL$/);
  });

  it('a subdomain matches its listed parent; confidence below 80 is HIGH and raises a low rule', () => {
    const a = find((x) => field(x, 'dns.question.name') === 'dl.torrent.example.net');
    expect(field(a, 'rule.id')).toBe('torrent-hostname');
    expect(enrichments(a)[0].matched).toMatchObject({ atomic: 'dl.torrent.example.net', field: 'dns.question.name' });
    expect(field(a, 'torwatch.indicators')).toEqual([expect.objectContaining({ value: 'dl.torrent.example.net', indicator: 'torrent.example.net', ti_confidence: 60 })]);
    expect([field(a, 'torwatch.severity'), field(a, 'event.risk_score')]).toEqual(['high', 73]);
  });

  it('the resolved destination (destination.domain), the TLS SNI and the HTTP Host are looked up too', () => {
    const resolved = find((x) => field(x, 'destination.ip') === '203.0.113.20' && field(x, 'destination.domain') === 'torrent.example.net');
    expect(enrichments(resolved).map((e) => e.matched.field)).toEqual(['destination.domain']);
    expect(field(resolved, 'torwatch.severity')).toBe('high');
    const sni = find((x) => field(x, 'tls.client.server_name') === 'www.vuze.example');
    expect(enrichments(sni).map((e) => [e.matched.field, e.matched.atomic])).toEqual([['tls.client.server_name', 'www.vuze.example']]);
    expect(field(sni, 'torwatch.severity')).toBe('critical');
    const host = find((x) => field(x, 'url.domain') === 'y.tor');
    expect(enrichments(host).map((e) => e.matched.field)).toEqual(['url.domain']);
    // tor-hostname is high already; a HIGH hit leaves it high (the risk only rises).
    expect([field(host, 'torwatch.severity'), field(host, 'labels.risk_level')]).toEqual(['high', 'HIGH']);
  });

  it('names without an indicator get none, and keep their rule\'s severity', () => {
    const a = find((x) => field(x, 'dns.question.name') === 'x.exit');
    expect(field(a, 'threat.enrichments')).toBeUndefined();
    expect(field(a, 'labels.ti_hit')).toBeUndefined();
    expect(field(a, 'torwatch.severity')).toBe('high');
  });
});
