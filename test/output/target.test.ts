/** --output target parsing, backoff, and bad targets as one-line errors from the real CLI. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/output/backoff.js';
import { defaultSpoolBase, parseSize, parseTarget, type OutputDefaults } from '../../src/output/target.js';
import { PCAPS, runCli } from '../support/run-cli.js';

const D: OutputDefaults = { spoolBase: '/var/spool/tw', spoolBytes: 1 << 20, facility: 16, appName: 'torwatch', hostname: 'h', sensor: 'h' };

describe('parseTarget', () => {
  it('stdout, plain paths and file:// URLs with rotation', () => {
    expect(parseTarget('-', D)).toEqual({ kind: 'stdout', target: '-' });
    expect(parseTarget('alerts.ndjson', D)).toMatchObject({ kind: 'file', path: 'alerts.ndjson', fsync: 'none' });
    expect(parseTarget('file:///var/log/tw/a%20b.ndjson?rotate-size=100M&rotate-keep=3&fsync=batch', D)).toMatchObject({ kind: 'file', path: '/var/log/tw/a b.ndjson', rotateBytes: 100 * 1024 * 1024, rotateKeep: 3, fsync: 'batch' });
  });

  it('syslog URLs: default ports, IPv6 literals, per-output parameters over the defaults', () => {
    expect(parseTarget('syslog+udp://10.0.0.1', D)).toMatchObject({ kind: 'udp', host: '10.0.0.1', port: 514, maxSize: 8192, syslog: { facility: 16, format: 'rfc5424', bom: false } });
    expect(parseTarget('syslog+tcp://[2001:db8::5]:1514?framing=lf&facility=local3&app-name=tw', D)).toMatchObject({ kind: 'tcp', host: '2001:db8::5', port: 1514, stream: { framing: 'lf', spoolDir: '/var/spool/tw/tcp-2001_db8__5-1514', resendMs: 10_000 }, syslog: { facility: 19, appName: 'tw' } });
    expect(parseTarget('syslog+tls://collector.example?ca=/etc/ca.pem&servername=siem', D)).toMatchObject({ kind: 'tls', port: 6514, ca: '/etc/ca.pem', servername: 'siem', verify: true, stream: { framing: 'octet-counting' } });
    expect(parseTarget('syslog:///dev/log?format=rfc3164', D)).toMatchObject({ kind: 'unix', path: '/dev/log', syslog: { format: 'rfc3164' } });
  });

  it('refuses what it does not understand, naming the target and the parameter', () => {
    const bad: [string, RegExp][] = [
      ['syslog+tcp://h?framing=crlf', /framing='crlf' is not octet-counting or lf/],
      ['syslog+tls://h?framing=lf', /RFC 5425.*octet-counting framing only/],
      ['syslog+udp://h?spool-dir=/x', /unknown parameter 'spool-dir'/],
      ['syslog+udp://h?max-size=70000', /exceeds the largest UDP datagram/],
      ['syslog+tcp://h?facility=local9', /facility='local9'/],
      ['syslog+tcp://h?hostname=a%20b', /printable US-ASCII/],
      ['syslog+tcp://h:99999', /not a valid URL|is not 1-65535/],
      ['syslog+tcp://h?spool-size=12', /spool-size='12' is not a size of at least 65536/],
      ['syslog+tcp://h?resend=soon', /resend='soon' is not a number of seconds/],
      ['syslog://dev/log', /three slashes/],
      ['syslog+tcp://h/path', /unexpected path/],
      ['kafka://broker:9092', /unknown output scheme 'kafka:\/\/'/],
      ['syslog+tcp://h?enterprise-id=abc', /enterprise-id='abc'/],
      ['syslog+tcp://h?bom=maybe', /bom='maybe' is not true\/false/],
      ['syslog+tcp://h?facility=1&facility=2', /given twice/],
      // Issue 14, point 11: every unknown parameter named, not only the first.
      ['syslog+tcp://h?foo=1&bar=2', /unknown parameters 'foo', 'bar' \(known here: /],
      ['syslog+udp://h?foo=1&max-size=9000&bar=2&foo=3', /unknown parameters 'foo', 'bar' \(/],
    ];
    for (const [t, re] of bad) expect(() => parseTarget(t, D), t).toThrow(re);
  });

  it('sizes and the default spool location', () => {
    expect(parseSize('64k')).toBe(65536);
    expect(parseSize('1.5M')).toBe(1.5 * 1024 * 1024);
    expect(parseSize('1GiB')).toBe(1024 ** 3);
    expect(parseSize('lots')).toBeUndefined();
    expect(defaultSpoolBase({ STATE_DIRECTORY: '/var/lib/torwatch:/other' })).toBe('/var/lib/torwatch/spool');
    expect(defaultSpoolBase({ XDG_STATE_HOME: '/home/u/.state' })).toMatch(process.getuid?.() === 0 ? /^\/var\/lib\/torwatch\/spool$/ : /^\/home\/u\/\.state\/torwatch\/spool$/);
  });
});

describe('Backoff', () => {
  it('grows exponentially to the cap, with half of each step random, and resets', () => {
    const lo = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
    const hi = new Backoff({ baseMs: 100, maxMs: 1000, random: () => 0.999999 });
    expect([1, 2, 3, 4, 5, 6].map(() => lo.next())).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map(() => hi.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    lo.reset();
    expect(lo.next()).toBe(50);
    const real = new Backoff({ baseMs: 100, maxMs: 1000 });
    const seen = new Set(Array.from({ length: 20 }, () => (real.reset(), real.next())));
    expect(seen.size).toBeGreaterThan(1); // jitter
  });
});

describe('the new options in a config file', () => {
  it('suppress-window, rate-limit, syslog and spool options are config keys too', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'tw5-conf-'));
    const conf = join(dir, 'torwatch.yaml');
    writeFileSync(conf, 'suppress-window: 0\nrate-limit: 2\nsyslog-facility: local6\nsyslog-app-name: tw\nspool-size: 1M\nspool-dir: ' + join(dir, 'spool') + '\n');
    const r = await runCli(['replay', '--config', conf, join(PCAPS, 'tor-port-mix.pcap'), join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts).toHaveLength(2); // rate limit 2 per minute, no summaries (window 0)
    writeFileSync(conf, 'syslog-facility: local9\n');
    const bad = await runCli(['replay', '--config', conf, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/key 'syslog-facility': 'local9' is not a facility/);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('bad --output values on the command line', () => {
  it('exit 2 with one line naming the target, before reading any input', async () => {
    for (const [target, re] of [
      ['syslog+tcp://127.0.0.1:514?framing=crlf', /^torwatch: --output syslog\+tcp:\/\/127\.0\.0\.1:514\?framing=crlf: framing='crlf'/],
      ['syslog+tls://localhost?ca=/nonexistent/ca.pem', /^torwatch: \/nonexistent\/ca\.pem: cannot read CA certificate \(ENOENT\)$/m],
      ['syslog+tls://localhost?cert=/etc/hostname', /cert and key go together/],
      ['/nonexistent-dir/alerts.ndjson', /cannot open output file: its directory does not exist/],
    ] as const) {
      const r = await runCli(['replay', '-o', target, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(r.code, target).toBe(2);
      // One human line; JSON log lines (e.g. "no relay list") may come before it.
      const human = r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'));
      expect(human, target).toHaveLength(1);
      expect(human[0], target).toMatch(re);
    }
  });

  it('bad common options too', async () => {
    for (const [args, re] of [
      [['--syslog-facility', 'mail2'], /--syslog-facility: 'mail2' is not a facility/],
      [['--spool-size', '1k'], /--spool-size: '1k' is not a size of at least 64k/],
      [['--suppress-window', '-1'], /--suppress-window: '-1' is not a whole number/],
      [['--rate-limit', 'many'], /--rate-limit: 'many'/],
    ] as const) {
      const r = await runCli(['replay', ...args, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
    }
  });
});
