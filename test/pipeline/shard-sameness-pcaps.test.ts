/**
 * `--workers N` gives the alerts of one pipeline (issue 13): every regression capture in pcaps/ (DNS
 * answers naming later flows, BitTorrent and pluggable-transport host evidence, fragments, tunnels,
 * mid-stream flows...), and the benchmark's own generator (web and BitTorrent mixes, many flows ending
 * by timeout in every worker at once), replayed with 1, 2 and 4 workers.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { logLines, PCAPS, ROOT, runCli } from '../support/run-cli.js';
import { expectSameWhateverWorkers } from './shard-same.js';

const captures = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
const tmp = mkdtempSync(join(tmpdir(), 'tw-shard-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the same alerts whatever --workers: pcaps/', () => {
  it('has the regression captures', () => expect(captures.length).toBeGreaterThan(30));
  for (const f of captures) {
    it(f, async () => {
      await expectSameWhateverWorkers([join(PCAPS, f)]);
    }, 120_000);
  }

  it('all of pcaps/ in one run (flows, host state and the input name carry from file to file)', async () => {
    const alerts = await expectSameWhateverWorkers(captures.map((f) => join(PCAPS, f)));
    expect(alerts).toBeGreaterThan(50);
  }, 300_000);
});

describe('the same alerts whatever --workers: the benchmark generator', () => {
  for (const [mix, mb] of [['web', 48], ['bittorrent', 24]] as const) {
    it(`${mix} mix, ${mb} MB`, async () => {
      const file = join(tmp, `${mix}.pcap`);
      execFileSync(process.execPath, [join(ROOT, 'bench/make-capture.mjs'), '--mb', String(mb), '--mix', mix, '--out', file], { stdio: 'ignore' });
      const alerts = await expectSameWhateverWorkers([file]);
      expect(alerts).toBeGreaterThan(0);
    }, 600_000);
  }
});

describe('a worker that fails', () => {
  it('is one line naming the packet, exit 1, and what was merged before it is written', async () => {
    const file = join(PCAPS, 'web-names.pcap');
    const whole = await runCli(['replay', '--log-level', 'error', file]);
    expect(whole.alerts.length).toBeGreaterThan(1);
    const r = await runCli(['replay', '--workers', '2', '--log-level', 'error', file], { env: { TORWATCH_TEST_CRASH_AT: '60', TORWATCH_TEST_CRASH_WORKER: '1' } });
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('torwatch: '));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^torwatch: internal error in worker 1 at packet 60 of .*web-names\.pcap: test crash/);
    // Alerts found before the failing packet were written, and they are the one-worker run's first ones.
    expect(r.alerts.length).toBeGreaterThan(0);
    expect(r.alerts.length).toBeLessThan(whole.alerts.length);
    expect(whole.stdout.startsWith(r.stdout)).toBe(true);
  });
});

describe('the run summary whatever --workers', () => {
  /** The summary a run logs, without what depends on the clock or on one worker's share (high-water marks, the hash's chains). */
  async function summary(workers: number, file: string): Promise<Record<string, unknown>> {
    const r = await runCli(['replay', '--workers', String(workers), '--log-level', 'info', '--progress', 'never', '--relays', 'none', file]);
    const line = logLines(r.stderr).find((l) => l.msg === 'run summary');
    const s = { ...(line?.summary as Record<string, unknown>) };
    for (const k of ['elapsedMs', 'packetsPerSecond', 'megabytesPerSecond']) delete s[k];
    const flows = { ...(s.flows as Record<string, number>) };
    for (const k of ['collisions', 'chainEvicted', 'longestChain']) delete flows[k];
    const app = { ...(s.applayer as Record<string, number>) };
    delete app.memory_peak_bytes;
    return { ...s, flows, applayer: app };
  }

  for (const f of ['bt-dht-swarm.pcap', 'web-names.pcap', 'obfs4-bridges.pcap', 'ipv4-frag-tcp.pcap']) {
    it(`${f}: packets, flows, decode and app-layer counts, alerts by rule`, async () => {
      const one = await summary(1, join(PCAPS, f));
      expect(one.packets).toBeGreaterThan(0);
      expect(await summary(2, join(PCAPS, f))).toEqual(one);
    });
  }
});
