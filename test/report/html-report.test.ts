/**
 * Issue 15 point 15: `torwatch report --html FILE` writes one self-contained page, checked in headless
 * Chromium (Debian's chromium, driven by playwright-core; nothing is downloaded): it renders its charts
 * without fetching anything, every number on it is the one `report --json` prints for the same alerts,
 * a hostile server name stays text, and a screenshot is kept at test/artifacts/report-html.png (CI
 * keeps test/artifacts/ as the run's artifact).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import { ruleById } from '../../src/detect/catalog.js';
import { Flow } from '../../src/flow/flow.js';
import type { ReportDocument } from '../../src/report/model.js';
import { parseIp } from '../../src/util/ip.js';
import { alertingCapture } from '../support/alert-capture.js';
import { PCAPS, ROOT, runCli } from '../support/run-cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test/artifacts');
const HOSTILE_SNI = 'www.a1b2c3.com"><img src=x onerror="window.__pwned=1"></script><script>window.__pwned=2</script>';

let dir: string;
let doc: ReportDocument;
let context: BrowserContext;
let page: Page;
const requests: string[] = [];
const problems: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ux-html-'));
  const alerts = join(dir, 'alerts.ndjson');
  // Real alerts: a private Tor network with its consensus, DNS and web names, Tor link handshakes, and
  // repeats that make summary alerts.
  const runs: string[][] = [
    ['--relays', join(PCAPS, 'tor-private-net.consensus'), join(PCAPS, 'tor-private-net.pcap')],
    [join(PCAPS, 'dns-names.pcap')], [join(PCAPS, 'web-names.pcap')], [join(PCAPS, 'tor-link-tls12.pcap')], [join(PCAPS, 'tor-link-tls13.pcap')],
  ];
  const repeats = join(dir, 'repeats.pcap');
  writeFileSync(repeats, alertingCapture({ flows: 40, keyOf: (i) => i % 4, spacingUs: 30_000_000 }).bytes);
  runs.push([repeats]);
  for (const args of runs) expect((await runCli(['replay', '-o', alerts, ...args], { text: true })).code).toBe(0);
  // One alert whose SNI is markup (a name is whatever a client sent): it must stay text on the page.
  const s = parseIp('10.9.9.9')!;
  const d = parseIp('198.51.100.99')!;
  const f = new Flow(1, 0, 4, 6, ...s.words, 40000, ...d.words, 443, 1_795_000_000, 0, 1_795_000_000_000);
  f.aHome = true;
  const b = new AlertBuilder({ observer: { hostname: 'sensor', version: '0.1.0' }, eventIds: 'deterministic' });
  appendFileSync(alerts, JSON.stringify(b.build({ rule: ruleById('tor-link-fingerprint')!, flow: f, tsSec: 1_795_000_000, tsNsec: 0, packet: 1, input: 'x', message: 'm', tls: { sni: HOSTILE_SNI, ja3: 'e7d705a3286e19ea42f587b344ee6865' } })) + '\n');

  const html = join(dir, 'report.html');
  const r = await runCli(['report', '--json', '--html', html, alerts], { text: true });
  expect(r.code, r.stderr).toBe(0);
  doc = JSON.parse(r.stdout) as ReportDocument;

  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    viewport: { width: 1280, height: 900 },
  });
  // Anything but the page itself would be the network: record it, and never let it out.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    requests.push(url);
    return route.abort();
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page.goto(`file://${html}`);
  await page.waitForSelector('html[data-charts="ready"]', { timeout: 20_000 });
}, 120_000);

afterAll(async () => {
  await context?.close();
  rmSync(dir, { recursive: true, force: true });
});

const cellTexts = (id: string): Promise<string[][]> => page.$$eval(`#${id} tbody tr`, (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));

describe('report --html in headless Chromium', () => {
  it('renders all four charts without an error or a single request beyond the file', async () => {
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    // (The project compiles without the DOM library: the canvas is described by what is used of it.)
    interface Canvas { id: string; width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
    const drawn = await page.$$eval('canvas', (cs) => cs.map((el) => {
      const c = el as unknown as Canvas;
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
      return [c.id, ink];
    }));
    expect(drawn.map(([id]) => id)).toEqual(['chart-timeline', 'chart-hosts', 'chart-remotes', 'chart-rules']);
    for (const [id, ink] of drawn) expect(ink, String(id)).toBeGreaterThan(500);
  });

  it('the totals and every table row are the numbers report --json prints', async () => {
    const totals = await page.$$eval('[data-total]', (els) => Object.fromEntries(els.map((e) => [e.getAttribute('data-total'), Number(e.textContent)])));
    const t = doc.totals;
    expect(totals).toEqual({ connections: t.connections, internalHosts: t.internalHosts, remotes: t.remotes, detections: t.detections, summaries: t.summaries, repeats: t.repeats });
    expect(t.summaries).toBeGreaterThan(0);
    const internal = await cellTexts('table-internal-hosts');
    expect(internal.map((r) => [r[0], r[1], Number(r[2]), Number(r[3]), Number(r[4])])).toEqual(doc.internalHosts.map((h) => [h.host, h.riskLevel, h.connections, h.alerts, h.remotes]));
    const remotes = await cellTexts('table-remotes');
    expect(remotes.map((r) => [r[0], Number(r[2]), Number(r[4])])).toEqual(doc.remotes.map((x) => [x.remote, x.connections, x.hosts]));
    const rules = await cellTexts('table-rules');
    expect(rules.map((r) => [r[0], Number(r[1]), Number(r[2]), Number(r[3])])).toEqual(doc.rules.map((x) => [x.rule, x.connections, x.alerts, x.hosts]));
    const rows = await cellTexts('table-host-remote');
    expect(rows.map((r) => [r[0], r[1], r[2], r[3], Number(r[4]), Number(r[5])])).toEqual(doc.hosts.map((h) => [h.riskLevel, h.host, h.direction, h.remote, h.connections, h.alerts]));
    const fps = await cellTexts('table-fingerprints');
    expect(fps.map((r) => [r[1], Number(r[2])])).toEqual(doc.fingerprints.map((x) => [x.value, x.hostCount]));
  });

  it('the charts plot the same numbers: top hosts, top remotes, rules, and the timeline', async () => {
    const series = await page.evaluate(() => {
      const w = globalThis as unknown as { Chart: { getChart(id: string): { data: { labels?: string[]; datasets: { label?: string; data: unknown[] }[] } } } };
      const get = (id: string) => w.Chart.getChart(id).data;
      return {
        hosts: get('chart-hosts'), remotes: get('chart-remotes'), rules: get('chart-rules'),
        timeline: get('chart-timeline').datasets.map((d) => ({ rule: d.label, total: (d.data as { connections: number }[]).reduce((a, p) => a + p.connections, 0) })),
      };
    });
    const top = <T extends { connections: number }>(xs: T[]): T[] => [...xs].sort((a, b) => b.connections - a.connections).slice(0, 15);
    expect(series.hosts.labels).toEqual(top(doc.internalHosts).map((h) => h.host));
    expect(series.hosts.datasets[0].data).toEqual(top(doc.internalHosts).map((h) => h.connections));
    expect(series.remotes.datasets[0].data).toEqual(top(doc.remotes).map((r) => r.connections));
    expect(series.rules.labels).toEqual(doc.rules.map((r) => r.rule));
    expect(series.rules.datasets[0].data).toEqual(doc.rules.map((r) => r.connections));
    const want = [...new Set(doc.timeline.series.map((s) => s.rule))].sort().map((rule) => ({
      rule, total: doc.timeline.series.filter((s) => s.rule === rule).reduce((a, s) => a + s.points.reduce((b, p) => b + p.connections, 0), 0),
    }));
    expect(series.timeline).toEqual(want);
  });

  it('a server name that is markup stays text: shown as sent, nothing runs', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const sni = await cellTexts('table-server-names');
    expect(sni.map((r) => r[0])).toContain(HOSTILE_SNI);
    expect(await page.$$eval('img', (imgs) => imgs.length)).toBe(0);
  });

  it('a screenshot is kept as a test artifact (test/artifacts/report-html.png)', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const png = join(ARTIFACTS, 'report-html.png');
    await page.screenshot({ path: png, fullPage: true });
    const bytes = readFileSync(png);
    expect(bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(bytes.length).toBeGreaterThan(20_000);
  });
});

describe('report --html to a place that cannot be written', () => {
  it('one line naming the file, exit 2; the report is still printed', async () => {
    const bad = join(dir, 'no-such-dir', 'report.html');
    const r = await runCli(['report', '--html', bad, join(dir, 'alerts.ndjson')], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`torwatch: ${bad}: cannot write the HTML report (no such directory)`);
    expect(r.stdout).toMatch(/^RISK +HOST +DIRECTION +REMOTE +CONNS/m);
  });
});
