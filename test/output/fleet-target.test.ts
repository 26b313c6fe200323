/**
 * relp://, redis://, rediss:// and nats:// targets: defaults, {sensor} in keys and subjects, each
 * one's own spool directory, passwords masked in what is shown, and bad values refused with one line
 * naming the target and the parameter (also through the real CLI: exit 2, before any packet).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseReportSource } from '../../src/report/source-url.js';
import { redactTarget } from '../../src/output/target-params.js';
import { parseTarget, type OutputDefaults } from '../../src/output/target.js';
import { PCAPS, runCli } from '../support/run-cli.js';

const D: OutputDefaults = { spoolBase: '/var/spool/tw', spoolBytes: 1 << 20, facility: 16, appName: 'torwatch', hostname: 'sensor-host', sensor: 'dc1.span' };

describe('fleet targets', () => {
  it('relp://: port required, BOM off, window 128, max-size 64k, TLS on request', () => {
    expect(parseTarget('relp://collector.example:2514', D)).toMatchObject({
      kind: 'relp', host: 'collector.example', port: 2514, maxSize: 65536, tls: undefined,
      syslog: { bom: false, hostname: 'sensor-host', facility: 16 },
      acked: { window: 128, spoolDir: '/var/spool/tw/relp-collector.example-2514', ackTimeoutMs: 30_000, drainTimeoutMs: 10_000 },
    });
    expect(parseTarget('relp://[::1]:2514?tls=true&ca=/etc/ca.pem&window=16&bom=true&ack-timeout=5', D)).toMatchObject({ host: '::1', tls: { ca: '/etc/ca.pem', verify: true }, syslog: { bom: true }, acked: { window: 16, ackTimeoutMs: 5000 } });
  });

  it('redis://: list by default, the database from the path, {sensor} in the key, stream cap', () => {
    expect(parseTarget('redis://10.0.0.5', D)).toMatchObject({ kind: 'redis', host: '10.0.0.5', port: 6379, db: 0, key: 'torwatch:alerts', mode: 'list', acked: { window: 1024 } });
    const t = parseTarget('redis://u:p%40ss@10.0.0.5:6380/4?key=tw:{sensor}:alerts&mode=stream&maxlen=5000', D);
    expect(t).toMatchObject({ kind: 'redis', db: 4, user: 'u', password: 'p@ss', key: 'tw:dc1.span:alerts', keyTemplate: 'tw:{sensor}:alerts', mode: 'stream', maxlen: 5000, acked: { spoolDir: '/var/spool/tw/redis-10.0.0.5-6380-4-tw_dc1.span_alerts' } });
    expect(t.target).toBe('redis://u:***@10.0.0.5:6380/4?key=tw:{sensor}:alerts&mode=stream&maxlen=5000');
    expect(parseTarget('rediss://r.example/1?ca=/etc/ca.pem&cert=/c.pem&key-file=/k.pem', D)).toMatchObject({ kind: 'redis', tls: { ca: '/etc/ca.pem', cert: '/c.pem', key: '/k.pem' }, acked: { spoolDir: '/var/spool/tw/rediss-r.example-6379-1-torwatch_alerts' } });
  });

  it("nats://: {sensor} per subject token (a dot becomes _), the user's ways to authenticate", () => {
    expect(parseTarget('nats://n.example', D)).toMatchObject({ kind: 'nats', port: 4222, subject: 'torwatch.alerts.dc1_span', subjectTemplate: 'torwatch.alerts.{sensor}', auth: { kind: 'none' }, acked: { window: 256 } });
    expect(parseTarget('nats://alice:pw@n.example?subject=siem.{sensor}.tw', D)).toMatchObject({ subject: 'siem.dc1_span.tw', auth: { kind: 'user', user: 'alice', pass: 'pw' } });
    const tok = parseTarget('nats://s3cr3t@n.example', D);
    expect(tok).toMatchObject({ auth: { kind: 'token', token: 's3cr3t' } });
    expect(tok.target).toBe('nats://***@n.example');
  });

  it('refuses what it does not understand, naming the target and the parameter', () => {
    const bad: [string, RegExp][] = [
      ['relp://collector.example', /needs a port: relp:\/\/host:port/],
      ['relp://u:p@c:2514', /RELP has no user or password/],
      ['relp://c:2514?ca=/x.pem', /ca is a TLS parameter; add tls=true/],
      ['relp://c:2514?tls=true&cert=/c.pem', /cert and key go together/],
      ['relp://c:2514?max-size=2M', /over the spool's record limit/],
      ['relp://c:2514?window=0', /window='0' is not a whole number from 1 to 65536/],
      ['relp://c:2514?spool=x', /unknown parameter 'spool'/],
      ['redis://r/x', /path '\/x' is not a database number/],
      ['redis://r?mode=hash', /mode='hash' is not list or stream/],
      ['redis://r?maxlen=10', /maxlen caps a stream; it needs mode=stream/],
      ['redis://r?key=tw:{host}', /'\{host\}' is not a placeholder \(only \{sensor\} is\)/],
      ['redis://r?ca=/x.pem', /unknown parameter 'ca'/],
      ['redis://:pw@r?password-file=/etc/pw', /a password in the URL and a password-file: give one/],
      ['redis://r?password-file=/nonexistent/pw', /password-file \/nonexistent\/pw: cannot read \(ENOENT\)/],
      ['nats://n?subject=a..b', /is not a NATS subject to publish to/],
      ['nats://n?subject=tw.*', /is not a NATS subject to publish to/],
      ['nats://u:p@n?token-file=/t', /give one way to authenticate/],
      ['nats://n?creds=/nonexistent.creds', /creds \/nonexistent\.creds: cannot read/],
      ['kafka://broker:9092', /unknown output scheme 'kafka:\/\/'/],
    ];
    for (const [t, re] of bad) expect(() => parseTarget(t, D), t).toThrow(re);
  });

  it('passwords and tokens never reach what is shown', () => {
    expect(redactTarget('redis://default:hunter2@r:6379/0')).toBe('redis://default:***@r:6379/0');
    expect(redactTarget('rediss://:hunter2@r')).toBe('rediss://:***@r');
    expect(redactTarget('nats://tok@n:4222?subject=x')).toBe('nats://***@n:4222?subject=x');
    expect(redactTarget('redis://user@r')).toBe('redis://user@r');
    expect(() => parseTarget('redis://u:hunter2@r?mode=bad', D)).toThrow(/^--output redis:\/\/u:\*\*\*@r\?mode=bad: /);
  });

  it('the report takes the same URLs, with {sensor} as every sensor', () => {
    expect(parseReportSource('redis://u:pw@r:6380/2?key=tw:{sensor}&mode=stream&spool-dir=/x')).toMatchObject({ kind: 'redis', shown: 'redis://u:***@r:6380/2?key=tw:{sensor}&mode=stream&spool-dir=/x', server: { db: 2, password: 'pw' }, key: 'tw:{sensor}', pattern: 'tw:*' });
    expect(parseReportSource('redis://r?key=a*b:{sensor}')).toMatchObject({ pattern: 'a\\*b:*' });
    expect(parseReportSource('nats://n?subject=torwatch.alerts.{sensor}')).toMatchObject({ kind: 'nats', subject: 'torwatch.alerts.*' });
    expect(parseReportSource('nats://n?stream=TORWATCH')).toMatchObject({ kind: 'nats', stream: 'TORWATCH' });
    expect(parseReportSource('alerts.ndjson')).toEqual({ kind: 'file', path: 'alerts.ndjson' });
    expect(() => parseReportSource('nats://n')).toThrow(/say what to read/);
  });
});

describe('bad fleet targets and sensor names on the command line', () => {
  it('exit 2 with one line naming the target, before reading any input', async () => {
    for (const [args, re] of [
      [['-o', 'relp://127.0.0.1'], /^torwatch: --output relp:\/\/127\.0\.0\.1: needs a port/],
      [['-o', 'redis://:hunter2@127.0.0.1:1/?mode=queue'], /^torwatch: --output redis:\/\/:\*\*\*@127\.0\.0\.1:1\/\?mode=queue: mode='queue' is not list or stream$/],
      [['-o', 'nats://127.0.0.1?subject=a b'], /is not a NATS subject/],
      [['--sensor-name', 'dc1/span', '-o', '-'], /--sensor-name: 'dc1\/span' is not a sensor name/],
    ] as const) {
      const r = await runCli(['replay', ...args, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(r.code, args.join(' ')).toBe(2);
      const human = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
      expect(human, args.join(' ')).toHaveLength(1);
      expect(human[0], args.join(' ')).toMatch(re);
      expect(r.stderr).not.toMatch(/hunter2/);
    }
  });
});
