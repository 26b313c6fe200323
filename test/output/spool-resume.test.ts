/**
 * The spool across torwatch runs, with a real rsyslog: alerts that could not be delivered stay on
 * disk and go first, in order, when torwatch next runs with that output; a torwatch killed with
 * SIGKILL loses nothing that reached the spool; SIGTERM delivers what was queued before exiting.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { freePort, readFields, readLines, Rsyslog, waitLines } from '../support/receivers.js';
import { NO_RELAYS, PCAPS, ROOT, runCli } from '../support/run-cli.js';

const BIN = join(ROOT, 'bin', 'torwatch.js');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const idsOfLines = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l.replace(/^\uFEFF/, '')) as { event: { id: string } }).event.id);
const spoolBytes = (dir: string): number => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.seg')).reduce((a, f) => a + statSync(join(dir, f)).size, 0) : 0);

describe('spool across runs (rsyslog over TCP)', () => {
  let dir: string;
  let port: number;
  let rx: Rsyslog;
  let url: (extra?: string) => string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw5-resume-'));
    port = await freePort();
    rx = new Rsyslog(join(dir, 'rx'), [{ name: 'tcp', kind: 'tcp', port }]);
    url = (extra = '') => `syslog+tcp://127.0.0.1:${port}?spool-dir=${join(dir, 'spool')}${extra}`;
  });
  afterAll(async () => {
    await rx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('receiver down for a whole run: the run ends after the drain timeout, the alerts stay in the spool, one line says so, exit 3', async () => {
    const r = await runCli(['replay', '-o', join(dir, 'run1.ndjson'), '-o', url('&drain-timeout=1'), join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`torwatch: ${url('&drain-timeout=1')}: 0 of 4 alerts delivered; 4 wait in its spool for the next run with this output\n`);
    expect(r.stderr).toMatch(/cannot reach the receiver; spooling to disk/);
    expect(r.stderr).toMatch(/stay in the spool and are sent first at the next start/);
    const summary = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    expect(summary.summary.outputs[1]).toMatchObject({ written: 4, delivered: 0, spooled: 4, failed: 0, dropped: 0 });
    expect(spoolBytes(join(dir, 'spool'))).toBeGreaterThan(0);
  });

  it('the next run, with the receiver up, sends the spooled alerts first, then its own, in order, once', async () => {
    await rx.start();
    const r = await runCli(['replay', '-o', join(dir, 'run2.ndjson'), '-o', url(), join(PCAPS, 'two-interfaces.pcapng')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/alerts from an earlier run are in the spool/);
    const want = [...idsOfLines(readLines(join(dir, 'run1.ndjson'))), ...idsOfLines(readLines(join(dir, 'run2.ndjson')))];
    await waitLines(rx.fields('tcp'), want.length);
    expect(idsOfLines(readFields(rx.fields('tcp')).map((f) => f.msg))).toEqual(want);
    // Everything confirmed by the clean close: the spool holds nothing any more.
    expect(spoolBytes(join(dir, 'spool'))).toBe(0);
  });

  it('torwatch killed with SIGKILL while the receiver is down: the next start delivers everything it had spooled', async () => {
    await rx.stop('SIGKILL');
    const before = readFields(rx.fields('tcp')).length;
    const cap = alertingCapture({ flows: 400, startSec: 1_763_900_000 });
    const fileOut = join(dir, 'run3.ndjson');
    const child = spawn(process.execPath, [BIN, 'replay', ...NO_RELAYS, '--rate-limit', '0', '-o', fileOut, '-o', url(), '-'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
    child.stdin.write(cap.header);
    for (let i = 0; i < 20; i++) {
      child.stdin.write(Buffer.concat(cap.records.slice(i * 20, (i + 1) * 20)));
      await sleep(50);
    }
    await sleep(300);
    child.kill('SIGKILL');
    await closed;
    const written = idsOfLines(readLines(fileOut));
    expect(written.length).toBeGreaterThan(300);
    expect(existsSync(join(dir, 'spool', 'lock'))).toBe(true); // left behind by the killed process
    await rx.start();
    const r = await runCli(['replay', '-o', url(), join(PCAPS, 'ipv6-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/taking over a stale lock/);
    await waitLines(rx.fields('tcp'), before + written.length);
    const got = idsOfLines(readFields(rx.fields('tcp')).slice(before).map((f) => f.msg));
    // Everything the file output got is delivered, in order (the spool may hold a few more: it is
    // written before the file, within the same flush).
    expect(got.slice(0, written.length)).toEqual(written);
    expect(spoolBytes(join(dir, 'spool'))).toBe(0);
  });

  it('SIGTERM in the middle of a stream: what was read is delivered before exit', async () => {
    const before = readFields(rx.fields('tcp')).length;
    const cap = alertingCapture({ flows: 1000, startSec: 1_763_950_000 });
    const fileOut = join(dir, 'run4.ndjson');
    const child = spawn(process.execPath, [BIN, 'replay', ...NO_RELAYS, '--rate-limit', '0', '-o', fileOut, '-o', url(), '-'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    child.stdin.on('error', () => undefined);
    child.stdin.write(cap.header);
    for (let i = 0; i < 10; i++) {
      child.stdin.write(Buffer.concat(cap.records.slice(i * 50, (i + 1) * 50)));
      await sleep(50);
    }
    // SIGTERM once the 500 alerts fed so far were read (a loaded machine may need more than a moment):
    // what is still in the pipe unread is not torwatch's to deliver.
    for (let i = 0; i < 200 && readLines(fileOut).length < 500; i++) await sleep(100);
    await sleep(100);
    child.kill('SIGTERM');
    expect(await closed, stderr).toBe(0);
    const written = idsOfLines(readLines(fileOut));
    expect(written.length).toBeGreaterThanOrEqual(500);
    expect(written.length).toBeLessThan(1000);
    const lines = await waitLines(rx.fields('tcp'), before + written.length, 20_000);
    expect(idsOfLines(lines.slice(before).map((l) => (JSON.parse(l) as { msg: string }).msg))).toEqual(written);
    const summary = JSON.parse(stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    expect(summary.summary.outputs[1]).toMatchObject({ written: written.length, delivered: written.length, spooled: 0 });
  });

  it('a full spool drops the newest alerts, counts them and says so loudly', async () => {
    await rx.stop();
    const cap = join(dir, 'many.pcap');
    writeFileSync(cap, alertingCapture({ flows: 300, startSec: 1_764_000_000 }).bytes);
    const r = await runCli(['replay', '--rate-limit', '0', '-o', '/dev/null', '-o', `syslog+tcp://127.0.0.1:${port}?spool-dir=${join(dir, 'spool-small')}&spool-size=256k&drain-timeout=0.5`, cap], { text: true });
    // Alerts dropped and others undelivered: exit 3, with the line that says both.
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^torwatch: syslog\+tcp:.*: 0 of 300 alerts delivered; \d+ wait in its spool for the next run with this output; \d+ dropped \(spool full\)$/m);
    const summary = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    const o = summary.summary.outputs[1];
    expect(o.dropped).toBeGreaterThan(0);
    expect(o.written + o.dropped).toBe(300);
    expect(o.failed).toBe(o.dropped);
    expect(spoolBytes(join(dir, 'spool-small'))).toBeLessThanOrEqual(256 * 1024);
    expect(r.stderr).toMatch(/"level":50.*SPOOL FULL: alerts DROPPED/);
    expect(r.stderr).toMatch(/some alerts could not be written/);
    expect(readFileSync(join(dir, 'spool-small', 'ack'), 'utf8')).toMatch(/^\d+ \d+\n$/);
  });
});
