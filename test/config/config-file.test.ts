import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOptions, settingsFrom } from '../../src/cli/settings-from-cli.js';
import { CAPTURE_OPTIONS } from '../../src/config/capture-options.js';
import { trustProblem } from '../../src/config/config-trust.js';
import { COMMON_OPTIONS } from '../../src/config/options.js';
import type { Settings } from '../../src/config/settings.js';
import { requireUnderCi } from '../support/ci.js';
import { field, PCAPS, ROOT, runCli } from '../support/run-cli.js';

requireUnderCi('config trust tests through the CLI', process.geteuid?.() === 0 ? undefined : 'not root (they chown files to other users)');

/**
 * The config file: every option is a key, validated by the same code as the command line, with errors
 * that name the file, line and key; the command line overrides it; and a file others could modify is
 * refused.
 */
const SPECS = [...COMMON_OPTIONS, ...CAPTURE_OPTIONS];
let tmp = '';
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'tw6-config-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, text: string, mode = 0o644): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
}

/** Settings as `torwatch capture` would build them, in process. */
async function captureSettings(args: string[]): Promise<Settings> {
  const cmd = addOptions(new Command('capture').exitOverride(), SPECS);
  cmd.parse(args, { from: 'user' });
  return settingsFrom(cmd, SPECS);
}

/** A valid and an invalid value for every option, and where the valid one lands. */
const EXAMPLES: Record<string, { good: string; bad: string; check: (s: Settings) => unknown; want: unknown }> = {
  relays: { good: '[/var/lib/torwatch/consensus]', bad: '', check: (s) => s.relays, want: ['/var/lib/torwatch/consensus'] },
  intel: { good: '[/etc/torwatch/intel.csv]', bad: '', check: (s) => s.intel, want: ['/etc/torwatch/intel.csv'] },
  bridges: { good: '[/etc/torwatch/bridges.txt]', bad: '', check: (s) => s.bridges, want: ['/etc/torwatch/bridges.txt'] },
  'home-net': { good: '[10.0.0.0/8, 2001:db8::/32]', bad: '[10.0.0.0/33]', check: (s) => s.homeNet, want: ['10.0.0.0/8', '2001:db8::/32'] },
  output: { good: '[/var/log/torwatch/alerts.ndjson]', bad: '', check: (s) => s.output, want: ['/var/log/torwatch/alerts.ndjson'] },
  rules: { good: '[tor-port-private]', bad: '[nope]', check: (s) => s.rules, want: ['tor-port-private'] },
  'disable-rules': { good: 'tor-relay,tor-exit', bad: 'nope', check: (s) => s.disableRules, want: ['tor-relay', 'tor-exit'] },
  allow: { good: '[192.0.2.10]', bad: '', check: (s) => s.allow, want: ['192.0.2.10'] },
  'log-level': { good: 'warn', bad: 'loud', check: (s) => s.logLevel, want: 'warn' },
  'max-flows': { good: '5000', bad: '-1', check: (s) => s.maxFlows, want: 5000 },
  workers: { good: '2', bad: '0', check: (s) => s.workers, want: 2 },
  'community-id-seed': { good: '7', bad: '70000', check: (s) => s.communityIdSeed, want: 7 },
  'sensor-name': { good: 'span-dc1', bad: '', check: (s) => s.sensorName, want: 'span-dc1' },
  progress: { good: 'never', bad: 'sometimes', check: (s) => s.progress, want: 'never' },
  interface: { good: '[eth1, eth2]', bad: '[eth/1]', check: (s) => s.capture.interfaces, want: ['eth1', 'eth2'] },
  snaplen: { good: '1514', bad: '10', check: (s) => s.capture.snaplen, want: 1514 },
  promisc: { good: 'false', bad: 'maybe', check: (s) => s.capture.promisc, want: false },
  'buffer-size': { good: '256', bad: '0', check: (s) => s.capture.bufferMiB, want: 256 },
  bpf: { good: '"tcp or udp"', bad: '" "', check: (s) => s.capture.bpf, want: 'tcp or udp' },
  immediate: { good: 'on', bad: 'soon', check: (s) => s.capture.immediate, want: true },
  'capture-backend': { good: 'cap', bad: 'libpcap', check: (s) => s.capture.backend, want: 'cap' },
  user: { good: 'torwatch', bad: '"to rwatch"', check: (s) => s.capture.user, want: 'torwatch' },
  metrics: { good: '"[::1]:9464"', bad: 'metrics.example:9464', check: (s) => s.capture.metrics, want: { host: '::1', port: 9464, loopback: true } },
  'stats-interval': { good: '0', bad: '1.5', check: (s) => s.capture.statsIntervalSec, want: 0 },
  'suppress-window': { good: '600', bad: '-5', check: (s) => s.suppressWindow, want: 600 },
  'rate-limit': { good: '0', bad: 'lots', check: (s) => s.rateLimit, want: 0 },
  'spool-dir': { good: '/var/lib/torwatch/spool', bad: '', check: (s) => s.spoolDir, want: '/var/lib/torwatch/spool' },
  'spool-size': { good: '1G', bad: '10k', check: (s) => s.spoolSize, want: 1024 ** 3 },
  'syslog-facility': { good: 'local3', bad: 'local9', check: (s) => s.syslogFacility, want: 19 },
  'syslog-app-name': { good: 'torwatch-dc1', bad: '"has space"', check: (s) => s.syslogAppName, want: 'torwatch-dc1' },
  'syslog-hostname': { good: 'sensor1.example.net', bad: '"bad host"', check: (s) => s.syslogHostname, want: 'sensor1.example.net' },
  'relays-cache': { good: '/var/cache/torwatch', bad: '', check: (s) => s.relaysCache, want: '/var/cache/torwatch' },
  'relays-refresh': { good: '30m', bad: '1s', check: (s) => s.relaysRefreshMs, want: 30 * 60_000 },
  'relays-stale-grace': { good: '12h', bad: 'later', check: (s) => s.relaysStaleGraceMs, want: 12 * 3_600_000 },
  'relays-early-grace': { good: '30m', bad: 'soon', check: (s) => s.relaysEarlyGraceMs, want: 30 * 60_000 },
  'relays-max-age': { good: '6h', bad: '-1h', check: (s) => s.relaysMaxAgeMs, want: 6 * 3_600_000 },
  'relays-fetch-timeout': { good: '90s', bad: '0s', check: (s) => s.relaysFetchTimeoutMs, want: 90_000 },
  'relays-max-size': { good: '64M', bad: '12', check: (s) => s.relaysMaxBytes, want: 64 * 1024 * 1024 },
};

describe('every option is a config-file key', () => {
  it('the examples cover every option', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual(SPECS.map((s) => s.key).sort());
  });

  for (const spec of SPECS) {
    it(`${spec.key}: a good value lands in the settings; a bad one names the file, line and key`, async () => {
      const ex = EXAMPLES[spec.key];
      const good = file(`good-${spec.key}.yml`, `# comment\n${spec.key}: ${ex.good}\n`);
      expect(ex.check(await captureSettings(['-c', good]))).toEqual(ex.want);
      if (ex.bad) {
        const bad = file(`bad-${spec.key}.yml`, `# comment\n${spec.key}: ${ex.bad}\n`);
        await expect(captureSettings(['-c', bad])).rejects.toThrow(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 2: key '${spec.key}': .+`));
      }
    });
  }

  it('the example config in systemd/ is valid and mentions every option', async () => {
    const copy = join(tmp, 'torwatch.yml');
    copyFileSync(join(ROOT, 'systemd/torwatch.yml'), copy);
    chmodSync(copy, 0o644);
    const s = await captureSettings(['-c', copy]);
    expect(s.capture.interfaces).toEqual(['eth1']);
    expect(s.output).toEqual(['/var/log/torwatch/alerts.ndjson']);
    expect(s.capture.metrics).toMatchObject({ host: '127.0.0.1', port: 9464 });
    const text = (await import('node:fs')).readFileSync(copy, 'utf8');
    for (const spec of SPECS) expect(text, spec.key).toMatch(new RegExp(`^#? ?${spec.key}:`, 'm'));
  });

  it('the command line overrides the file, key by key', async () => {
    const cfg = file('override.yml', 'interface: [eth1]\nsnaplen: 1514\nhome-net: [10.0.0.0/8]\n');
    const s = await captureSettings(['-c', cfg, '-i', 'eth9', '--snaplen', '9000']);
    expect(s.capture.interfaces).toEqual(['eth9']);
    expect(s.capture.snaplen).toBe(9000);
    expect(s.homeNet).toEqual(['10.0.0.0/8']);
  });
});

describe('config errors through the real CLI (one line, status 2)', () => {
  it('capture: a bad value', async () => {
    const cfg = file('cli-bad.yml', 'interface: eth1\nbuffer-size: lots\n');
    const r = await runCli(['capture', '-c', cfg], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`torwatch: ${cfg}: line 2: key 'buffer-size': 'lots' is not a whole number of MiB from 1 to 2047\n`);
  });

  it('capture: an unknown key names its line', async () => {
    const cfg = file('cli-unknown.yml', 'interface: eth1\n\ninterfaces: eth2\n');
    const r = await runCli(['capture', '-c', cfg], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^torwatch: ${cfg}: line 3: unknown key 'interfaces' \\(did you mean 'interface'\\?\\)$`, 'm'));
  });

  it('capture without any interface says how to name one', async () => {
    const r = await runCli(['capture'], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('torwatch: capture: name at least one interface with -i (see `torwatch interfaces`)\n');
  });

  it('replay reads a config file made for the daemon, ignoring the capture-only keys', async () => {
    const cfg = file('shared.yml', 'interface: eth1\nsnaplen: 1514\nmetrics: 127.0.0.1:9464\nhome-net: [198.51.100.0/24]\n');
    const r = await runCli(['replay', '-c', cfg, join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    // home-net from the file: the 198.51.100.5 server is home, the 10.x client is not.
    const a = r.alerts.find((x) => field(x, 'destination.ip') === '198.51.100.5');
    expect(field(a!, 'network.direction')).toBe('inbound');
    const o = await runCli(['replay', '-c', cfg, '--home-net', '10.0.0.0/8', join(PCAPS, 'tor-port-mix.pcap')]);
    expect(field(o.alerts.find((x) => field(x, 'destination.ip') === '198.51.100.5')!, 'network.direction')).toBe('outbound');
  });
});

describe('a config file others can modify is refused', () => {
  const euid = process.geteuid!();

  it('the rule, case by case', () => {
    const f = (mode: number, uid = 0, gid = 0) => trustProblem({ mode: 0o100000 | mode, uid, gid }, euid, 'file');
    const d = (mode: number, uid = 0, gid = 0) => trustProblem({ mode: 0o040000 | mode, uid, gid }, euid, 'directory');
    expect(f(0o644)).toBeUndefined();
    expect(f(0o640, 0, 1234)).toBeUndefined();
    expect(f(0o664, 0, 0)).toBeUndefined(); // group root: only root-equivalent users
    expect(f(0o664, 0, 1234)).toMatch(/group 1234 can write the file \(mode 0664\)/);
    expect(f(0o646)).toMatch(/other users can write the file \(mode 0646\)/);
    expect(f(0o644, 4321)).toMatch(/owned by uid 4321, not by root or the user running torwatch/);
    expect(f(0o644, euid)).toBeUndefined();
    expect(d(0o1777)).toBeUndefined(); // /tmp: sticky
    expect(d(0o777)).toMatch(/other users can write the directory \(mode 0777\)/);
    expect(d(0o775, 0, 1234)).toMatch(/group 1234 can write the directory/);
  });

  it.skipIf(process.geteuid?.() !== 0)('through the CLI: world-writable, group-writable, foreign-owned file; world-writable directory', async () => {
    const world = file('world.yml', 'log-level: info\n', 0o666);
    let r = await runCli(['replay', '-c', world, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`torwatch: ${world}: refusing the config file: other users can write the file (mode 0666); chmod o-w it\n`);
    expect(r.stdout).toBe('');

    const group = file('group.yml', 'log-level: info\n', 0o664);
    chownSync(group, 0, 65534);
    r = await runCli(['capture', '-c', group], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing the config file: group 65534 can write the file (mode 0664)');

    const foreign = file('foreign.yml', 'log-level: info\n', 0o644);
    chownSync(foreign, 65534, 65534);
    r = await runCli(['capture', '-c', foreign], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing the config file: the file is owned by uid 65534');

    const openDir = join(tmp, 'open-dir');
    mkdirSync(openDir);
    chmodSync(openDir, 0o777);
    const inOpen = join(openDir, 'c.yml');
    writeFileSync(inOpen, 'log-level: info\n');
    chmodSync(inOpen, 0o644);
    r = await runCli(['capture', '-c', inOpen], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`torwatch: ${inOpen}: refusing the config file: ${openDir}: other users can write the directory (mode 0777); chmod o-w it\n`);
  });
});
