import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { NO_RELAYS, runCli } from '../support/run-cli.js';
import { availableBackends, Daemon, field, httpGetInNs, Lab, liveUnavailable, NO_AGGREGATION, stable, tcpreplay } from './support.js';

/**
 * `torwatch capture --workers N`: each worker's libpcap handle in one kernel fanout group whose BPF
 * program (src/capture/live/fanout-program.ts) sends a packet to a worker by its two IP addresses.
 * Captures go through a real veth pair in a namespace of our own (live-vs-replay.test.ts sends every
 * capture in pcaps/ this way with two workers as well); here: that the work is really spread, that the
 * per-worker counters reach /metrics and add up, and that a worker failing with a bug stops the daemon
 * with exit 1, one line naming the packet, and the alerts found before it delivered.
 */
const unavailable = liveUnavailable();
const hasBatch = availableBackends().includes('pcap-batch');

describe.skipIf(unavailable !== undefined || !hasBatch)('live capture with workers', () => {
  const lab = new Lab('tw13');
  let ns = '';
  let tmp = '';
  let capFile = '';
  const FLOWS = 400;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'tw13-workers-'));
    ns = lab.ns('w');
    lab.veth(ns, 'tx0', ns, 'rx0');
    // 400 SYNs from 400 private sources to documentation addresses on 9001: 400 host pairs, one alert each.
    capFile = join(tmp, 'flows.pcap');
    writeFileSync(capFile, alertingCapture({ flows: FLOWS, spacingUs: 500 }).bytes);
  });

  afterAll(async () => {
    await lab.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('spreads host pairs over the workers, with per-worker pcap_stats in /metrics, and the same alerts as replay', async () => {
    const replay = await runCli(['replay', ...NO_AGGREGATION, ...NO_RELAYS, capFile]);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.alerts.length).toBe(FLOWS);

    const d = new Daemon(lab, ns, ['-i', 'rx0', ...NO_RELAYS, '--workers', '3', '--stats-interval', '0', '--metrics', '127.0.0.1:9465']);
    const started = await d.started();
    expect(started.workers).toBe(3);
    // The threads carry names (top, /proc, bench:live): each worker's JavaScript thread and capture thread.
    // (The capture threads start when each worker reads its start message, just after the log line.)
    const threadNames = (): string[] => readdirSync(`/proc/${d.pid}/task`).map((t) => {
      try {
        return readFileSync(`/proc/${d.pid}/task/${t}/comm`, 'utf8').trim();
      } catch {
        return ''; // the thread ended
      }
    });
    let names = threadNames();
    for (let i = 0; i < 50 && names.filter((n) => n === 'twcap rx0').length < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      names = threadNames();
    }
    for (const n of ['tw-worker-0', 'tw-worker-1', 'tw-worker-2']) expect(names).toContain(n);
    expect(names.filter((n) => n === 'twcap rx0').length).toBe(3);
    const { sent } = tcpreplay(lab, ns, 'tx0', capFile);
    expect(sent).toBe(FLOWS);
    await d.waitAlerts(FLOWS, 20_000);

    // Per worker in /metrics, once the workers' counters came in (every second).
    let body = '';
    for (let i = 0; i < 40; i++) {
      body = httpGetInNs(lab, ns, 'http://127.0.0.1:9465/metrics').body;
      const sum = [...body.matchAll(/^torwatch_worker_packets_total\{interface="rx0",worker="\d"\} (\d+)$/gm)].reduce((a, m) => a + Number(m[1]), 0);
      if (sum === sent) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const perWorker = [0, 1, 2].map((w) => Number(new RegExp(`^torwatch_worker_packets_total\\{interface="rx0",worker="${w}"\\} (\\d+)$`, 'm').exec(body)?.[1] ?? -1));
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(sent);
    // 400 random-looking host pairs over three workers: each gets a fair share (expected 133 each).
    for (const n of perWorker) expect(n, `per-worker packets ${perWorker.join(', ')}`).toBeGreaterThan(FLOWS / 3 / 2);
    expect(body).toMatch(/^torwatch_worker_capture_received_total\{interface="rx0",worker="0"\} \d+$/m);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect(body).toMatch(/^torwatch_capture_received_total\{interface="rx0",backend="pcap-batch"\} 400$/m);

    expect(await d.stop()).toBe(0);
    const st = d.finalStats();
    expect(st.packets).toBe(sent);
    expect((st.interfaces[0] as { dropped?: number }).dropped).toBe(0);
    expect(d.alerts.map((a) => stable(a)).sort()).toEqual(replay.alerts.map((a) => stable(a)).sort());
    // One merge point: flows are numbered once, in time order, as one pipeline numbers them.
    expect(d.alerts.map((a) => Number(field(a, 'torwatch.flow.id'))).sort((a, b) => a - b)).toEqual(Array.from({ length: FLOWS }, (_, i) => i + 1));
  });

  it('a start-up that fails after the workers opened their handles (metrics port taken) ends with one line and status 2, not a hang', async () => {
    lab.spawn(ns, 'python3', ['-c', 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1", 9466)); s.listen(); time.sleep(60)']);
    await new Promise((r) => setTimeout(r, 500));
    const d = new Daemon(lab, ns, ['-i', 'rx0', ...NO_RELAYS, '--workers', '2', '--metrics', '127.0.0.1:9466']);
    const code = await Promise.race([d.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(code, d.stderrText).toBe(2);
    expect(d.stderrText.trim().split('\n').pop()).toBe('torwatch: --metrics 127.0.0.1:9466: cannot listen (address in use)');
  });

  it('a worker that fails with a bug stops the daemon: exit 1, one line naming the packet, earlier alerts delivered', async () => {
    const saved = { at: process.env.TORWATCH_TEST_CRASH_AT, w: process.env.TORWATCH_TEST_CRASH_WORKER };
    process.env.TORWATCH_TEST_CRASH_AT = '30';
    process.env.TORWATCH_TEST_CRASH_WORKER = '1';
    let d: Daemon;
    try {
      d = new Daemon(lab, ns, ['-i', 'rx0', ...NO_RELAYS, '--workers', '2', '--stats-interval', '0']);
    } finally {
      if (saved.at === undefined) delete process.env.TORWATCH_TEST_CRASH_AT;
      else process.env.TORWATCH_TEST_CRASH_AT = saved.at;
      if (saved.w === undefined) delete process.env.TORWATCH_TEST_CRASH_WORKER;
      else process.env.TORWATCH_TEST_CRASH_WORKER = saved.w;
    }
    await d.started();
    tcpreplay(lab, ns, 'tx0', capFile);
    const code = await Promise.race([d.exited, new Promise<null>((r) => setTimeout(() => r(null), 20_000))]);
    expect(code, d.stderrText.slice(-2000)).toBe(1);
    const failure = await d.waitLog((l) => l.msg === 'capture failed; stopping');
    expect(String(failure.err)).toBe('internal error in live worker 1 at packet 30 on rx0: test crash (TORWATCH_TEST_CRASH_AT)');
    expect(d.stderrText).not.toMatch(/^\s+at /m);
    // Worker 0's flows, and worker 1's before the failing packet, were merged and written.
    expect(d.alerts.length).toBeGreaterThan(29);
    expect(d.alerts.length).toBeLessThan(FLOWS);
  });
});
