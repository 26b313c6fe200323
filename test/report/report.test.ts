/**
 * `torwatch report`: seed 002's host/remote/direction summary and seed 001's prevalence per TLS
 * fingerprint and SNI, through the real CLI, on alerts from the real pipeline (checked against the
 * tshark-derived expected-alert files) and on alerts built by the real alert builder with TLS facts.
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import { ruleById, type RuleId, type Severity } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/detection.js';
import { Flow } from '../../src/flow/flow.js';
import type { HuntReport } from '../../src/report/hunt.js';
import { parseIp } from '../../src/util/ip.js';
import { PCAPS, runCli } from '../support/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw5-report-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Report = HuntReport & { inputs: { files: number; alerts: number; duplicates: number; skipped: number; errors: string[] } };

async function report(args: string[], stdin?: Buffer): Promise<{ code: number | null; json: Report; stderr: string }> {
  const r = await runCli(['report', '--json', ...args], { text: true, stdin });
  return { code: r.code, json: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

describe('report on alerts from the regression captures', () => {
  it('per host, remote and direction: counts, first/last seen and ports as the tshark-derived expected files say', async () => {
    const out = join(dir, 'pcaps.ndjson');
    const caps = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
    // One run per capture (several are the same traffic re-encoded; one run would see their flows once).
    // Only tor-port-private: its expected alerts need no relay list, and all share one risk level.
    for (const f of caps) expect((await runCli(['replay', '--rules', 'tor-port-private', '-o', out, join(PCAPS, f)], { text: true })).code).toBe(0);
    // The same traffic re-encoded (pcap, pcapng, nanosecond, big-endian) is the same connections:
    // the report counts distinct Community ID + flow start, and every alert.
    const want = new Map<string, { count: number; conns: Set<string>; first: string; last: string; ports: Set<number> }>();
    for (const f of caps) {
      for (const line of readFileSync(join(PCAPS, 'expected', `${f}.alerts.ndjson`), 'utf8').split('\n').filter((l) => l)) {
        const e = JSON.parse(line) as Record<string, string | number>;
        if (e['rule.id'] !== 'tor-port-private') continue;
        const k = `${e['source.ip']}>${e['destination.ip']}`;
        const w = want.get(k) ?? { count: 0, conns: new Set<string>(), first: String(e['@timestamp']), last: String(e['@timestamp']), ports: new Set<number>() };
        w.count++;
        w.conns.add(`${e['network.community_id']}@${new Date(String(e['@timestamp'])).getTime()}${String(e['@timestamp']).replace(/^.*\.(\d{3})(\d*?)0*Z$/, '$2')}`);
        const t = String(e['@timestamp']);
        if (new Date(t) < new Date(w.first)) w.first = t;
        if (new Date(t) > new Date(w.last)) w.last = t;
        w.ports.add(Number(e['destination.port']));
        want.set(k, w);
      }
    }
    const { code, json } = await report([out]);
    expect(code).toBe(0);
    expect(json.hosts.map((h) => `${h.host}>${h.remote}`).sort()).toEqual([...want.keys()].sort());
    for (const h of json.hosts) {
      const w = want.get(`${h.host}>${h.remote}`)!;
      expect(h.connections, `${h.host}>${h.remote}`).toBe(w.conns.size);
      expect(h.alerts, `${h.host}>${h.remote}`).toBe(w.count);
      expect(new Date(h.firstSeen).getTime()).toBe(new Date(w.first).getTime());
      expect(new Date(h.lastSeen).getTime()).toBe(new Date(w.last).getTime());
      expect(h.ports).toEqual([...w.ports].sort((a, b) => a - b));
      expect(h).toMatchObject({ direction: 'outbound', riskLevel: 'MEDIUM', risk: 47, rules: ['tor-port-private'] });
    }
    // All the same risk: ordered by count.
    expect(json.hosts.map((h) => h.connections)).toEqual([...json.hosts.map((h) => h.connections)].sort((a, b) => b - a));
  }, 120_000);
});

// ---- alerts with TLS facts and risk levels, built by the real alert builder ----

const T0 = 1_763_870_400;
const builder = new AlertBuilder({ observer: { hostname: 'sensor1', version: '0.1.0' }, eventIds: 'deterministic' });

function alert(rule: RuleId, src: string, dst: string, dport: number, sec: number, o: { severity?: Severity; homeSrc?: boolean; ja3?: string; ja4?: string; sni?: string } = {}): string {
  const s = parseIp(src)!;
  const d = parseIp(dst)!;
  const f = new Flow(sec, 0, s.version, 6, ...s.words, 40000 + (sec % 1000), ...d.words, dport, sec, 0, sec * 1000);
  f.aHome = o.homeSrc ?? true;
  f.bHome = !f.aHome;
  const det: Detection = {
    rule: ruleById(rule)!, flow: f, tsSec: sec, tsNsec: 0, packet: 1, input: 'x.pcap', message: 'm', severity: o.severity,
    ...(o.ja3 || o.ja4 || o.sni ? { tls: { ja3: o.ja3, ja4: o.ja4, sni: o.sni } } : {}),
  };
  return JSON.stringify(builder.build(det));
}

describe('BitTorrent section (seed 003) on the BitTorrent regression captures', () => {
  it('per internal host: its clients, distinct info hashes and peers, as the tshark-derived expected files say', async () => {
    const out = join(dir, 'bt.ndjson');
    const caps = ['bt-tracker-tcp.pcap', 'bt-mse.pcap'];
    for (const f of caps) expect((await runCli(['replay', '--suppress-window', '0', '-o', out, join(PCAPS, f)], { text: true })).code).toBe(0);
    // From the expected files: the internal host of each torrent-* alert (the destination of an inbound
    // one, a public source connecting into 10/8, else the source), its info hashes, and the remote ends
    // of its torrent-peer alerts.
    const want = new Map<string, { hashes: Set<string>; peers: Set<string>; alerts: number }>();
    for (const f of caps) {
      for (const line of readFileSync(join(PCAPS, 'expected', `${f}.alerts.ndjson`), 'utf8').split('\n').filter((l) => l)) {
        const e = JSON.parse(line) as Record<string, unknown>;
        const inbound = !String(e['source.ip']).startsWith('10.') && String(e['destination.ip']).startsWith('10.');
        const [host, remote] = inbound ? ['destination', 'source'] : ['source', 'destination'];
        const w = want.get(String(e[`${host}.ip`])) ?? { hashes: new Set<string>(), peers: new Set<string>(), alerts: 0 };
        w.alerts++;
        for (const h of (e['torwatch.bittorrent.info_hash'] as string[] | undefined) ?? []) w.hashes.add(h);
        if (e['rule.id'] === 'torrent-peer') w.peers.add(`${String(e[`${remote}.ip`])}:${String(e[`${remote}.port`])}`);
        want.set(String(e[`${host}.ip`]), w);
      }
    }
    const { code, json } = await report([out]);
    expect(code).toBe(0);
    expect(json.bittorrent.map((b) => b.host).sort()).toEqual([...want.keys()].sort());
    for (const b of json.bittorrent) {
      const w = want.get(b.host)!;
      expect({ alerts: b.alerts, infoHashes: b.infoHashes, peers: b.peers }, b.host).toEqual({ alerts: w.alerts, infoHashes: w.hashes.size, peers: w.peers.size });
    }
    const clients = Object.fromEntries(json.bittorrent.map((b) => [b.host, b.clients]));
    expect(clients['10.1.1.12']).toEqual(['qBittorrent 4.5.2']);
    expect(clients['10.1.1.11']).toContain('rTorrent (libTorrent, rakshasa) 0.13.8');
    expect(clients['198.51.100.61']).toEqual(['Transmission 3.00']);
    const text = (await runCli(['report', out], { text: true })).stdout;
    expect(text).toContain('BitTorrent (seed 003: per internal host)');
    expect(text).toMatch(/10\.1\.1\.12\s+qBittorrent 4\.5\.2/);
  });
});

describe('report on crafted alerts', () => {
  let file: string;
  beforeAll(() => {
    const lines = [
      // tor-exit with seed 002 risk levels: one CRITICAL, a HIGH, an inbound LOW (host = destination).
      alert('tor-exit', '10.0.0.5', '203.0.113.9', 443, T0 + 50, { severity: 'critical' }),
      alert('tor-exit', '10.0.0.6', '203.0.113.9', 443, T0 + 10, { severity: 'high' }),
      alert('tor-exit', '10.0.0.6', '203.0.113.9', 9001, T0 + 20, { severity: 'high' }),
      alert('tor-exit', '203.0.113.9', '10.0.0.7', 22, T0 + 5, { severity: 'low', homeSrc: false }),
      // Same risk, different counts and first-seen: 3 x 10.0.0.8, 1 x 10.0.0.9 (earlier).
      ...[1, 2, 3].map((i) => alert('tor-port-private', '10.0.0.8', '198.51.100.1', 9001, T0 + 100 + i)),
      alert('tor-port-private', '10.0.0.9', '198.51.100.1', 9001, T0 + 1),
      // One JA3 on seven hosts, one JA4 on two; SNIs.
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => alert('tor-link-fingerprint', `10.1.0.${i}`, '198.51.100.7', 443, T0 + 200 + i, { ja3: 'e7d705a3286e19ea42f587b344ee6865', sni: `www.${'abcdefgh'.slice(0, 4 + (i % 3))}x.com` })),
      ...[1, 2].map((i) => alert('tor-link-fingerprint', `10.2.0.${i}`, '198.51.100.8', 443, T0 + 300 + i, { ja4: 't13d1516h2_8daaf6152771_e5627efa2ab1', sni: 'www.qzjv7x.com' })),
    ];
    file = join(dir, 'crafted.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
  });

  it('orders hosts by risk, then connections, then first seen; the inbound host is the destination', async () => {
    const { code, json } = await report([file]);
    expect(code).toBe(0);
    expect(json.hosts[0]).toMatchObject({ riskLevel: 'CRITICAL', host: '10.0.0.5', remote: '203.0.113.9', direction: 'outbound', connections: 1, alerts: 1 });
    // HIGH: count 2 first, then count 1 by first seen (10.1.0.x at +201.., 10.2.0.x at +301..).
    expect(json.hosts.filter((h) => h.riskLevel === 'HIGH').map((h) => h.host)).toEqual(['10.0.0.6', ...[1, 2, 3, 4, 5, 6, 7].map((i) => `10.1.0.${i}`), '10.2.0.1', '10.2.0.2']);
    const exit6 = json.hosts.find((h) => h.host === '10.0.0.6')!;
    expect(exit6).toMatchObject({ connections: 2, alerts: 2, ports: [443, 9001], riskLevel: 'HIGH', firstSeen: '2025-11-23T04:00:10.000000Z', lastSeen: '2025-11-23T04:00:20.000000Z' });
    const mediums = json.hosts.filter((h) => h.riskLevel === 'MEDIUM');
    expect(mediums.map((h) => [h.host, h.connections])).toEqual([['10.0.0.8', 3], ['10.0.0.9', 1]]);
    const low = json.hosts.at(-1)!;
    expect(low).toMatchObject({ riskLevel: 'LOW', host: '10.0.0.7', remote: '203.0.113.9', direction: 'inbound', ports: [22] });
  });

  it('per fingerprint and SNI: distinct internal hosts, at most five named, most prevalent first', async () => {
    const { json } = await report([file]);
    expect(json.fingerprints).toEqual([
      expect.objectContaining({ kind: 'ja3', value: 'e7d705a3286e19ea42f587b344ee6865', hostCount: 7, alerts: 7, hosts: ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4', '10.1.0.5'] }),
      expect.objectContaining({ kind: 'ja4', value: 't13d1516h2_8daaf6152771_e5627efa2ab1', hostCount: 2, hosts: ['10.2.0.1', '10.2.0.2'] }),
    ]);
    expect(json.serverNames.map((s) => [s.value, s.hostCount])).toEqual([['www.abcdex.com', 3], ['www.abcdefx.com', 2], ['www.abcdx.com', 2], ['www.qzjv7x.com', 2]]);
  });

  it('prints tables on a terminal-style run (no --json)', async () => {
    const r = await runCli(['report', file], { text: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^RISK +HOST +DIRECTION +REMOTE +CONNS +ALERTS +FIRST SEEN +LAST SEEN +PORTS +RULES$/m);
    expect(r.stdout).toMatch(/^CRITICAL +10\.0\.0\.5 +outbound +203\.0\.113\.9 +1 +1 +2025-11-23T04:00:50Z/m);
    expect(r.stdout).toMatch(/^JA3 +e7d705a3286e19ea42f587b344ee6865 +7 +7 +10\.1\.0\.1, 10\.1\.0\.2, 10\.1\.0\.3, 10\.1\.0\.4, 10\.1\.0\.5$/m);
    expect(r.stdout).toMatch(/^www\.abcdex\.com +3 +3 /m);
  });

  it('reads gzip, stdin and several files; duplicates by event.id are counted once', async () => {
    const gz = join(dir, 'crafted.ndjson.gz');
    writeFileSync(gz, gzipSync(readFileSync(file)));
    const a = await report([file, gz]);
    expect(a.json.inputs).toMatchObject({ files: 2, alerts: 17, duplicates: 17 });
    const b = await report(['-'], readFileSync(gz));
    expect(b.json.hosts).toEqual(a.json.hosts);
  });
});

describe('report on bad input', () => {
  it('one line naming the file and line; other files still read; exit 2', async () => {
    const good = join(dir, 'good.ndjson');
    writeFileSync(good, alert('tor-port-private', '10.0.0.8', '198.51.100.1', 9001, T0) + '\n');
    const bad = join(dir, 'bad.ndjson');
    writeFileSync(bad, alert('tor-port-private', '10.0.0.9', '198.51.100.1', 9001, T0) + '\n\n{"event":{"kind":"alert"},"rule":{"id":"x"}\n');
    const r = await runCli(['report', '--json', bad, good, join(dir, 'missing.ndjson')], { text: true });
    expect(r.code).toBe(2);
    const errs = r.stderr.trim().split('\n');
    expect(errs).toEqual([
      expect.stringMatching(new RegExp(`^torwatch: ${bad}: line 3: not valid JSON \\(`)),
      `torwatch: ${join(dir, 'missing.ndjson')}: no such file`,
    ]);
    const json = JSON.parse(r.stdout) as Report;
    expect(json.hosts.map((h) => h.host).sort()).toEqual(['10.0.0.8', '10.0.0.9']);
  });

  it('JSON that is not an alert, text lines, an over-long line, corrupt gzip', async () => {
    const cases: [string, Buffer | string, RegExp][] = [
      ['pino.ndjson', '{"level":30,"msg":"run summary"}\n', /line 1: JSON, but not a torwatch alert/],
      ['text.log', 'Nov 23 07:00:00 host sshd[1]: Accepted publickey\n', /line 1: no JSON object on this line/],
      ['long.ndjson', 'x'.repeat(1_100_000) + '\n', /line 1: line is longer than 1048576 bytes/],
      ['cut.ndjson.gz', gzipSync(Buffer.from(alert('tor-port-private', '10.0.0.8', '198.51.100.1', 9001, T0).repeat(50))).subarray(0, 200), /gzip data is corrupt or truncated/],
    ];
    for (const [name, data, re] of cases) {
      const p = join(dir, name);
      writeFileSync(p, data);
      const r = await runCli(['report', p], { text: true });
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(re);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
    }
  });

  it('--lenient skips what is not an alert (a receiver file with other programs\' messages) and counts it', async () => {
    const mixed = join(dir, 'mixed.log');
    writeFileSync(mixed, 'Nov 23 07:00:00 host sshd[1]: Accepted publickey\n');
    appendFileSync(mixed, `<132>1 2025-11-23T04:00:00Z sensor torwatch 7 tor-port-private - \uFEFF${alert('tor-port-private', '10.0.0.8', '198.51.100.1', 9001, T0)}\n`);
    const r = await report(['--lenient', mixed]);
    expect(r.code).toBe(0);
    expect(r.json.inputs).toMatchObject({ alerts: 1, skipped: 1 });
  });
});

// ---- issue 15 point 7: connections and hosts, not alerts ----

describe('report counts connections and hosts', () => {
  it('one Tor connection with three alerts (tor-port-private, tor-relay, tor-link-fingerprint) is one connection', async () => {
    const out = join(dir, 'private-net.ndjson');
    const r = await runCli(['replay', '--suppress-window', '0', '--relays', join(PCAPS, 'tor-private-net.consensus'), '-o', out, join(PCAPS, 'tor-private-net.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const alerts = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { rule: { id: string }; source: { ip: string }; destination: { ip: string }; network: { community_id: string; direction: string }; event: { start: string } });
    // The correlation key, computed here from the alert file: Community ID + flow start.
    const key = (a: (typeof alerts)[number]): string => `${a.network.community_id}@${a.event.start}`;
    const oneFlow = alerts.filter((a) => a.source.ip === '10.1.1.10' && a.destination.ip === '198.51.100.11');
    expect(oneFlow.map((a) => a.rule.id).sort()).toEqual(['tor-link-fingerprint', 'tor-port-private', 'tor-relay']);
    expect(new Set(oneFlow.map(key)).size).toBe(1);

    const { json } = await report([out]);
    const row = json.hosts.find((h) => h.host === '10.1.1.10' && h.remote === '198.51.100.11')!;
    expect(row).toMatchObject({ connections: 1, alerts: 3, rules: ['tor-link-fingerprint', 'tor-port-private', 'tor-relay'] });
    expect(json.totals).toMatchObject({ alerts: alerts.length, detections: alerts.length, summaries: 0, connections: new Set(alerts.map(key)).size });
    const internal = new Set(alerts.map((a) => (a.network.direction === 'inbound' ? a.destination.ip : a.source.ip)));
    expect(json.totals.internalHosts).toBe(internal.size);
    expect(json.internalHosts.find((h) => h.host === '10.1.1.10')).toMatchObject({ connections: 2, alerts: 6, remotes: 2 });
    const relayRule = json.rules.find((x) => x.rule === 'tor-relay')!;
    expect(relayRule.connections).toBe(new Set(alerts.filter((a) => a.rule.id === 'tor-relay').map(key)).size);
    // The table says connections first.
    const text = await runCli(['report', out], { text: true });
    expect(text.stdout).toMatch(new RegExp(`^${json.totals.connections} connection\\(s\\) from ${internal.size} internal host\\(s\\)`, 'm'));
    expect(text.stdout).toMatch(/^HIGH +10\.1\.1\.10 +outbound +198\.51\.100\.11 +1 +3 /m);
  });
});
