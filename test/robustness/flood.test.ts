/**
 * Floods: two million SYNs from random private sources to port 9001 (a scan across three "public"
 * /24s: every packet a new flow and a tor-port-private match) and half a million random 5-tuples,
 * ten minutes of packet time, with a real Tor link handshake (pcaps/tor-link-tls13.pcap: a tor
 * client and bridge in a private test network) retimed into the middle. `torwatch replay` with a
 * modest --max-flows must:
 *  - finish, with the flow table never above the cap (the rest evicted, counted);
 *  - stay inside a memory bound set by the cap, not by the flood: its peak RSS (GNU time's maximum
 *    resident set, from the kernel's rusage) is within a margin of the same replay of a flood a
 *    tenth the size;
 *  - rate-limit the scan's alerts (the summary's held-back counts) and still send the hidden Tor
 *    flow's tor-link-fingerprint alert.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFrames, PCAPS, ROOT } from '../fuzz/lib/corpus.js';
import { logLines } from '../support/run-cli.js';
import { ecsProblems } from '../support/ecs-schema.js';
import { writeFlood } from './flood-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw7-flood-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MAX_FLOWS = 20_000;
const RATE = 100;

interface Run {
  code: number | null;
  rssKb: number;
  ms: number;
  summary: {
    packets: number;
    flows: { created: number; peak: number; evicted: number; active: number };
    alerts: { total: number; byRule: Record<string, number> };
    aggregation: { sent: number; heldBack: Record<string, number>; heldBackTotal: number; summaries: number };
    anomalies: Record<string, number>;
  };
  alerts: Record<string, unknown>[];
  stderr: string;
}

/** torwatch replay under GNU time (maximum resident set size from wait4's rusage, in KiB). */
function replay(capture: string, name: string): Promise<Run> {
  const out = join(tmp, `${name}.ndjson`);
  const rss = join(tmp, `${name}.rss`);
  const args = ['-f', '%M', '-o', rss, process.execPath, join(ROOT, 'bin/torwatch.js'), 'replay', '--max-flows', String(MAX_FLOWS), '--rate-limit', String(RATE), '--progress', 'never', '-o', out, capture];
  const started = performance.now();
  const child = spawn('/usr/bin/time', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    const stderr = Buffer.concat(err).toString();
    const summary = logLines(stderr).find((l) => l.msg === 'run summary')?.summary as Run['summary'];
    const alerts = readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    resolve({ code, rssKb: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()), ms: performance.now() - started, summary, alerts, stderr });
  }));
}

let big: Run;
let small: Run;

beforeAll(async () => {
  const tor = await loadFrames(join(PCAPS, 'tor-link-tls13.pcap'));
  const base = { startSec: 1_795_000_000, spanSec: 600, hidden: tor, seed: 0x7f100d };
  const bigFile = join(tmp, 'flood.pcap');
  const smallFile = join(tmp, 'flood-tenth.pcap');
  const w = writeFlood(bigFile, { ...base, scanSyns: 2_000_000, randomTuples: 500_000 });
  expect(w.packets).toBe(2_500_000 + tor.length);
  writeFlood(smallFile, { ...base, scanSyns: 200_000, randomTuples: 50_000 });
  // One after the other: the RSS figures must not compete for the machine.
  small = await replay(smallFile, 'small');
  big = await replay(bigFile, 'big');
  process.stderr.write(`flood: ${big.summary?.packets} packets in ${Math.round(big.ms)} ms, peak RSS ${Math.round(big.rssKb / 1024)} MiB (a tenth of the flood: ${Math.round(small.rssKb / 1024)} MiB); ` +
    `flows created ${big.summary?.flows.created}, peak ${big.summary?.flows.peak}, evicted ${big.summary?.flows.evicted}; alerts sent ${big.summary?.aggregation.sent}, held back ${big.summary?.aggregation.heldBackTotal}\n`);
}, 300_000);

describe('a SYN flood with a Tor flow inside', () => {
  it('finishes, exit 0, every packet read', () => {
    expect(big.code, big.stderr.slice(-2000)).toBe(0);
    expect(big.summary.packets).toBe(2_500_039);
    expect(big.stderr).not.toMatch(/^\s+at /m);
  });

  it('the flow table stays at the cap; the flood is evicted, and counted', () => {
    expect(big.summary.flows.peak).toBeLessThanOrEqual(MAX_FLOWS);
    expect(big.summary.flows.created).toBeGreaterThan(2_400_000);
    expect(big.summary.flows.evicted).toBeGreaterThan(big.summary.flows.created - MAX_FLOWS - 200_000);
  });

  it('memory is bounded by the cap, not by the flood: ten times the packets, about the same peak RSS', () => {
    expect(big.rssKb).toBeGreaterThan(0);
    expect(big.rssKb).toBeLessThan(small.rssKb * 1.35);
    // An absolute sanity bound for 20 000 flows (Node itself is ~60 MiB).
    expect(big.rssKb).toBeLessThan(400 * 1024);
  });

  it('the scan is rate-limited: at most the limit per minute sent, the rest held back and counted', () => {
    const ag = big.summary.aggregation;
    const scan = big.alerts.filter((a) => (a.rule as { id: string }).id === 'tor-port-private');
    expect(big.summary.alerts.byRule['tor-port-private']).toBeGreaterThan(1_900_000);
    expect(ag.heldBack['tor-port-private']).toBeGreaterThan(1_900_000);
    // Ten minutes of packet time, at most RATE first-match alerts per minute (the minute windows can
    // straddle the start and the end: one more).
    expect(scan.length).toBeLessThanOrEqual(RATE * 11);
    expect(scan.length).toBeGreaterThan(RATE * 9);
    expect(ag.heldBack['tor-port-private'] + scan.length).toBe(big.summary.alerts.byRule['tor-port-private']);
  });

  it('the hidden Tor flow still alerts (tor-link-fingerprint, its own endpoints), as valid ECS', () => {
    const fp = big.alerts.filter((a) => (a.rule as { id: string }).id === 'tor-link-fingerprint');
    expect(fp).toHaveLength(1);
    const a = fp[0] as { source: { ip: string; port: number }; destination: { ip: string; port: number }; tls: { client: { server_name: string } } };
    expect([a.source.ip, a.destination.ip, a.destination.port]).toEqual(['10.4.4.10', '198.51.100.90', 9001]);
    expect(a.tls.client.server_name).toMatch(/^www\.[a-z2-7]+\.com$/);
    expect(ecsProblems(fp[0])).toEqual([]);
    expect(Object.keys(big.summary.anomalies).filter((k) => k.endsWith('internal_error'))).toEqual([]);
  });
});
