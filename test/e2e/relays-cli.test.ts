import { readdirSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RelayCache } from '../../src/intel/relays/cache.js';
import { DEFAULT_RELAY_URLS } from '../../src/intel/relays/defaults.js';
import { CONSENSUS_2018, LING0X, SECOPS, tempDir, tempFile } from '../intel/helpers.js';
import { startServer, testCertificate, type TestServer } from '../intel/http-server.js';
import { STIX_BUNDLE } from '../intel/fixtures.js';
import { field, logLines, PCAPS, runCli } from '../support/run-cli.js';

const CAPTURE = join(PCAPS, 'tor-private-net.pcap');
const CONSENSUSES = join(PCAPS, 'tor-private-net.consensus');
const RULES = ['--rules', 'tor-relay,tor-exit'];
const consensusText = readFileSync(join(CONSENSUSES, readdirSync(CONSENSUSES)[0]), 'utf8');

let http: TestServer;
let https: TestServer;
let cert: ReturnType<typeof testCertificate>;
beforeAll(async () => {
  cert = testCertificate();
  http = await startServer();
  https = await startServer(cert);
});
afterAll(async () => {
  await http.close();
  await https.close();
});

const summaryOf = (stderr: string): Record<string, unknown> => logLines(stderr).find((l) => l.msg === 'run summary')!.summary as Record<string, unknown>;
const human = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));

describe('replay with relay intel: the private Tor network capture', () => {
  it('the client\'s flows to its guard raise tor-relay with High confidence', async () => {
    const r = await runCli(['replay', '--relays', CONSENSUSES, ...RULES, CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    const client = r.alerts.filter((a) => field(a, 'source.ip') === '10.1.1.10' && field(a, 'rule.id') === 'tor-relay');
    expect(client.length).toBeGreaterThan(0);
    for (const a of client) {
      expect(field(a, 'torwatch.confidence')).toBe('high');
      expect(field(a, 'labels.tor_relay_case')).toBe('client_to_relay');
      expect(field(a, 'network.direction')).toBe('outbound');
      expect(String(field(a, 'message'))).toMatch(/^10\.1\.1\.10 connected to Tor relay 198\.51\.100\.\d+:9001 \(guard.*; its ORPort\)$/);
    }
    // The guard (a Guard-flagged relay the client kept a connection to) is among them.
    const guards = client.filter((a) => String(field(a, 'labels.tor_relay_roles')).includes('guard'));
    expect(guards.length).toBeGreaterThan(0);
    expect(summaryOf(r.stderr)).toMatchObject({ intel: { staleMatches: 0, outsideSnapshots: 0 } });
  });

  it('a threat-intel hit on the exit (STIX, confidence 85) makes its tor-exit alerts CRITICAL', async () => {
    const stix = tempFile('bundle.json', JSON.stringify(STIX_BUNDLE));
    const r = await runCli(['replay', '--relays', CONSENSUSES, '--intel', stix, ...RULES, CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    const exits = r.alerts.filter((a) => field(a, 'rule.id') === 'tor-exit');
    expect(exits.length).toBeGreaterThan(0);
    for (const a of exits) {
      expect(field(a, 'labels.risk_level')).toBe('CRITICAL');
      expect(field(a, 'event.risk_score')).toBe(99);
      const e = field(a, 'threat.enrichments') as { indicator: Record<string, unknown> }[];
      expect(e.map((x) => x.indicator.provider)).toEqual(['tor-consensus', 'Example CTI']);
      expect(e[1].indicator).toMatchObject({ marking: { tlp: 'AMBER' }, confidence: 'High' });
    }
  });

  it('--allow: excluded matches are counted in the run summary', async () => {
    const r = await runCli(['replay', '--relays', CONSENSUSES, ...RULES, '--allow', '10.1.1.10', '--allow', 'port:8080@tor-exit', CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts.filter((a) => field(a, 'source.ip') === '10.1.1.10')).toEqual([]);
    expect(r.alerts.filter((a) => field(a, 'rule.id') === 'tor-exit' && field(a, 'destination.port') === 8080)).toEqual([]);
    // tor-relay still reports the exit's connections to the web server.
    expect(r.alerts.some((a) => field(a, 'rule.id') === 'tor-relay' && field(a, 'destination.port') === 8080)).toBe(true);
    const s = summaryOf(r.stderr) as { alerts: { excludedByRule: Record<string, number> } };
    expect(s.alerts.excludedByRule['tor-relay']).toBeGreaterThan(0);
    expect(s.alerts.excludedByRule['tor-exit']).toBe(3);
  });

  it('time-aware: a consensus from another time matches nothing and says so', async () => {
    const r = await runCli(['replay', '--relays', CONSENSUS_2018, ...RULES, CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts).toEqual([]);
    const warn = logLines(r.stderr).find((l) => /outside every relay snapshot/.test(String(l.msg)));
    expect(warn).toMatchObject({ flows: 27, snapshotsFrom: '2018-06-01T00:00:00.000Z', snapshotsUntil: '2018-06-01T03:00:00.000Z', graceHours: 24 });
    expect(summaryOf(r.stderr)).toMatchObject({ intel: { flowsChecked: 27, flowsWithRelay: 0, outsideSnapshots: 27 } });
  });

  it('an undated list (plain addresses) matches at any time, by address only (Medium)', async () => {
    const list = tempFile('relays.txt', '# the private network\n198.51.100.11\n198.51.100.12\n198.51.100.13\n198.51.100.21\n');
    const t = new Date('2026-11-23T09:00:00Z');
    utimesSync(list, t, t);
    const r = await runCli(['replay', '--relays', list, ...RULES, CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    const client = r.alerts.filter((a) => field(a, 'source.ip') === '10.1.1.10');
    expect(client.length).toBeGreaterThan(0);
    for (const a of client) {
      expect(field(a, 'torwatch.confidence')).toBe('medium');
      expect(field(a, 'labels.tor_relay_list')).toBe('current');
      expect((field(a, 'torwatch.indicators') as Record<string, unknown>[])[0]).toMatchObject({ source_format: 'ip-list', roles: ['relay'] });
    }
  });

  it('bad intel inputs: exit 2 with one line naming file, line and problem', async () => {
    const bad = tempFile('relays.txt', '198.51.100.11\n198.51.100.300\n');
    let r = await runCli(['replay', '--relays', bad, CAPTURE]);
    expect([r.code, human(r.stderr)]).toEqual([2, [`torwatch: ${bad}: line 2: '198.51.100.300' is not an IPv4 or IPv6 address or CIDR`]]);
    expect(r.stdout).toBe('');
    const ti = tempFile('ti.csv', 'indicator,type,confidence\n203.0.113.31,ip,high-ish\n');
    r = await runCli(['replay', '--relays', CONSENSUSES, '--intel', ti, CAPTURE]);
    expect([r.code, human(r.stderr)]).toEqual([2, [`torwatch: ${ti}: line 2: confidence 'high-ish' is not 0-100 or none/low/medium/high`]]);
    r = await runCli(['replay', '--allow', 'scanner', CAPTURE]);
    expect([r.code, human(r.stderr)[0]]).toEqual([2, "torwatch: --allow: 'scanner' is not an address, CIDR, address:port, port:N or domain:NAME"]);
    r = await runCli(['replay', '--relays-stale-grace', 'soon', CAPTURE]);
    expect(r.code).toBe(2);
    expect(human(r.stderr)[0]).toMatch(/--relays-stale-grace: 'soon' is not a duration/);
  });

  it('the config file carries relays, intel and allow', async () => {
    const cfg = tempFile('torwatch.yml', `relays:\n  - ${CONSENSUSES}\nallow:\n  - 10.1.1.10\nrules: [tor-relay]\nrelays-stale-grace: 2h\n`);
    const r = await runCli(['replay', '--config', cfg, CAPTURE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts.length).toBeGreaterThan(0);
    expect(r.alerts.filter((a) => field(a, 'source.ip') === '10.1.1.10')).toEqual([]);
  });
});

describe('--relays URL: fetched at start, cached, used when the server fails', () => {
  it('http: fetch, then the server fails and the cached copy gives the same alerts', async () => {
    http.routes.set('/consensus', { body: consensusText });
    const cache = tempDir();
    const url = http.url('/consensus');
    const first = await runCli(['replay', '--relays', url, '--relays-cache', cache, ...RULES, CAPTURE]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.alerts.length).toBeGreaterThan(0);
    http.routes.set('/consensus', { status: 500 });
    const second = await runCli(['replay', '--relays', url, '--relays-cache', cache, ...RULES, CAPTURE]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.alerts.map((a) => field(a, 'event.id'))).toEqual(first.alerts.map((a) => field(a, 'event.id')));
    expect(logLines(second.stderr).find((l) => l.level === 40)).toMatchObject({ msg: 'relay list fetch failed; using the last good cached copy', url });
    // Without a cache there is nothing to fall back on.
    const third = await runCli(['replay', '--relays', url, '--relays-cache', tempDir(), ...RULES, CAPTURE]);
    expect(third.code).toBe(2);
    expect(human(third.stderr)[0]).toMatch(new RegExp(`^torwatch: ${url.replace(/[.?/]/g, '\\$&')}: HTTP 500 Internal Server Error \\(and no cached copy in `));
  });

  it('https with a CA the process trusts (NODE_EXTRA_CA_CERTS)', async () => {
    https.routes.set('/c', { body: consensusText });
    const r = await runCli(['replay', '--relays', https.url('/c'), '--relays-cache', tempDir(), ...RULES, CAPTURE], { env: { NODE_EXTRA_CA_CERTS: cert.certPath } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts.length).toBeGreaterThan(0);
  });
});

describe('torwatch relays update | show | lookup', () => {
  it('update fetches the given sources into the cache and reports each', async () => {
    const onionoo = {
      relays_published: '2026-11-23 07:00:00',
      relays: [{ nickname: 'n1', fingerprint: 'E'.repeat(40), or_addresses: ['198.51.100.77:9001', '[2001:db8::77]:9001'], dir_address: '198.51.100.77:9030', flags: ['Guard', 'Running', 'Valid'], first_seen: '2025-01-01 00:00:00', last_seen: '2026-11-23 06:00:00' }],
    };
    https.routes.set('/details', { body: JSON.stringify(onionoo) });
    https.routes.set('/torbulkexitlist', { body: readFileSync(join(SECOPS, 'tor-exit-nodes.lst')) });
    const cache = tempDir();
    const env = { NODE_EXTRA_CA_CERTS: cert.certPath };
    const r = await runCli(['relays', 'update', '--source', https.url('/details'), '--source', https.url('/torbulkexitlist'), '--relays-cache', cache], { env, text: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${https.url('/details').replace(/[.?/]/g, '\\$&')}\\s+onionoo\\s+1\\s+1\\s+1\\s+fetched`));
    expect(r.stdout).toMatch(/torbulkexitlist\s+bulk-exit-list\s+1746\s+1127\s+619\s+fetched/);
    expect(readdirSync(cache)).toHaveLength(2);
    // One source failing: the rest is still cached, exit 2, the table says what happened.
    https.routes.set('/details', { status: 502 });
    const f = await runCli(['relays', 'update', '--source', https.url('/details'), '--source', https.url('/torbulkexitlist'), '--relays-cache', cache], { env, text: true });
    expect(f.code).toBe(2);
    expect(f.stdout).toMatch(/onionoo.*FAILED; kept the cached copy of/);
    // It says what relay matching uses meanwhile: the cached copies.
    expect(human(f.stderr)).toEqual([`torwatch: 1 of 2 relay lists could not be fetched (see above); without --relays, tor-relay and tor-exit use: ${https.url('/details')}, ${https.url('/torbulkexitlist')}`]);
  });

  it('show without --relays reads the default lists from the cache (no network)', async () => {
    const cache = new RelayCache(tempDir());
    const details = { relays_published: '2026-11-23 07:00:00', relays: readFileSync(join(LING0X, 'latest.exits.csv'), 'utf8').split('\n').slice(1, 201).filter(Boolean).map((l) => {
      const [fp, ip, port] = l.split(',');
      return { fingerprint: fp, or_addresses: [ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`], flags: ['Exit', 'Running', 'Valid'] };
    }) };
    cache.write(DEFAULT_RELAY_URLS[0], Buffer.from(JSON.stringify(details)), { fetchedAtMs: Date.UTC(2026, 10, 23, 7, 5) });
    cache.write(DEFAULT_RELAY_URLS[1], readFileSync(join(SECOPS, 'tor-exit-nodes.lst')), { fetchedAtMs: Date.UTC(2026, 10, 23, 7, 5) });
    const r = await runCli(['relays', 'show', '--json', '--relays-cache', cache.dir], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { sources: Record<string, unknown>[]; addresses: Record<string, number> };
    const onionoo = j.sources.find((s) => s.format === 'onionoo')!;
    const bulk = j.sources.find((s) => s.format === 'bulk-exit-list')!;
    expect(j.sources.map((s) => [s.format, s.relays, s.fromCache]).sort()).toEqual([['bulk-exit-list', 1746, true], ['onionoo', 200, true]]);
    expect(onionoo).toMatchObject({ time: '2026-11-23T07:00:00Z', timeFrom: 'published', roles: { exit: 200 } });
    expect(bulk).toMatchObject({ time: '2026-11-23T07:05:00Z', timeFrom: 'fetched', ipv4: 1127, ipv6: 619 });
    // An empty cache: the snapshot torwatch ships (test/e2e/builtin-relays.test.ts has the details).
    const empty = await runCli(['relays', 'show', '--json', '--relays-cache', tempDir()], { text: true });
    expect(empty.code, empty.stderr).toBe(0);
    expect((JSON.parse(empty.stdout) as { sources: { builtin?: boolean }[] }).sources.map((s) => s.builtin)).toEqual([true]);
  });

  it('show: counts by role, family and source, with ages', async () => {
    const r = await runCli(['relays', 'show', '--relays', CONSENSUS_2018, '--relays', join(SECOPS, 'tor-exit-nodes.lst')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^SOURCE\s+FORMAT\s+LIST TIME\s+AGE\s+RELAYS\s+IPv4\s+IPv6\s+GUARD\s+EXIT\s+MIDDLE\s+AUTHORITY\s+BAD-EXIT\s+RELAY$/);
    expect(lines[1]).toMatch(/2018-06-01-00-00-00-consensus\s+consensus\s+2018-06-01T00:00:00Z \(valid-after\)\s+\d+d\s+208\s+208\s+37\s+79\s+22\s+119\s+1\s+0\s+0$/);
    expect(lines[2]).toMatch(/tor-exit-nodes\.lst\s+bulk-exit-list\s+\S+ \(mtime\)\s+\S+\s+1746\s+1127\s+619\s+0\s+1746\s+0\s+0\s+0\s+0$/);
    expect(r.stdout).toMatch(/dated snapshots: 1, 2018-06-01T00:00:00Z \.\. 2018-06-01T03:00:00Z \(plus 24h grace\)/);
  });

  it('lookup: whether, when and as what', async () => {
    const r = await runCli(['relays', 'lookup', '162.247.72.201', '--relays', CONSENSUS_2018, '--at', '2018-06-01 01:00:00', '--port', '443'], { text: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe([
      '162.247.72.201: listed 1 time(s)',
      `  2018-06-01T00:00:00Z .. 2018-06-01T03:00:00Z: guard/exit 'CalyxInstitute14' $${Buffer.from('ABG9JIWtRdmE7EFZyI/AZuXjMA4=', 'base64').toString('hex').toUpperCase()} (ORPort 443, DirPort 80) [consensus: ${CONSENSUS_2018}]`,
      "at 2018-06-01T01:00:00Z: guard/exit 'CalyxInstitute14' per " + CONSENSUS_2018 + '; port 443 is its ORPort',
      '',
    ].join('\n'));
    const j = await runCli(['relays', 'lookup', '2607:5300:60:1bd1::1', '--relays', CONSENSUS_2018, '--json', '--at', '2019-01-01T00:00:00Z'], { text: true });
    const doc = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ listed: true, at: '2019-01-01T00:00:00Z', match: null });
    expect((doc.history as Record<string, unknown>[])[0]).toMatchObject({ nickname: 'PancakeWhore', orPort: 9050, from: '2018-06-01T00:00:00Z' });
    const no = await runCli(['relays', 'lookup', '192.0.2.1', '--relays', CONSENSUS_2018], { text: true });
    expect(no.stdout).toBe('192.0.2.1: not listed by any of 1 relay source(s)\n');
    const bad = await runCli(['relays', 'lookup', '192.0.2', '--relays', CONSENSUS_2018], { text: true });
    expect([bad.code, human(bad.stderr)]).toEqual([2, ["torwatch: '192.0.2' is not an IPv4 or IPv6 address"]]);
  });
});
