/**
 * Issue 15 point 8: four distinct severity levels, the same number in event.severity and in the syslog
 * PRI. Before, critical and high were both event.severity 1 while syslog sent 2 and 3.
 */
import { describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import { EVENT_SEVERITY, RISK_SCORE } from '../../src/alert/severity.js';
import { ruleById, type Severity } from '../../src/detect/catalog.js';
import { Flow } from '../../src/flow/flow.js';
import { SyslogFormatter } from '../../src/output/syslog-message.js';
import { parseIp } from '../../src/util/ip.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, readFields, Rsyslog, waitLines } from '../support/receivers.js';
import { PCAPS, runCli } from '../support/run-cli.js';

const builder = new AlertBuilder({ observer: { hostname: 'sensor1', version: '0.1.0' }, eventIds: 'deterministic' });
const syslog = new SyslogFormatter({ format: 'rfc5424', facility: 16, appName: 'torwatch', hostname: 'sensor1', procId: '1', bom: false, version: '0.1.0' });

function alertAt(severity: Severity): Record<string, unknown> {
  const s = parseIp('10.0.0.5')!;
  const d = parseIp('203.0.113.9')!;
  const f = new Flow(1, 0, 4, 6, ...s.words, 40000, ...d.words, 443, 1_763_870_400, 0, 1_763_870_400_000);
  f.aHome = true;
  return builder.build({ rule: ruleById('tor-exit')!, flow: f, tsSec: 1_763_870_400, tsNsec: 0, packet: 1, input: 'x.pcap', message: 'm', severity });
}

describe('severity: four levels, matching syslog', () => {
  const levels: Severity[] = ['critical', 'high', 'medium', 'low'];

  it('event.severity is the syslog severity code: crit 2, err 3, warning 4, notice 5', () => {
    const got = levels.map((l) => (alertAt(l).event as { severity: number }).severity);
    expect(got).toEqual([2, 3, 4, 5]);
    expect(new Set(got).size).toBe(4);
    expect(levels.map((l) => RISK_SCORE[l])).toEqual([99, 73, 47, 21]);
  });

  it('the syslog PRI of each alert carries the same severity as its event.severity', () => {
    for (const l of levels) {
      const doc = alertAt(l);
      const pri = Number(/^<(\d+)>1 /.exec(syslog.format(JSON.stringify(doc), doc).toString('utf8'))![1]);
      expect(pri >> 3, l).toBe(16);
      expect(pri & 7, l).toBe((doc.event as { severity: number }).severity);
      expect(pri & 7, l).toBe(EVENT_SEVERITY[l]);
    }
  });

  it('`torwatch rules` shows each rule\'s severity with its event.severity and syslog name', async () => {
    const r = await runCli(['rules'], { text: true });
    expect(r.stdout).toMatch(/^tor-hostname +high \(3 err\) +73 /m);
    expect(r.stdout).toMatch(/^tor-relay +medium \(4 warning\) +47 /m);
    expect(r.stdout).toMatch(/^torrent-hostname +low \(5 notice\) +21 /m);
    const json = JSON.parse((await runCli(['rules', '--json'], { text: true })).stdout) as { id: string; eventSeverity: number }[];
    expect(json.find((x) => x.id === 'tor-exit')?.eventSeverity).toBe(4);
  });
});

describe('severity through a real syslog receiver', () => {
  it('rsyslog reads, for every alert, the syslog severity that is the alert\'s event.severity; all four levels occur', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ux-severity-'));
    const port = await freePort();
    const rx = new Rsyslog(join(dir, 'rx'), [{ name: 'udp', kind: 'udp', port }]);
    await rx.start();
    try {
      // critical: a domain indicator of confidence 90; high: tor-hostname; low: torrent-hostname; medium: tor-port-private.
      const intel = join(dir, 'intel.csv');
      writeFileSync(intel, 'indicator,type,confidence\nfoo.onion,domain,90\n');
      let sent = 0;
      for (const f of ['dns-names.pcap', 'tor-port-mix.pcap']) {
        const r = await runCli(['replay', '--intel', intel, '-o', `syslog+udp://127.0.0.1:${port}?bom=false`, join(PCAPS, f)], { text: true });
        expect(r.code, r.stderr).toBe(0);
        sent += Number(/"sent":(\d+)/.exec(r.stderr)?.[1]);
      }
      await waitLines(rx.fields('udp'), sent);
      const got = readFields(rx.fields('udp'));
      expect(got.length).toBe(sent);
      const pairs = got.map((f) => [Number(f.severity), (JSON.parse(f.msg) as { event: { severity: number } }).event.severity]);
      for (const [sys, ev] of pairs) expect(sys).toBe(ev);
      expect([...new Set(pairs.map(([s]) => s))].sort()).toEqual([2, 3, 4, 5]);
    } finally {
      await rx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
