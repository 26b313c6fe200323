import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { logLines, PCAPS, runCli } from '../support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw-cli-'));
const good = join(PCAPS, 'tor-port-mix.pcap');

/** A one-line, stack-free message on stderr (JSON log lines aside). */
function humanLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
}

describe('CLI exit codes and one-line errors (SPEC.md)', () => {
  it('exits 0 and prints only alerts on stdout, a JSON run summary on stderr', async () => {
    const r = await runCli(['replay', good]);
    expect(r.code).toBe(0);
    expect(r.alerts.length).toBe(4);
    const summary = logLines(r.stderr).find((l) => l.msg === 'run summary')?.summary as Record<string, unknown>;
    // capinfos (Wireshark) counts the packets independently.
    const packets = Number(execFileSync('capinfos', ['-M', '-c', '-r', '-T', good]).toString().trim().split('\t').pop());
    expect(summary).toMatchObject({ packets, alerts: { total: 4, byRule: { 'tor-port-private': 4 } } });
    expect(summary.flows).toMatchObject({ created: expect.any(Number) });
  });

  it.each([
    ['a missing file', ['replay', join(tmp, 'nope.pcap')], /nope\.pcap.*(no such file|not found|does not exist)/i],
    ['an empty file', ['replay', '__EMPTY__'], /empty/i],
    ['random bytes', ['replay', '__RANDOM__'], /not a (pcap|capture)|unknown|magic/i],
    ['an unknown option', ['replay', '--bogus', good], /unknown option/i],
    ['a bad CIDR', ['replay', '--home-net', '10.0.0.0/33', good], /--home-net.*prefix/],
    ['an unknown rule', ['replay', '--rules', 'tor-nope', good], /unknown rule id 'tor-nope'/],
    ['no file at all', ['replay'], /missing required argument/i],
  ])('exits 2 with one line for %s', async (_name, args, pattern) => {
    writeFileSync(join(tmp, 'empty.pcap'), '');
    writeFileSync(join(tmp, 'random.bin'), Buffer.from('this is not a capture at all, just text\n'));
    const argv = args.map((a) => (a === '__EMPTY__' ? join(tmp, 'empty.pcap') : a === '__RANDOM__' ? join(tmp, 'random.bin') : a));
    const r = await runCli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe('');
  });

  it('a truncated file: alerts found before the damage are written, one line names file and packet, exit 2', async () => {
    const bytes = readFileSync(good);
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 30));
    const r = await runCli(['replay', cut]);
    expect(r.code).toBe(2);
    expect(r.alerts.length).toBe(4);
    const lines = humanLines(r.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('cut.pcap');
    expect(lines[0]).toMatch(/packet \d+/);
    expect(lines[0]).toMatch(/truncated/i);
  });

  it('a bad file among good ones: the good ones are still read, exit 2', async () => {
    writeFileSync(join(tmp, 'random.bin'), Buffer.from('garbage garbage garbage garbage'));
    const r = await runCli(['replay', good, join(tmp, 'random.bin'), join(PCAPS, 'tor-port-mix.pcapng')]);
    expect(r.code).toBe(2);
    expect(r.alerts.length).toBe(8);
  });

  it('reads stdin with -', async () => {
    const r = await runCli(['replay', '-'], { stdin: readFileSync(join(PCAPS, 'tor-port-mix.pcapng.gz')) });
    expect(r.code).toBe(0);
    expect(r.alerts.length).toBe(4);
    expect(r.alerts.every((a) => (a.torwatch as { input: { name: string } }).input.name === '-')).toBe(true);
  });

  it('writes to a file output, same alerts as stdout, whole lines', async () => {
    const out = join(tmp, 'alerts.ndjson');
    const r = await runCli(['replay', '--output', out, good]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n').map((l) => (JSON.parse(l) as { rule: { id: string } }).rule.id)).toEqual(Array(4).fill('tor-port-private'));
  });

  it('an output path that cannot be opened is a one-line usage error', async () => {
    const r = await runCli(['replay', '--output', join(tmp, 'no/such/dir/a.ndjson'), good]);
    expect(r.code).toBe(2);
    expect(humanLines(r.stderr)[0]).toMatch(/cannot open output file/);
  });

  it('replays give identical alerts every time (packet clock, deterministic ids)', async () => {
    const a = await runCli(['replay', good]);
    const b = await runCli(['replay', good]);
    expect(a.stdout).toBe(b.stdout);
  });

  it('--rules / --disable-rules select rules', async () => {
    expect((await runCli(['replay', '--disable-rules', 'tor-port-private', good])).alerts).toHaveLength(0);
    expect((await runCli(['replay', '--rules', 'tor-port-private', good])).alerts).toHaveLength(4);
  });

  it('--home-net decides network.direction', async () => {
    const r = await runCli(['replay', '--home-net', '198.51.100.0/24', good]);
    const dirs = r.alerts.map((a) => (a.network as { direction: string }).direction);
    expect(dirs).toContain('inbound');
    expect(dirs).toContain('external');
  });

  it('a config file sets options; the command line overrides it; bad keys are named', async () => {
    const cfg = join(tmp, 'c.yaml');
    writeFileSync(cfg, 'disable-rules: [tor-port-private]\nlog-level: warn\n');
    expect((await runCli(['replay', '--config', cfg, good])).alerts).toHaveLength(0);
    expect((await runCli(['replay', '--config', cfg, '--disable-rules', 'tor-relay', good])).alerts).toHaveLength(4);
    writeFileSync(cfg, 'home-net: 10.0.0.0/8\nbogus-key: 1\n');
    const bad = await runCli(['replay', '--config', cfg, good]);
    expect(bad.code).toBe(2);
    expect(humanLines(bad.stderr)[0]).toMatch(/c\.yaml: line 2: unknown key 'bogus-key'/);
  });

  it('torwatch rules lists every SPEC rule id', async () => {
    const r = await runCli(['rules'], { text: true });
    expect(r.code).toBe(0);
    for (const id of ['tor-relay', 'tor-exit', 'tor-port-private', 'tor-hostname', 'torrent-hostname', 'tor-link-fingerprint']) expect(r.stdout).toContain(id);
  });

  it('--help explains replay', async () => {
    const r = await runCli(['replay', '--help'], { text: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--home-net/);
    expect(r.stdout).toMatch(/Examples/);
  });
});
