/**
 * The rsyslog configurations in siem/rsyslog/ pass rsyslog's own validation (`rsyslogd -N1`), with
 * Debian's rsyslog-relp and rsyslog-kafka loaded. The Kafka one is tested only this way: no Kafka
 * broker runs here. (The RELP-in configuration also receives real alerts in test/output/relp.test.ts.)
 * A copy with a typo fails the same check, so a pass means something.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tw12-rsyslog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function validate(path: string): { code: number | null; out: string } {
  const r = spawnSync('/usr/sbin/rsyslogd', ['-N1', '-f', path], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('siem/rsyslog configurations', () => {
  for (const name of ['torwatch-relp-in.conf', 'torwatch-relp-to-kafka.conf']) {
    it(`${name} passes rsyslogd -N1`, () => {
      const path = join(ROOT, 'siem', 'rsyslog', name);
      const r = validate(path);
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/End of config validation run/);
      expect(r.out).not.toMatch(/error|could not load/i);
      const broken = join(dir, name);
      writeFileSync(broken, readFileSync(path, 'utf8').replace('module(load="imrelp")', 'module(load="imrelp")\ninput(type="imrelp" port="1" notAParameter="x")'));
      expect(validate(broken).code).not.toBe(0);
    });
  }

  it('the Kafka configuration loads omkafka and keys messages on event.id', () => {
    const text = readFileSync(join(ROOT, 'siem', 'rsyslog', 'torwatch-relp-to-kafka.conf'), 'utf8');
    expect(text).toMatch(/module\(load="omkafka"\)/);
    expect(text).toMatch(/%\$!event!id%/);
    expect(text).toMatch(/queue\.type="Disk"/);
  });
});
