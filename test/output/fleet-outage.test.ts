/**
 * Acknowledged delivery across a receiver outage, with the real servers: a live-like stream (a
 * capture fed slowly into `torwatch replay -`) goes to a file and to RELP (rsyslog imrelp), Redis
 * (list and stream) or NATS JetStream; the server is killed with SIGKILL in the middle and started
 * again on the same data. Every alert must arrive (event.ids compared with the file output), first
 * arrivals in the file's order; duplicates are counted. The figures (sent, delivered, duplicated,
 * time to drain the spool) are printed for the closing note.
 *
 * Duplicates, and why: JetStream drops a resent alert by its Nats-Msg-Id (0 stored twice; the PubAck
 * says `duplicate`, counted by torwatch). RELP resends only what rsyslog had not acknowledged; rsyslog
 * acknowledges after writing (Direct queue), so only an alert written in the instant between its
 * write and its `rsp` can arrive twice. Redis has no idempotent RPUSH/XADD: commands Redis executed
 * whose replies the kill cut off are sent again (at most the window in flight).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { NatsServer, RedisServer, RelpReceiver } from '../support/fleet-servers.js';
import { readLines } from '../support/receivers.js';
import { logLines, ROOT } from '../support/run-cli.js';

const BIN = join(ROOT, 'bin', 'torwatch.js');
const FLOWS = 3000;
const FEED_MS = 10_000;
const KILL_AT_MS = 3_000;
const RESTART_AT_MS = 6_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const idOf = (a: Record<string, unknown>): string => (a.event as { id: string }).id;

interface Subject {
  name: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  stop(): Promise<void>;
  url(dir: string): string;
  /** event.ids as they arrived, in the server's order. */
  received(): Promise<string[]>;
  /** How many have arrived (cheaper than received()). */
  count(): Promise<number>;
  /** How often to look while the stream runs (reading a whole stream back is not free). */
  pollMs: number;
}

function relp(dir: string): Subject {
  const rx = new RelpReceiver(join(dir, 'rx'));
  return {
    name: 'RELP (rsyslog imrelp)',
    start: () => rx.start(), kill: () => rx.stop('SIGKILL'), stop: () => rx.stop(),
    url: (d) => `relp://127.0.0.1:${rx.port}?spool-dir=${d}/spool`,
    received: () => Promise.resolve(rx.alerts().map(idOf)),
    count: () => Promise.resolve(readLines(rx.file).length),
    pollMs: 20,
  };
}

function redis(dir: string, mode: 'list' | 'stream'): Subject {
  const srv = new RedisServer(join(dir, 'srv'));
  return {
    name: `Redis ${mode}`,
    start: () => srv.start(), kill: () => srv.stop('SIGKILL'), stop: () => srv.stop(),
    url: (d) => `redis://127.0.0.1:${srv.port}/?key=tw:outage&mode=${mode}&spool-dir=${d}/spool`,
    received: () => Promise.resolve(mode === 'list' ? srv.listAlerts(0, 'tw:outage').map(idOf) : srv.streamEntries(0, 'tw:outage').map((e) => e.eventId)),
    count: () => Promise.resolve(Number(srv.cli(0, mode === 'list' ? 'LLEN' : 'XLEN', 'tw:outage'))),
    pollMs: 50,
  };
}

function nats(dir: string): Subject {
  const srv = new NatsServer(join(dir, 'srv'));
  let made = false;
  return {
    name: 'NATS JetStream',
    start: async () => {
      await srv.start();
      if (!made) await srv.addStream('TORWATCH', ['torwatch.alerts.>']);
      made = true;
    },
    kill: () => srv.stop('SIGKILL'), stop: () => srv.stop(),
    url: (d) => `nats://127.0.0.1:${srv.port}?spool-dir=${d}/spool`,
    received: async () => (await srv.messages('TORWATCH')).map((m) => m.msgId),
    count: () => srv.count('TORWATCH'),
    pollMs: 100,
  };
}

interface Figures {
  output: string;
  scenario: 'paced' | 'burst';
  alertsSent: number;
  received: number;
  uniqueDelivered: number;
  missing: number;
  duplicated: number;
  resentByTorwatch: number;
  duplicatesDroppedByServer: number | undefined;
  outageMs: number;
  backlogAtRestart: number;
  drainMs: number;
  inOrder: boolean;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * paced: 3000 alerts over 10 s (about a live sensor's pace), killed at 3 s, restarted at 6 s.
 * burst: 8,000 alerts from a file at once, so a full window is in flight when the server is killed
 * (once a third have arrived); restarted 1 s later. This is where duplicates can come from.
 */
async function outage(make: (dir: string) => Subject, scenario: 'paced' | 'burst'): Promise<Figures> {
  return scenario === 'paced' ? paced(make) : burst(make);
}

async function paced(make: (dir: string) => Subject): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tw12-outage-'));
  dirs.push(dir);
  const s = make(dir);
  await s.start();
  try {
    const fileOut = join(dir, 'alerts.ndjson');
    const cap = alertingCapture({ flows: FLOWS, spacingUs: 2000 });
    const child = spawn(process.execPath, [BIN, 'replay', '--rate-limit', '0', '--sensor-name', 'outage', '-o', fileOut, '-o', s.url(dir), '-'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));

    let restartAt = 0;
    let drainMs = -1;
    let backlog = 0;
    const events = (async () => {
      await sleep(KILL_AT_MS);
      await s.kill();
      await sleep(RESTART_AT_MS - KILL_AT_MS);
      // What torwatch had written by now must all arrive: the backlog the restart has to drain.
      const written = readLines(fileOut).map((l) => idOf(JSON.parse(l) as Record<string, unknown>));
      await s.start();
      restartAt = Date.now();
      backlog = written.length - new Set(await s.received()).size;
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        const got = new Set(await s.received());
        if (written.every((id) => got.has(id))) {
          drainMs = Date.now() - restartAt;
          return;
        }
        await sleep(s.pollMs);
      }
    })();
    child.stdin.write(cap.header);
    const pieces = 200;
    const per = Math.ceil(cap.records.length / pieces);
    for (let i = 0; i < pieces; i++) {
      child.stdin.write(Buffer.concat(cap.records.slice(i * per, (i + 1) * per)));
      await sleep(FEED_MS / pieces);
    }
    child.stdin.end();
    await events;
    const code = await exited;
    expect(code, stderr).toBe(0);

    return { ...(await figures(s, fileOut, stderr)), scenario: 'paced', outageMs: RESTART_AT_MS - KILL_AT_MS, backlogAtRestart: backlog, drainMs };
  } finally {
    await s.stop();
  }
}

/** What arrived against what the file output wrote. */
async function figures(s: Subject, fileOut: string, stderr: string): Promise<Omit<Figures, 'scenario' | 'outageMs' | 'backlogAtRestart' | 'drainMs'>> {
  const want = readLines(fileOut).map((l) => idOf(JSON.parse(l) as Record<string, unknown>));
  const received = await s.received();
  const seen = new Set<string>();
  const firsts: string[] = [];
  for (const id of received) {
    if (!seen.has(id)) firsts.push(id);
    seen.add(id);
  }
  const summary = logLines(stderr).find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
  const st = summary.summary.outputs[1];
  return {
    output: s.name,
    alertsSent: want.length,
    received: received.length,
    uniqueDelivered: seen.size,
    missing: want.filter((id) => !seen.has(id)).length,
    duplicated: received.length - seen.size,
    resentByTorwatch: Number(st.resent),
    duplicatesDroppedByServer: st.duplicates === undefined ? undefined : Number(st.duplicates),
    inOrder: JSON.stringify(firsts) === JSON.stringify(want),
  };
}

const BURST = 8_000;

async function burst(make: (dir: string) => Subject): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), 'tw12-burst-'));
  dirs.push(dir);
  const s = make(dir);
  await s.start();
  try {
    const fileOut = join(dir, 'alerts.ndjson');
    const capFile = join(dir, 'burst.pcap');
    writeFileSync(capFile, alertingCapture({ flows: BURST, spacingUs: 100 }).bytes);
    // drain-timeout long enough for the outage: the replay is read in a second, delivery takes longer.
    const child = spawn(process.execPath, [BIN, 'replay', '--rate-limit', '0', '--sensor-name', 'burst', '-o', fileOut, '-o', `${s.url(dir)}&drain-timeout=60`, capFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const until = Date.now() + 60_000;
    let arrived = 0;
    while ((arrived = await s.count()) < BURST / 3 && Date.now() < until) await sleep(5);
    await s.kill();
    const killedAt = Date.now();
    // About what was left to send (a few more may have arrived between the count and the kill).
    const backlog = BURST - arrived;
    await sleep(1000);
    await s.start();
    const restartAt = Date.now();
    const code = await exited;
    expect(code, stderr).toBe(0);
    const drainMs = Date.now() - restartAt;
    return { ...(await figures(s, fileOut, stderr)), scenario: 'burst', outageMs: restartAt - killedAt, backlogAtRestart: backlog, drainMs };
  } finally {
    await s.stop();
  }
}

describe('receiver killed (SIGKILL) mid-stream and restarted: every alert arrives, in order', () => {
  const cases: [string, (dir: string) => Subject][] = [
    ['relp', relp],
    ['redis list', (d) => redis(d, 'list')],
    ['redis stream', (d) => redis(d, 'stream')],
    ['nats', nats],
  ];
  for (const scenario of ['paced', 'burst'] as const) {
    for (const [name, make] of cases) {
      it(`${name}, ${scenario}`, async () => {
        const f = await outage(make, scenario);
        console.log(`fleet outage figures: ${JSON.stringify(f)}`);
        const n = scenario === 'paced' ? FLOWS : BURST;
        expect(f.alertsSent).toBe(n);
        expect(f.missing).toBe(0);
        expect(f.uniqueDelivered).toBe(n);
        expect(f.inOrder).toBe(true);
        expect(f.drainMs).toBeGreaterThanOrEqual(0);
        // JetStream stores each alert once whatever was resent; elsewhere a duplicate needs a resend.
        if (name === 'nats') expect(f.duplicated).toBe(0);
        else expect(f.duplicated).toBeLessThanOrEqual(f.resentByTorwatch);
        if (scenario === 'burst') expect(f.resentByTorwatch).toBeGreaterThan(0);
      }, 150_000);
    }
  }
});
