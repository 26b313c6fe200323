/**
 * Issue 15 points 10-14, through the real CLI: an output that delivered nothing is a line and exit 3;
 * a closed stdout is a normal end; files replayed out of time order draw one warning; a terminal gets
 * a human run summary (pino-pretty) while pipes keep JSON; and the small things of point 14.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, readFields, Rsyslog, waitLines } from '../support/receivers.js';
import { EMPTY_CACHE_HOME, logLines, PCAPS, ROOT, runCli } from '../support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ux-manners-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const BIN = join(ROOT, 'bin/torwatch.js');
const human = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));

/** Run a shell pipeline; the exit status of each command (bash PIPESTATUS) and stderr. */
function pipeline(cmd: string): { statuses: number[]; stderr: string } {
  const r = spawnSync('bash', ['-c', `${cmd}; echo "\${PIPESTATUS[*]}" >&3`], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE_HOME } });
  const statuses = String((r.output as (string | null)[])[3] ?? '').trim().split(/\s+/).map(Number);
  return { statuses, stderr: r.stderr };
}

describe('point 10: an output that delivered nothing', () => {
  it('a syslog+tcp receiver that never answers: one line naming it and what waits in the spool, exit 3; the file output has every alert', async () => {
    const port = await freePort(); // nothing listens there
    const url = `syslog+tcp://127.0.0.1:${port}?drain-timeout=1&spool-dir=${join(tmp, 'spool')}`;
    const file = join(tmp, 'alerts.ndjson');
    const r = await runCli(['replay', '-o', file, '-o', url, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(3);
    expect(human(r.stderr)).toEqual([`torwatch: ${url}: 0 of 4 alerts delivered; 4 wait in its spool for the next run with this output`]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(4);
  });

  it('every output delivered: exit 0, no such line', async () => {
    const r = await runCli(['replay', '-o', join(tmp, 'ok.ndjson'), join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect([r.code, human(r.stderr)]).toEqual([0, []]);
  });
});

describe('point 11: a closed stdout is a normal end', () => {
  // `| true` closes the pipe before torwatch writes (node takes longer to start than true to exit),
  // so every write meets EPIPE: what `| head -2` does by chance, whenever head exits first.
  it.each([
    ['capture --help | true', `node ${BIN} capture --help | true`],
    ['replay --help | true', `node ${BIN} replay --help | true`],
    ['interfaces | true', `node ${BIN} interfaces | true`],
    ['rules | true', `node ${BIN} rules | true`],
    ['relays show | true', `node ${BIN} relays show | true`],
    ['report --json | true', `node ${BIN} replay -o ${join(tmp, 'r.ndjson')} ${join(PCAPS, 'dns-names.pcap')} 2>/dev/null && node ${BIN} report --json ${join(tmp, 'r.ndjson')} | true`],
  ])('%s: exit 0, nothing on stderr', (_name, cmd) => {
    const r = pipeline(cmd);
    expect(r.stderr).toBe('');
    expect(r.statuses.every((x) => x === 0)).toBe(true);
  });

  it('replay | head -c 1: alerts stop, the run finishes (summary logged), exit 0', () => {
    const r = pipeline(`node ${BIN} replay --suppress-window 0 ${join(PCAPS, 'dns-names.pcap')} | head -c 1`);
    expect(r.statuses[0]).toBe(0);
    expect(human(r.stderr)).toEqual([]);
    expect(logLines(r.stderr).some((l) => l.msg === 'run summary')).toBe(true);
  });
});

describe('point 12: files whose clocks go backwards', () => {
  it('one warning naming the files and what it does to flow state; none when they are in time order', async () => {
    const dns = join(PCAPS, 'dns-names.pcap');
    const web = join(PCAPS, 'web-names.pcap');
    // tshark, independently: web-names starts after dns-names ends.
    const first = (f: string): number => Number(execFileSync('tshark', ['-r', f, '-c', '1', '-T', 'fields', '-e', 'frame.time_epoch'], { encoding: 'utf8' }).trim());
    expect(first(web)).toBeGreaterThan(first(dns));
    const back = await runCli(['replay', '-o', join(tmp, 'b.ndjson'), web, dns], { text: true });
    expect(back.code).toBe(0);
    const warns = logLines(back.stderr).filter((l) => l.level === 40 && String(l.msg).includes('starts at'));
    expect(warns).toHaveLength(1);
    expect(warns[0]).toMatchObject({ file: dns, before: web, otherFiles: 0 });
    expect(String(warns[0].msg)).toMatch(/idle timeouts and suppression windows wait until the clock passes .* is joined to that flow \(one alert, not two\)/);
    const inOrder = await runCli(['replay', '-o', join(tmp, 'c.ndjson'), dns, web], { text: true });
    expect(logLines(inOrder.stderr).filter((l) => String(l.msg).includes('starts at'))).toEqual([]);
  });
});

describe('point 13: a human run summary on a terminal, JSON for pipes', () => {
  it('under a terminal (script(1) gives torwatch a pty): no JSON lines, the summary as a block', () => {
    const out = join(tmp, 'tty.ndjson');
    const r = spawnSync('script', ['-qec', `node ${BIN} replay -o ${out} ${join(PCAPS, 'tor-port-mix.pcap')}`, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE_HOME, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    const lines = r.stdout.replace(/\r/g, '').split('\n').filter((l) => l.trim());
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    expect(lines).toContainEqual(expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: run summary$/));
    expect(lines).toContainEqual(expect.stringMatching(/^torwatch: \d+ packets, [\d.]+ MB in [\d.]+ s/));
    expect(lines).toContainEqual('  alerts: 4 (tor-port-private 4)');
    expect(r.stdout.length).toBeLessThan(3000);
  });

  it('through a pipe: the run summary is one JSON line, as journald and log shippers want', async () => {
    const r = await runCli(['replay', '-o', join(tmp, 'p.ndjson'), join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    const summary = logLines(r.stderr).find((l) => l.msg === 'run summary');
    expect(summary).toMatchObject({ summary: { alerts: { total: 4 } } });
    expect(r.stderr).not.toMatch(/^torwatch: \d+ packets/m);
  });
});

describe('point 14', () => {
  it('a config typo suggests the nearest key instead of listing them all', async () => {
    const cfg = join(tmp, 'typo.yml');
    writeFileSync(cfg, 'home_net: [10.0.0.0/8]\n', { mode: 0o600 });
    const r = await runCli(['replay', '-c', cfg, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect([r.code, human(r.stderr)]).toEqual([2, [`torwatch: ${cfg}: line 1: unknown key 'home_net' (did you mean 'home-net'?)`]]);
  });

  it('capture --help does not offer --progress (replay does)', async () => {
    expect((await runCli(['capture', '--help'], { text: true })).stdout).not.toContain('--progress');
    expect((await runCli(['replay', '--help'], { text: true })).stdout).toContain('--progress');
  });

  it('relays update takes the fetch options', async () => {
    const r = await runCli(['relays', 'update', '--help'], { text: true });
    expect(r.stdout).toContain('--relays-fetch-timeout <duration>');
    expect(r.stdout).toContain('--relays-max-size <bytes>');
  });

  it('by default no BOM: rsyslog as shipped hands a JSON parser the alert as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ux-bom-'));
    const port = await freePort();
    const rx = new Rsyslog(join(dir, 'rx'), [{ name: 'udp', kind: 'udp', port }]);
    await rx.start();
    try {
      const r = await runCli(['replay', '-o', `syslog+udp://127.0.0.1:${port}`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
      expect(r.code, r.stderr).toBe(0);
      await waitLines(rx.fields('udp'), 4);
      for (const f of readFields(rx.fields('udp'))) {
        expect(f.msg.startsWith('{')).toBe(true);
        expect((JSON.parse(f.msg) as { rule: { id: string } }).rule.id).toBe('tor-port-private');
      }
    } finally {
      await rx.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
