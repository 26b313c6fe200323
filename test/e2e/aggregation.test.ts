/**
 * Aggregation and the rate limit through the real CLI. The expected windows are computed from what
 * tshark reads in the capture (an independent reader), not from torwatch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { field, logLines, runCli } from '../support/run-cli.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tw5-agg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Syn {
  us: bigint;
  src: string;
  dst: string;
  sport: number;
}

function tsharkSyns(path: string): Syn[] {
  const out = execFileSync('tshark', ['-r', path, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.dstport == 9001', '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src', '-e', 'ip.dst', '-e', 'tcp.srcport'], { encoding: 'utf8' });
  return out.trim().split('\n').map((l) => {
    const [t, src, dst, sport] = l.split('\t');
    const [s, f = ''] = t.split('.');
    return { us: BigInt(s) * 1_000_000n + BigInt((f + '000000').slice(0, 6)), src, dst, sport: Number(sport) };
  });
}

const iso = (us: bigint): string => new Date(Number(us / 1000n)).toISOString().slice(0, 19) + '.' + String(us % 1_000_000n).padStart(6, '0') + 'Z';

describe('suppression windows through the CLI', () => {
  it('5 keys x 30 connections over 3 hours: first alerts at once, one summary per 1-hour window, counts and times as tshark sees them', async () => {
    const cap = join(dir, 'repeats.pcap');
    writeFileSync(cap, alertingCapture({ flows: 150, keyOf: (i) => i % 5, spacingUs: 72_000_000 }).bytes);
    // Expected, from tshark: per (src, dst), windows of 3600 s opened by a first match.
    const windows: { key: string; first: Syn; last: Syn; count: number; ports: number[] }[] = [];
    const open = new Map<string, (typeof windows)[number]>();
    for (const syn of tsharkSyns(cap)) {
      const key = `${syn.src}>${syn.dst}`;
      const w = open.get(key);
      if (w && syn.us < w.first.us + 3_600_000_000n) {
        w.count++;
        w.last = syn;
        w.ports.push(syn.sport);
      } else {
        const nw = { key, first: syn, last: syn, count: 1, ports: [syn.sport] };
        windows.push(nw);
        open.set(key, nw);
      }
    }
    expect(windows).toHaveLength(15);

    const r = await runCli(['replay', cap]);
    expect(r.code, r.stderr).toBe(0);
    const firsts = r.alerts.filter((a) => !field(a, 'torwatch.aggregate'));
    const sums = r.alerts.filter((a) => field(a, 'torwatch.aggregate'));
    expect(firsts.map((a) => `${field(a, 'source.ip')}>${field(a, 'destination.ip')}@${field(a, '@timestamp')}`)).toEqual(windows.map((w) => `${w.key}@${iso(w.first.us)}`));
    expect(sums).toHaveLength(windows.length);
    for (const w of windows) {
      const s = sums.find((a) => `${field(a, 'source.ip')}>${field(a, 'destination.ip')}` === w.key && field(a, 'event.start') === iso(w.first.us))!;
      expect(s, w.key).toBeDefined();
      expect(field(s, 'event.end')).toBe(iso(w.last.us));
      expect(field(s, 'torwatch.aggregate.count')).toBe(w.count);
      expect(field(s, 'torwatch.aggregate.suppressed')).toBe(w.count - 1);
      expect(field(s, 'torwatch.aggregate.source_ports')).toEqual(w.ports);
      expect(field(s, 'destination.port')).toBe(9001);
      const first = firsts.find((a) => field(a, 'event.id') === field(s, 'torwatch.aggregate.first_event_id'))!;
      expect(`${field(first, 'source.ip')}>${field(first, 'destination.ip')}`).toBe(w.key);
      // Closed by the packet clock one hour after the first match, or by the end of the capture.
      const reason = field(s, 'torwatch.aggregate.reason');
      expect(field(s, '@timestamp')).toBe(reason === 'window' ? iso(w.first.us + 3_600_000_000n) : iso(tsharkSyns(cap).at(-1)!.us));
    }
    // Summaries come out in packet-clock order, interleaved with first alerts (not all at the end).
    const order = r.alerts.map((a) => String(field(a, '@timestamp')));
    expect(order.filter((t, i) => i > 0 && t < order[i - 1])).toEqual([]);
    const summary = logLines(r.stderr).find((l) => l.msg === 'run summary')!.summary as Record<string, Record<string, unknown>>;
    expect(summary.aggregation).toMatchObject({ windowSec: 3600, sent: 15, suppressed: 135, summaries: 15, heldBackTotal: 0 });
    expect(summary.alerts).toMatchObject({ total: 150 });
  });

  it('--suppress-window 0 sends every match; --suppress-window 600 makes more, shorter windows', async () => {
    const cap = join(dir, 'repeats.pcap');
    const off = await runCli(['replay', '--suppress-window', '0', cap]);
    expect(off.alerts).toHaveLength(150);
    expect(off.alerts.some((a) => field(a, 'torwatch.aggregate'))).toBe(false);
    const short = await runCli(['replay', '--suppress-window', '600', cap]);
    // 600 s window, 360 s between a key's connections: pairs of 2.
    expect(short.alerts.filter((a) => !field(a, 'torwatch.aggregate'))).toHaveLength(75);
    expect(short.alerts.filter((a) => field(a, 'torwatch.aggregate.count') === 2)).toHaveLength(75);
  });

  it('the same replay twice gives the same alerts and ids, summaries included (deterministic)', async () => {
    const cap = join(dir, 'repeats.pcap');
    const a = await runCli(['replay', cap]);
    const b = await runCli(['replay', cap]);
    expect(a.stdout).toBe(b.stdout);
    expect(new Set(a.alerts.map((x) => field(x, 'event.id'))).size).toBe(a.alerts.length);
  });
});

describe('rate limit through the CLI', () => {
  it('a scan of 250 hosts to 9001 in 25 s gives 100 alerts; 150 held back in the run summary and the logs', async () => {
    const cap = join(dir, 'scan.pcap');
    writeFileSync(cap, alertingCapture({ flows: 250, spacingUs: 100_000 }).bytes);
    expect(tsharkSyns(cap)).toHaveLength(250);
    const r = await runCli(['replay', cap]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts).toHaveLength(100);
    const logs = logLines(r.stderr);
    const summary = logs.find((l) => l.msg === 'run summary')!.summary as Record<string, Record<string, unknown>>;
    expect(summary.aggregation).toMatchObject({ ratePerMinute: 100, sent: 100, heldBack: { 'tor-port-private': 150 }, heldBackTotal: 150 });
    expect(logs.some((l) => l.level === 40 && String(l.msg).startsWith('rate limit reached') && l.rule === 'tor-port-private')).toBe(true);
    expect(logs.some((l) => l.level === 40 && l.msg === 'rate limit: alerts held back in this minute' && l.heldBack === 150)).toBe(true);
    const all = await runCli(['replay', '--rate-limit', '0', cap]);
    expect(all.alerts).toHaveLength(250);
    const loose = await runCli(['replay', '--rate-limit', '200', cap]);
    expect(loose.alerts).toHaveLength(200);
  });
});
