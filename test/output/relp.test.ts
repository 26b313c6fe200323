/**
 * relp:// against rsyslog's imrelp, configured by the repo's own siem/rsyslog/torwatch-relp-in.conf:
 * a replay of the regression captures arrives field for field as the file output writes it, in order
 * and once; the same over TLS with a client certificate imrelp checks by name; and a receiver that
 * does not trust torwatch's certificate gets nothing while the alerts wait in the spool.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { RelpReceiver } from '../support/fleet-servers.js';
import { makeCerts, readLines } from '../support/receivers.js';
import { logLines, PCAPS, runCli } from '../support/run-cli.js';

const CAPTURES = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort().map((f) => join(PCAPS, f));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitAlerts(rx: RelpReceiver, n: number, ms = 20_000): Promise<Record<string, unknown>[]> {
  const until = Date.now() + ms;
  while (rx.alerts().length < n && Date.now() < until) await sleep(50);
  return rx.alerts();
}

function outputStats(stderr: string, prefix: string): Record<string, number | string> {
  const s = logLines(stderr).find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
  return s.summary.outputs.find((o) => String(o.target).startsWith(prefix))!;
}

describe('relp:// to rsyslog imrelp', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  let extra: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-relp-'));
    certs = makeCerts(join(dir, 'pki'));
    extra = join(dir, 'sixty-flows.pcap');
    writeFileSync(extra, alertingCapture({ flows: 60 }).bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the regression captures arrive field for field as the file output has them, in order, once', async () => {
    const rx = new RelpReceiver(join(dir, 'rx-plain'));
    await rx.start();
    try {
      const file = join(dir, 'plain.ndjson');
      const r = await runCli(['replay', '--relays', join(PCAPS, 'tor-private-net.consensus'), '-o', file, '-o', `relp://127.0.0.1:${rx.port}?spool-dir=${dir}/spool-plain`, ...CAPTURES, extra], { text: true });
      expect(r.code, r.stderr).toBe(0);
      const want = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(want.length).toBeGreaterThan(100);
      // Every alert was confirmed before torwatch exited: it is in rsyslog's file already.
      expect(rx.alerts()).toEqual(want);
      expect(outputStats(r.stderr, 'relp://')).toMatchObject({ written: want.length, sent: want.length, delivered: want.length, resent: 0, failed: 0, spooled: 0, connects: 1 });
    } finally {
      await rx.stop();
    }
  });

  it('over TLS, with a client certificate imrelp checks by name', async () => {
    const rx = new RelpReceiver(join(dir, 'rx-tls'), { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, permittedPeer: 'torwatch-sensor' });
    await rx.start();
    try {
      const file = join(dir, 'tls.ndjson');
      const url = `relp://localhost:${rx.port}?tls=true&ca=${certs.ca}&cert=${certs.clientCert}&key=${certs.clientKey}&spool-dir=${dir}/spool-tls`;
      const r = await runCli(['replay', '-o', file, '-o', url, ...CAPTURES.slice(0, 6), extra], { text: true });
      expect(r.code, r.stderr).toBe(0);
      const want = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(await waitAlerts(rx, want.length)).toEqual(want);
      expect(outputStats(r.stderr, 'relp://')).toMatchObject({ delivered: want.length, spooled: 0 });
    } finally {
      await rx.stop();
    }
  });

  it('a receiver whose certificate torwatch cannot verify gets nothing; the alerts stay spooled for a fixed one', async () => {
    const rx = new RelpReceiver(join(dir, 'rx-tls2'), { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, permittedPeer: 'torwatch-sensor' });
    await rx.start();
    try {
      const spool = `${dir}/spool-badca`;
      const bad = `relp://localhost:${rx.port}?tls=true&ca=${certs.otherCa}&cert=${certs.clientCert}&key=${certs.clientKey}&spool-dir=${spool}&drain-timeout=1`;
      const r = await runCli(['replay', '-o', bad, extra], { text: true });
      // Exit 3: the input was read but the alerts wait in the spool (README: exit codes).
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^torwatch: relp:.*: 0 of 60 alerts delivered; 60 wait in its spool/m);
      expect(logLines(r.stderr).some((l) => l.level === 50 && /RELP: cannot deliver/.test(String(l.msg)) && /certificate/i.test(String(l.err)))).toBe(true);
      expect(outputStats(r.stderr, 'relp://')).toMatchObject({ written: 60, delivered: 0, spooled: 60 });
      expect(rx.alerts()).toEqual([]);
      // Same spool, the right CA: the 60 go first.
      const good = `relp://localhost:${rx.port}?tls=true&ca=${certs.ca}&cert=${certs.clientCert}&key=${certs.clientKey}&spool-dir=${spool}`;
      const again = await runCli(['replay', '-o', good, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(again.code, again.stderr).toBe(0);
      expect((await waitAlerts(rx, 64)).length).toBe(64);
    } finally {
      await rx.stop();
    }
  });
});
