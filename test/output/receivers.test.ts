/**
 * Every syslog transport against two real receivers, rsyslog and syslog-ng, on loopback: a replay of
 * the regression captures goes to a file output and, in the same run, to UDP, TCP (octet counting),
 * TCP (LF), TLS (mutual, verified) and a unix datagram socket, in RFC 5424 (with and without the BOM)
 * and RFC 3164. What each receiver parsed is compared field for field with the file output.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { alertingCapture } from '../support/alert-capture.js';
import { freePort, makeCerts, readFields, readLines, Rsyslog, SyslogNg, syslogNgAvailable, waitLines, type InputSpec, type ReceivedFields } from '../support/receivers.js';
import { PCAPS, runCli } from '../support/run-cli.js';

const BOM = '\uFEFF';
const CAPTURES = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort().map((f) => join(PCAPS, f));

interface Case {
  input: InputSpec;
  /** Output URL without host/port-specific parts filled in. */
  url: (i: InputSpec) => string;
  format: 'rfc5424' | 'rfc3164';
  bom: boolean;
  facility: number;
}

const SEVERITY: Record<string, string> = { critical: '2', high: '3', medium: '4', low: '5' };

/** The receiver's msg, without the BOM when one is expected there. */
function body(f: ReceivedFields, c: Case, receiver: string): string {
  let m = f.msg;
  // rsyslog hands the BOM on as part of msg; syslog-ng strips it (it is not part of the text).
  if (c.format === 'rfc5424' && c.bom && receiver === 'rsyslog') {
    expect(m.startsWith(BOM), 'rsyslog keeps the BOM in msg').toBe(true);
    m = m.slice(1);
  }
  // RFC 3164 has no MSG/CONTENT separator beyond "TAG[PID]:"; receivers keep the space after it.
  if (c.format === 'rfc3164') m = m.replace(/^ /, '');
  expect(m.startsWith(BOM), 'no BOM left in the JSON').toBe(false);
  return m;
}

for (const receiver of ['rsyslog', 'syslog-ng'] as const) {
  describe(`syslog outputs against ${receiver}`, () => {
    let dir: string;
    let rx: Rsyslog | SyslogNg;
    let cases: Case[];
    let fileAlerts: Record<string, unknown>[];
    let run: Awaited<ReturnType<typeof runCli>>;
    let certs: ReturnType<typeof makeCerts>;

    beforeAll(async () => {
      if (receiver === 'syslog-ng' && !syslogNgAvailable()) throw new Error('syslog-ng is not unpacked: run `bash scripts/get-syslog-ng.sh` (as .ci/run does)');
      dir = mkdtempSync(join(tmpdir(), `tw5-${receiver}-`));
      certs = makeCerts(join(dir, 'pki'));
      const tlsQ = (i: InputSpec): string => `syslog+tls://localhost:${i.port}?ca=${certs.ca}&cert=${certs.clientCert}&key=${certs.clientKey}&facility=local3&bom=true&spool-dir=${dir}/spool-tls`;
      cases = [
        // bom=false is the default (README: rsyslog keeps a BOM in %msg%); tcp and tls ask for it.
        { input: { name: 'udp', kind: 'udp', port: await freePort() }, url: (i) => `syslog+udp://127.0.0.1:${i.port}?facility=local1`, format: 'rfc5424', bom: false, facility: 17 },
        { input: { name: 'udp3164', kind: 'udp', port: await freePort() }, url: (i) => `syslog+udp://127.0.0.1:${i.port}?format=rfc3164&facility=daemon`, format: 'rfc3164', bom: false, facility: 3 },
        { input: { name: 'tcp', kind: 'tcp', port: await freePort() }, url: (i) => `syslog+tcp://127.0.0.1:${i.port}?bom=true&spool-dir=${dir}/spool-tcp`, format: 'rfc5424', bom: true, facility: 16 },
        { input: { name: 'tcplf', kind: 'tcp-lf', port: await freePort() }, url: (i) => `syslog+tcp://127.0.0.1:${i.port}?framing=lf&bom=false&facility=local2&spool-dir=${dir}/spool-lf`, format: 'rfc5424', bom: false, facility: 18 },
        { input: { name: 'tls', kind: 'tls', port: await freePort() }, url: tlsQ, format: 'rfc5424', bom: true, facility: 19 },
        { input: { name: 'unix', kind: 'unix', path: join(dir, 'log.sock') }, url: (i) => `syslog://${i.path}?facility=local4`, format: 'rfc5424', bom: false, facility: 20 },
      ];
      const tls = { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireClientCert: true };
      rx = receiver === 'rsyslog' ? new Rsyslog(join(dir, 'rx'), cases.map((c) => c.input), tls) : new SyslogNg(join(dir, 'rx'), cases.map((c) => c.input), tls);
      await rx.start();
      const outs = cases.flatMap((c) => ['-o', c.url(c.input)]);
      // Volume beyond the regression captures: 60 more alerting flows (kept small enough that a UDP
      // burst fits the receiver's socket buffer on loopback).
      const extra = join(dir, 'sixty-flows.pcap');
      writeFileSync(extra, alertingCapture({ flows: 60 }).bytes);
      run = await runCli(['replay', '--syslog-hostname', 'sensor-01.example', '-o', join(dir, 'alerts.ndjson'), ...outs, ...CAPTURES, extra], { text: true });
      fileAlerts = readLines(join(dir, 'alerts.ndjson')).map((l) => JSON.parse(l) as Record<string, unknown>);
    });

    afterAll(async () => {
      await rx?.stop('SIGTERM');
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the replay succeeded and wrote alerts, summary alerts among them', () => {
      expect(run.code, run.stderr).toBe(0);
      expect(fileAlerts.length).toBeGreaterThan(65);
      expect(fileAlerts.some((a) => (a.torwatch as Record<string, unknown>).aggregate)).toBe(true);
    });

    for (const name of ['udp', 'udp3164', 'tcp', 'tcplf', 'tls', 'unix']) {
      it(`${name}: every alert arrived, in order, identical to the file output, header as configured`, async () => {
        const c = cases.find((x) => x.input.name === name)!;
        await waitLines(rx.fields(name), fileAlerts.length);
        const got = readFields(rx.fields(name));
        expect(got.length, `${receiver} log: ${rx.log}`).toBe(fileAlerts.length);
        const seqs: number[] = [];
        got.forEach((f, i) => {
          const want = fileAlerts[i];
          expect(JSON.parse(body(f, c, receiver))).toEqual(want);
          const tw = want.torwatch as Record<string, string>;
          expect(Number(f.facility)).toBe(c.facility);
          expect(f.severity).toBe(SEVERITY[tw.severity]);
          expect(Number(f.pri)).toBe(c.facility * 8 + Number(SEVERITY[tw.severity]));
          expect(f.hostname).toBe('sensor-01.example');
          expect(f.appname).toBe('torwatch');
          expect(f.procid).toMatch(/^\d+$/);
          if (c.format === 'rfc5424') {
            // A summary of repeats is <rule-id>.summary, so a receiver's filter on the rule id counts detections only.
            const kind = (want.event as Record<string, string>).kind;
            expect(f.msgid).toBe((want.rule as Record<string, string>).id + (kind === 'event' ? '.summary' : ''));
            expect(f.sd).toContain('[origin software="torwatch" swVersion="');
            seqs.push(Number(/sequenceId="(\d+)"/.exec(f.sd)?.[1]));
            // The header time is the alert's @timestamp, cut to microseconds (RFC 5424 6.2.3).
            expect(new Date(f.timestamp).getTime()).toBe(new Date(String(want['@timestamp'])).getTime());
          }
        });
        if (c.format === 'rfc5424') expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      });
    }

    it('the raw bytes on the wire are RFC 5424 with the BOM where configured', () => {
      const raw = readLines(rx.raw('tcp'));
      expect(raw.length).toBe(fileAlerts.length);
      for (const line of raw) expect(line).toMatch(/^<\d{1,3}>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z sensor-01\.example torwatch \d+ [a-z.-]+ \[origin [^\]]+\]\[meta sequenceId="\d+"\] \uFEFF\{/);
      for (const line of readLines(rx.raw('tcplf'))) expect(line).toMatch(/\] \{"@timestamp"/);
    });

    it('torwatch report reads what the receiver stored (syslog header, BOM) and gives the same report as the file', async () => {
      const fromFile = await runCli(['report', '--json', join(dir, 'alerts.ndjson')], { text: true });
      for (const name of ['tcp', 'udp3164']) {
        const fromRx = await runCli(['report', '--json', rx.raw(name)], { text: true });
        expect(fromRx.code, fromRx.stderr).toBe(0);
        expect((JSON.parse(fromRx.stdout) as { hosts: unknown }).hosts).toEqual((JSON.parse(fromFile.stdout) as { hosts: unknown }).hosts);
      }
    });

    it('the run summary counts every alert as delivered on the stream outputs', () => {
      const summary = run.stderr.split('\n').filter((l) => l.includes('"run summary"')).map((l) => JSON.parse(l) as { summary: { outputs: Record<string, number | string>[] } })[0].summary;
      for (const o of summary.outputs) {
        if (String(o.target).startsWith('syslog+tcp') || String(o.target).startsWith('syslog+tls')) {
          expect(o.delivered, String(o.target)).toBe(fileAlerts.length);
          expect(o.spooled).toBe(0);
          expect(o.resent).toBe(0);
        }
        expect(o.failed, String(o.target)).toBe(0);
      }
    });
  });
}

describe('TLS verification', () => {
  let dir: string;
  let rx: Rsyslog;
  let port: number;
  let certs: ReturnType<typeof makeCerts>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw5-tlsv-'));
    certs = makeCerts(join(dir, 'pki'));
    port = await freePort();
    rx = new Rsyslog(join(dir, 'rx'), [{ name: 'tls', kind: 'tls', port }], { ca: certs.ca, cert: certs.serverCert, key: certs.serverKey, requireClientCert: false });
    await rx.start();
  });
  afterAll(async () => {
    await rx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a receiver whose certificate is not from the given CA: nothing sent, alerts kept in the spool, an error logged', async () => {
    const spool = join(dir, 'spool-bad');
    const r = await runCli(['replay', '-o', '/dev/null', '-o', `syslog+tls://localhost:${port}?ca=${certs.otherCa}&spool-dir=${spool}&drain-timeout=1`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    // Nothing delivered: exit 3 and a line saying where the alerts wait.
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^torwatch: syslog\+tls:.*: 0 of 4 alerts delivered; 4 wait in its spool/m);
    expect(r.stderr).toMatch(/"level":50.*cannot reach the receiver/);
    expect(r.stderr).toMatch(/certificate|UNABLE_TO_VERIFY|self.signed/i);
    expect(r.stderr).toMatch(/stay in the spool/);
    expect(readLines(rx.fields('tls'))).toEqual([]);
  });

  it('refuses a certificate for another name (servername checked)', async () => {
    const r = await runCli(['replay', '-o', '/dev/null', '-o', `syslog+tls://127.0.0.1:${port}?ca=${certs.ca}&servername=collector.example&spool-dir=${join(dir, 'spool-name')}&drain-timeout=1`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.stderr).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match|altnames/i);
    expect(readLines(rx.fields('tls'))).toEqual([]);
  });

  it('delivers with the right CA to the IP in the certificate, and with verify=false (warned) to anything', async () => {
    const ok = await runCli(['replay', '-o', `syslog+tls://127.0.0.1:${port}?ca=${certs.ca}&spool-dir=${join(dir, 'spool-ok')}`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(ok.code, ok.stderr).toBe(0);
    const insecure = await runCli(['replay', '-o', `syslog+tls://127.0.0.1:${port}?verify=false&spool-dir=${join(dir, 'spool-insecure')}`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(insecure.stderr).toMatch(/NOT verified/);
    const got = await waitLines(rx.fields('tls'), 8);
    expect(got.length).toBe(8);
  });

  it('the earlier refused alerts are still in their spool and go out once the CA is right', async () => {
    const spool = join(dir, 'spool-bad');
    expect(readdirSync(spool).some((f) => f.endsWith('.seg') && readFileSync(join(spool, f)).length > 0)).toBe(true);
    const r = await runCli(['replay', '-o', `syslog+tls://localhost:${port}?ca=${certs.ca}&spool-dir=${spool}`, join(PCAPS, 'ipv6-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const got = await waitLines(rx.fields('tls'), 12);
    expect(got.length).toBe(12);
  });
});

describe('UDP size limit', () => {
  let dir: string;
  let rx: Rsyslog;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw5-udpsize-'));
    port = await freePort();
    rx = new Rsyslog(join(dir, 'rx'), [{ name: 'udp', kind: 'udp', port }]);
    await rx.start();
  });
  afterAll(async () => {
    await rx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an alert larger than max-size is never cut: not sent, counted as oversize, logged at error level', async () => {
    const r = await runCli(['replay', '-o', join(dir, 'file.ndjson'), '-o', `syslog+udp://127.0.0.1:${port}?max-size=1200`, '-o', `syslog+udp://127.0.0.1:${port}?max-size=65507&app-name=big`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    // An output that sent nothing: one line, exit 3.
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`torwatch: syslog+udp://127.0.0.1:${port}?max-size=1200: 4 alerts did not reach a receiver (4 over max-size)\n`);
    const sizes = readLines(join(dir, 'file.ndjson')).map((l) => Buffer.byteLength(l));
    expect(Math.min(...sizes)).toBeGreaterThan(1200);
    const summary = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    expect(summary.summary.outputs[1]).toMatchObject({ written: 0, sent: 0, oversize: 4, failed: 4 });
    expect(summary.summary.outputs[2]).toMatchObject({ written: 4, sent: 4, oversize: 0, failed: 0 });
    expect(r.stderr).toMatch(/"level":50.*alert larger than max-size NOT sent \(never cut\)/);
    const got = await waitLines(rx.fields('udp'), 4);
    expect(got.length).toBe(4);
    expect(readFields(rx.fields('udp')).every((f) => f.appname === 'big')).toBe(true);
  });
});
