/**
 * Outputs are independent: a frozen receiver (rsyslog stopped with SIGSTOP: the kernel accepts the
 * connection and buffers until full, nobody reads), a UDP port nobody listens on and a unix socket
 * that does not exist, all in one run with a file output. The file gets every alert, the run is not
 * held up by the dead ones beyond their drain timeout, and every problem is counted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { freePort, readFields, readLines, Rsyslog, waitLines } from '../support/receivers.js';
import { runCli } from '../support/run-cli.js';

describe('a frozen or missing receiver never blocks the other outputs', () => {
  let dir: string;
  let rx: Rsyslog;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw5-indep-'));
    port = await freePort();
    rx = new Rsyslog(join(dir, 'rx'), [{ name: 'tcp', kind: 'tcp', port }]);
    await rx.start();
  });
  afterAll(async () => {
    rx?.signal('SIGCONT');
    await rx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('file output complete and run finished while rsyslog is frozen; the backlog is delivered once it thaws', async () => {
    const flows = 4000;
    const cap = join(dir, 'many.pcap');
    writeFileSync(cap, alertingCapture({ flows }).bytes);
    rx.signal('SIGSTOP');
    const deadUdp = await freePort();
    const started = Date.now();
    const r = await runCli(['replay', '--rate-limit', '0', '-o', join(dir, 'alerts.ndjson'),
      '-o', `syslog+tcp://127.0.0.1:${port}?spool-dir=${join(dir, 'spool')}&drain-timeout=2`,
      '-o', `syslog+udp://127.0.0.1:${deadUdp}`,
      '-o', `syslog://${join(dir, 'no-such.sock')}?drain-timeout=1`, cap], { text: true });
    const elapsed = Date.now() - started;
    // The input was read and the file got everything, but three outputs fell short: exit 3, a line each.
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('torwatch: '))).toHaveLength(3);
    expect(readLines(join(dir, 'alerts.ndjson')).length).toBe(flows);
    // Drain timeouts run in parallel at the end: about 2 s, not the sum, and nothing waited per alert.
    expect(elapsed).toBeLessThan(15_000);
    const summary = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    const [file, tcp, udp, unix] = summary.summary.outputs;
    expect(file).toMatchObject({ written: flows, failed: 0 });
    // Some went into the kernel's buffers before they filled; the rest waits in the spool.
    expect(tcp.written).toBe(flows);
    expect(tcp.spooled).toBeGreaterThan(0);
    expect(tcp.dropped).toBe(0);
    expect(udp.refused).toBeGreaterThan(0);
    expect(unix.failed).toBe(flows);
    expect(r.stderr).toMatch(/syslog\/unix: nobody listens on the socket/);
    expect(r.stderr).toMatch(/syslog\/udp: send failed/);

    rx.signal('SIGCONT');
    const again = await runCli(['replay', '-o', `syslog+tcp://127.0.0.1:${port}?spool-dir=${join(dir, 'spool')}`, cap, '--suppress-window', '0', '--rules', 'tor-relay'], { text: true });
    expect(again.code, again.stderr).toBe(0);
    await waitLines(rx.fields('tcp'), flows, 30_000);
    const ids = new Set(readFields(rx.fields('tcp')).map((f) => (JSON.parse(f.msg) as { event: { id: string } }).event.id));
    const want = readLines(join(dir, 'alerts.ndjson')).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);
    expect(want.every((id) => ids.has(id))).toBe(true);
  }, 90_000);
});
