/**
 * At-least-once delivery with real receivers. A live-like stream (a capture fed slowly into
 * `torwatch replay -`) goes to a file and to syslog over TCP or TLS; the receiver is killed with
 * SIGKILL in the middle and started again. Every alert must arrive (event.ids compared with the
 * file output), in order (first arrivals in the file's order), with duplicates only from the resend
 * window. The figures (sent, delivered, duplicated, time to drain the spool) are printed for the
 * issue's closing note.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { freePort, makeCerts, readFields, readLines, Rsyslog, SyslogNg, type InputSpec } from '../support/receivers.js';
import { NO_RELAYS, ROOT } from '../support/run-cli.js';

const BIN = join(ROOT, 'bin', 'torwatch.js');
const FLOWS = 3000;
const FEED_MS = 10_000;
const KILL_AT_MS = 3_000;
const RESTART_AT_MS = 6_000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function idsOf(msgs: string[]): string[] {
  return msgs.map((m) => (JSON.parse(m.replace(/^\uFEFF/, '')) as { event: { id: string } }).event.id);
}

interface Figures {
  receiver: string;
  transport: string;
  options: string;
  alertsSent: number;
  received: number;
  uniqueDelivered: number;
  missing: number;
  duplicated: number;
  resentByTorwatch: number;
  outageMs: number;
  backlogAtRestart: number;
  drainMs: number;
  reconnectAfterRestartMs: number;
  sendBacklogMs: number;
  inOrder: boolean;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function outage(receiver: 'rsyslog' | 'syslog-ng', kind: 'tcp' | 'tls', extra = ''): Promise<Figures> {
  const dir = mkdtempSync(join(tmpdir(), `tw5-outage-${receiver}-${kind}-`));
  dirs.push(dir);
  const port = await freePort();
  const input: InputSpec = { name: kind, kind, port };
  const certs = kind === 'tls' ? makeCerts(join(dir, 'pki')) : undefined;
  const tls = certs ? { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireClientCert: true } : undefined;
  const rx = receiver === 'rsyslog' ? new Rsyslog(join(dir, 'rx'), [input], tls) : new SyslogNg(join(dir, 'rx'), [input], tls);
  await rx.start();
  const fileOut = join(dir, 'alerts.ndjson');
  const url = kind === 'tcp'
    ? `syslog+tcp://127.0.0.1:${port}?spool-dir=${dir}/spool${extra}`
    : `syslog+tls://localhost:${port}?ca=${certs!.ca}&cert=${certs!.clientCert}&key=${certs!.clientKey}&spool-dir=${dir}/spool${extra}`;
  const cap = alertingCapture({ flows: FLOWS, spacingUs: 2000 });
  const child = spawn(process.execPath, [BIN, 'replay', ...NO_RELAYS, '--rate-limit', '0', '-o', fileOut, '-o', url, '-'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));

  // Drain: time from the restart until the receiver holds every alert written before it (polled
  // every 20 ms while the feed goes on).
  const fieldsPath = rx.fields(kind);
  let drainMs = -1;
  let drainedAt = 0;
  const measureDrain = async (): Promise<void> => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const got = new Set(idsOf(readFields(fieldsPath, { afterKill: true }).map((f) => f.msg)));
      if (backlogIds.every((id) => got.has(id))) {
        drainedAt = Date.now();
        drainMs = drainedAt - restartAt;
        return;
      }
      await sleep(20);
    }
  };
  const events: Promise<void>[] = [];
  let restartAt = 0;
  let backlogIds: string[] = [];
  let receivedBeforeRestart = 0;
  events.push((async () => {
    await sleep(KILL_AT_MS);
    await rx.stop('SIGKILL');
    await sleep(RESTART_AT_MS - KILL_AT_MS);
    backlogIds = idsOf(readLines(fileOut));
    receivedBeforeRestart = new Set(idsOf(readFields(rx.fields(kind), { afterKill: true }).map((f) => f.msg))).size;
    await rx.start();
    restartAt = Date.now();
    await measureDrain();
  })());
  // Feed the capture over FEED_MS, in small pieces.
  child.stdin.write(cap.header);
  const pieces = 200;
  const per = Math.ceil(cap.records.length / pieces);
  for (let i = 0; i < pieces; i++) {
    child.stdin.write(Buffer.concat(cap.records.slice(i * per, (i + 1) * per)));
    await sleep(FEED_MS / pieces);
  }
  child.stdin.end();
  await Promise.all(events);
  // Then everything (the alerts after the restart too) before torwatch exits.
  const until = Date.now() + 60_000;
  while (Date.now() < until && new Set(idsOf(readFields(fieldsPath, { afterKill: true }).map((f) => f.msg))).size < FLOWS) await sleep(100);

  const code = await exited;
  expect(code, stderr).toBe(0);
  await sleep(500);
  await rx.stop('SIGTERM');

  const want = idsOf(readLines(fileOut));
  const received = idsOf(readFields(fieldsPath, { afterKill: true }).map((f) => f.msg));
  const seen = new Set<string>();
  const firsts: string[] = [];
  for (const id of received) {
    if (!seen.has(id)) firsts.push(id);
    seen.add(id);
  }
  const summary = JSON.parse(stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number | string>[] } };
  const syslogStats = summary.summary.outputs.find((o) => String(o.target).startsWith('syslog'))!;
  // When torwatch's reconnect got through (its own log line), to split the drain time into the
  // backoff wait and the sending of the backlog.
  const back = stderr.split('\n').filter((l) => l.includes('receiver is back')).map((l) => JSON.parse(l) as { time: number });
  return {
    receiver,
    transport: kind,
    options: extra || '(defaults: resend=10)',
    alertsSent: want.length,
    received: received.length,
    uniqueDelivered: seen.size,
    missing: want.filter((id) => !seen.has(id)).length,
    duplicated: received.length - seen.size,
    resentByTorwatch: Number(syslogStats.resent),
    outageMs: RESTART_AT_MS - KILL_AT_MS,
    backlogAtRestart: backlogIds.length - receivedBeforeRestart,
    drainMs,
    reconnectAfterRestartMs: back.length ? back[0].time - restartAt : -1,
    sendBacklogMs: back.length ? drainedAt - back[0].time : -1,
    inOrder: JSON.stringify(firsts) === JSON.stringify(want),
  };
}

describe('receiver killed (SIGKILL) mid-stream and restarted: every alert arrives, in order', () => {
  // The last case shows the trade-off of a short resend window: fewer duplicates, less margin.
  for (const [receiver, kind, extra] of [['rsyslog', 'tcp', ''], ['rsyslog', 'tls', ''], ['syslog-ng', 'tcp', ''], ['rsyslog', 'tcp', '&resend=1']] as const) {
    it(`${receiver} over ${kind}${extra ? ` (${extra.slice(1)})` : ''}`, async () => {
      const f = await outage(receiver, kind, extra);
      console.log(`outage figures: ${JSON.stringify(f)}`);
      expect(f.alertsSent).toBe(FLOWS);
      expect(f.missing).toBe(0);
      expect(f.uniqueDelivered).toBe(FLOWS);
      expect(f.inOrder).toBe(true);
      expect(f.drainMs).toBeGreaterThanOrEqual(0);
      // Duplicates come only from the resend window after the break.
      expect(f.duplicated).toBeLessThanOrEqual(f.resentByTorwatch);
    }, 120_000);
  }
});
