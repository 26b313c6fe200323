/**
 * Faults around the sensor, and what the user sees for each (one line on stderr, the exit status, the
 * logs), with the last good state kept and nothing that was accepted lost:
 *  - the alert file's disk fills up (a 64 KiB tmpfs mounted here);
 *  - a directory it may not write (torwatch as nobody via setpriv; a read-only bind mount as root);
 *  - a relay URL (a server on loopback) that answers garbage, a huge body (declared, streamed, or a
 *    gzip bomb), trickles, or never answers: the size cap and the deadline hold, the cached copy is used;
 *  - the daemon's config replaced on SIGHUP by one that cannot be used (broken YAML, deleted file, a relay
 *    URL that hangs): capture goes on with the running configuration.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCAPS, ROOT } from '../fuzz/lib/corpus.js';
import { logLines, runCli, type CliResult } from '../support/run-cli.js';
import { clientServer, connectMany, Daemon, Lab, liveUnavailable, sleep, startTcpServer } from '../live/support.js';
import { writeFlood } from './flood-capture.js';
import { requireUnderCi } from '../support/ci.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw7-faults-'));
chmodSync(tmp, 0o755);
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(tmp, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;
requireUnderCi('fault tests', isRoot ? undefined : 'not root (a full disk is a tmpfs mounted here)');

/** Lines of stderr a person reads (not the JSON log). */
function human(r: { stderr: string }): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
}

function summaryOf(r: { stderr: string }): { outputs: Record<string, number | string>[]; alerts: { total: number } } {
  return logLines(r.stderr).find((l) => l.msg === 'run summary')!.summary as never;
}

function jsonLines(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  if (text.length) expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
}

// ------------------------------------------------------------------------------------- full disk

describe.skipIf(!isRoot)('the alert file\'s disk fills up', () => {
  const mnt = join(tmp, 'small-disk');
  const scan = join(tmp, 'scan.pcap');
  beforeAll(() => {
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tw7-full', mnt]);
    mounts.push(mnt);
    // 2000 flows from private hosts to :9001, each an alert (aggregation off): about 3.5 MB of alerts.
    writeFlood(scan, { scanSyns: 2000, randomTuples: 0, startSec: 1_795_000_000, spanSec: 10, hidden: [], seed: 7 });
  });

  let first: CliResult;
  it('a replay into a full disk: whole lines only, the losses counted and said in one line; the other output gets everything', async () => {
    const full = join(mnt, 'alerts.ndjson');
    const elsewhere = join(tmp, 'alerts-elsewhere.ndjson');
    first = await runCli(['replay', '--suppress-window', '0', '--rate-limit', '0', '-o', full, '-o', elsewhere, scan], { timeoutMs: 60_000 });
    expect(first.code, first.stderr.slice(0, 2000)).toBe(3);
    const [fo, eo] = summaryOf(first).outputs;
    const inFile = jsonLines(full);
    // Every line in the file is a whole alert; the counts say exactly what is there and what is not.
    expect(inFile.length).toBeGreaterThan(10);
    expect(fo).toMatchObject({ target: full, written: inFile.length, failed: 2000 - inFile.length, error: 'ENOSPC: no space left on device' });
    expect(eo).toMatchObject({ written: 2000, failed: 0 });
    expect(jsonLines(elsewhere)).toHaveLength(2000);
    expect(human(first)).toEqual([`torwatch: ${full}: ${2000 - inFile.length} of 2000 alerts could not be written (ENOSPC: no space left on device)`]);
    expect(logLines(first.stderr).filter((l) => l.msg === 'alert file write failed; alerts lost').every((l) => l.code === 'ENOSPC')).toBe(true);
  });

  it('the next run on the still-full disk leaves the earlier alerts byte for byte as they were', async () => {
    const full = join(mnt, 'alerts.ndjson');
    const before = readFileSync(full);
    const r = await runCli(['replay', '--suppress-window', '0', '--rate-limit', '0', '-o', full, join(PCAPS, 'tor-port-mix.pcap')], { timeoutMs: 60_000 });
    expect(r.code).toBe(3);
    expect(readFileSync(full).equals(before)).toBe(true);
    expect(summaryOf(r).outputs[0]).toMatchObject({ written: 0, failed: 4 });
    expect(human(r)).toEqual([`torwatch: ${full}: 4 of 4 alerts could not be written (ENOSPC: no space left on device)`]);
  });
});

// ------------------------------------------------------------------------------------- directories

/** Run the CLI as nobody:nogroup (setpriv, no supplementary groups), with no usable home. */
function asNobody(args: string[]): Promise<CliResult> {
  return runCliWrapped(['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', 'env', 'HOME=/nonexistent', process.execPath, join(ROOT, 'bin/torwatch.js'), ...args]);
}

/** runCli's checks, for a command that is wrapped (setpriv): alerts validated as ECS. */
async function runCliWrapped(cmd: string[]): Promise<CliResult> {
  const { spawn } = await import('node:child_process');
  const child = spawn(cmd[0], cmd.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const stdout = Buffer.concat(out).toString();
  return { code, stdout, stderr: Buffer.concat(err).toString(), alerts: stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe.skipIf(!isRoot)('a directory torwatch may not write', () => {
  const rootOnly = join(tmp, 'root-only');
  const ro = join(tmp, 'read-only');
  beforeAll(() => {
    mkdirSync(rootOnly, { mode: 0o755 });
    // A read-only bind mount: even root gets EROFS there.
    mkdirSync(ro);
    execFileSync('mount', ['--bind', rootOnly, ro]);
    mounts.push(ro);
    execFileSync('mount', ['-o', 'remount,bind,ro', ro]);
  });

  it('as nobody: an alert file in a root-owned directory is refused before any packet is read: exit 2, one line', async () => {
    const out = join(rootOnly, 'alerts.ndjson');
    const r = await asNobody(['replay', '-o', out, join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code).toBe(2);
    expect(human(r)).toEqual([`torwatch: ${out}: cannot open output file: permission denied`]);
    expect(r.stdout).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it('as nobody: a spool directory it cannot create is refused the same way', async () => {
    const r = await asNobody(['replay', '-o', `syslog+tcp://127.0.0.1:9?spool-dir=${join(rootOnly, 'spool')}`, join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code).toBe(2);
    expect(human(r)).toEqual([`torwatch: ${join(rootOnly, 'spool')}: cannot create spool directory (EACCES)`]);
  });

  it('as root on a read-only mount: exit 2, one line naming the file and EROFS', async () => {
    const out = join(ro, 'alerts.ndjson');
    const r = await runCli(['replay', '-o', out, join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code).toBe(2);
    const lines = human(r);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^torwatch: ${out}: cannot open output file: EROFS`));
  });

  it('as nobody with no home: a relay list fetched from a URL is used though it cannot be cached (a warning, not a failed run)', async () => {
    const srv = await relayServer();
    try {
      srv.mode = 'good';
      const r = await asNobody(['replay', '--relays', `${srv.url}#exit`, join(PCAPS, 'tor-port-mix.pcap')]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.alerts.some((a) => (a.rule as { id: string }).id === 'tor-exit')).toBe(true);
      const w = logLines(r.stderr).find((l) => String(l.msg).startsWith('relay list could not be cached'));
      expect(w).toMatchObject({ level: 40, code: 'EACCES', cache: '/nonexistent/.cache/torwatch' });
      expect(human(r)).toEqual([]);
    } finally {
      await srv.close();
    }
  });
});

// ------------------------------------------------------------------------------------- relay URLs

type Mode = 'good' | 'garbage' | 'declared-huge' | 'streamed-huge' | 'gzip-bomb' | 'silent' | 'trickle';

/** A relay-list server on loopback whose behaviour the test switches; counts bytes it managed to send. */
async function relayServer(): Promise<{ url: string; mode: Mode; sent: number; requests: number; close: () => Promise<void> }> {
  const state = { url: '', mode: 'good' as Mode, sent: 0, requests: 0, close: (): Promise<void> => Promise.resolve() };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const line = Buffer.from('198.51.100.77\n'.repeat(4096));
  const server = http.createServer((req, res) => {
    state.requests++;
    switch (state.mode) {
      case 'good':
        res.writeHead(200, { 'content-type': 'text/plain' }).end('# exit list\n198.51.100.5\n');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>\u001b[31mService temporarily unavailable</body></html>\n');
        return;
      case 'declared-huge':
        // Says 600 MB; the client must refuse before reading it.
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(600 * 1024 * 1024) });
        res.write(line);
        return;
      case 'streamed-huge': {
        // No length: chunks until the client hangs up (up to 64 MiB).
        res.writeHead(200, { 'content-type': 'text/plain' });
        const pump = (): void => {
          while (state.sent < 64 << 20) {
            state.sent += line.length;
            if (!res.write(line)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('close', () => res.removeAllListeners('drain'));
        pump();
        return;
      }
      case 'gzip-bomb': {
        // 64 MiB of one address list, gzipped to a fraction of that.
        const body = gzipSync(Buffer.concat(Array.from({ length: 1170 }, () => line)));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(body.length) }).end(body);
        return;
      }
      case 'silent':
        return; // accept, read the request, never answer
      case 'trickle': {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => res.write('1'), 200);
        timers.add(t);
        res.on('close', () => clearInterval(t));
        return;
      }
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/torbulkexitlist`;
  state.close = () => new Promise<void>((resolve) => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return state;
}

describe('a relay URL that misbehaves', () => {
  let srv: Awaited<ReturnType<typeof relayServer>>;
  const capture = join(PCAPS, 'tor-port-mix.pcap');
  beforeAll(async () => {
    srv = await relayServer();
  });
  afterAll(async () => {
    await srv.close();
  });

  const cacheDir = (): string => mkdtempSync(join(tmp, 'cache-'));
  const replay = (cache: string, extra: string[] = []): Promise<CliResult> =>
    runCli(['replay', '--relays', `${srv.url}#exit`, '--relays-cache', cache, '--rules', 'tor-exit', ...extra, capture], { timeoutMs: 60_000 });
  const exitAlerts = (r: CliResult): number => r.alerts.filter((a) => (a.rule as { id: string }).id === 'tor-exit').length;

  /** Fetch a good list into a fresh cache; returns the cache dir and its file's bytes. */
  async function primed(): Promise<{ dir: string; bytes: Buffer }> {
    const dir = cacheDir();
    srv.mode = 'good';
    const r = await replay(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(exitAlerts(r)).toBeGreaterThan(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    return { dir, bytes: readFileSync(join(dir, files[0])) };
  }

  /** With a good cached copy: the run goes on with it (exit 0), warns, and the cache is untouched. */
  async function expectCachedCopyUsed(mode: Mode, extra: string[], error: RegExp): Promise<CliResult> {
    const { dir, bytes } = await primed();
    srv.mode = mode;
    const r = await replay(dir, extra);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(0);
    expect(exitAlerts(r)).toBeGreaterThan(0);
    const w = logLines(r.stderr).find((l) => l.msg === 'relay list fetch failed; using the last good cached copy');
    expect(w?.error, r.stderr.slice(0, 2000)).toMatch(error);
    expect(human(r)).toEqual([]);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(readFileSync(join(dir, files[0])).equals(bytes)).toBe(true);
    return r;
  }

  /** Without a cached copy: exit 2, one line naming the URL and the problem, no alerts. */
  async function expectOneLineFailure(mode: Mode, extra: string[], error: RegExp): Promise<CliResult> {
    srv.mode = mode;
    const dir = cacheDir();
    const r = await replay(dir, extra);
    expect(r.code, r.stderr.slice(0, 2000)).toBe(2);
    const lines = human(r);
    expect(lines).toHaveLength(1);
    expect(lines[0].startsWith(`torwatch: ${srv.url}: `)).toBe(true);
    expect(lines[0]).toMatch(error);
    expect(lines[0]).toContain(`(and no cached copy in ${dir})`);
    expect(r.stdout).toBe('');
    expect(readdirSync(dir)).toEqual([]);
    return r;
  }

  it('garbage (an HTML error page, with an escape sequence, served as 200): cached copy kept and used; none: one clean line', async () => {
    await expectCachedCopyUsed('garbage', [], /not a usable relay list/);
    const r = await expectOneLineFailure('garbage', [], /fetched content is not a usable relay list/);
    expect(human(r)[0]).not.toMatch(/\u001b/);
  });

  it('a body that declares 600 MB: refused at once (default cap 64M), nothing downloaded', async () => {
    await expectCachedCopyUsed('declared-huge', [], /response of 629145600 bytes exceeds the 67108864-byte cap/);
    await expectOneLineFailure('declared-huge', [], /response of 629145600 bytes exceeds the 67108864-byte cap/);
  });

  it('a streamed body past --relays-max-size 1M: the download is cut off near the cap', async () => {
    srv.sent = 0;
    await expectCachedCopyUsed('streamed-huge', ['--relays-max-size', '1M'], /response exceeds the 1048576-byte cap/);
    // The client hung up: far less than the 64 MiB the server would have sent (socket buffers aside).
    expect(srv.sent).toBeLessThan(16 << 20);
    await expectOneLineFailure('streamed-huge', ['--relays-max-size', '1M'], /response exceeds the 1048576-byte cap/);
  });

  it('a gzip bomb (64 MiB in a few hundred KB): decompression stops at the cap', async () => {
    await expectCachedCopyUsed('gzip-bomb', ['--relays-max-size', '4M'], /decompressed response exceeds the 4194304-byte cap/);
    await expectOneLineFailure('gzip-bomb', ['--relays-max-size', '4M'], /decompressed response exceeds the 4194304-byte cap/);
  });

  it('a server that never answers, or trickles a byte at a time: given up at --relays-fetch-timeout', async () => {
    for (const mode of ['silent', 'trickle'] as const) {
      const t0 = performance.now();
      await expectCachedCopyUsed(mode, ['--relays-fetch-timeout', '2s'], /no complete answer within 2 s/);
      const r = await expectOneLineFailure(mode, ['--relays-fetch-timeout', '2s'], /no complete answer within 2 s/);
      void r;
      // Two runs each waiting out the 2 s deadline (plus one priming run), not the 60 s default.
      expect(performance.now() - t0).toBeLessThan(30_000);
    }
  });
});

// ------------------------------------------------------------------------------------- SIGHUP

const unavailable = liveUnavailable();

describe.skipIf(unavailable !== undefined)('the daemon\'s config turns bad on SIGHUP (real capture between namespaces)', () => {
  const lab = new Lab('tw7');
  let client = '';
  let dir = '';
  let modeFile = '';
  const RELAY_PORT = 18088;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmp, 'daemon-'));
    chmodSync(dir, 0o755);
    const ns = clientServer(lab);
    client = ns.client;
    await startTcpServer(lab, ns.server);
    // The relay-list server lives inside the client's namespace (the daemon's loopback), and reads
    // its mode from a file on every request: 'good' (198.51.100.9 is an exit) or 'silent'.
    modeFile = join(dir, 'mode');
    writeFileSync(modeFile, 'good');
    const script = `const fs=require('fs');require('http').createServer((q,s)=>{const m=fs.readFileSync(${JSON.stringify(modeFile)},'utf8').trim();if(m==='good')s.end('# exit list\\n198.51.100.9\\n')}).listen(${RELAY_PORT},'127.0.0.1',()=>console.log('listening'))`;
    const c = lab.spawn(client, process.execPath, ['-e', script]);
    await new Promise<void>((resolve) => c.stdout!.on('data', (b: Buffer) => b.toString().includes('listening') && resolve()));
  });

  afterAll(async () => {
    await lab.cleanup();
  });

  const ruleIds = (d: Daemon, from: number): string[] => d.alerts.slice(from).map((a) => (a.rule as { id: string }).id).sort();

  it('broken YAML, a deleted file, a relay URL that hangs: each rejected or waited out, capture and the last good relay set go on', async () => {
    const cfg = join(dir, 'torwatch.yml');
    const good = `interface: c0\nstats-interval: 0\nrules: [tor-port-private, tor-exit]\nrelays: ['http://127.0.0.1:${RELAY_PORT}/torbulkexitlist#exit']\nrelays-cache: ${join(dir, 'cache')}\nrelays-fetch-timeout: 6s\n`;
    writeFileSync(cfg, good);
    const d = new Daemon(lab, client, ['-c', cfg]);
    await d.started();
    const hupRejected = async (text: string | undefined, why: RegExp): Promise<void> => {
      const from = d.logs.length;
      if (text === undefined) rmSync(cfg);
      else writeFileSync(cfg, text);
      d.signal('SIGHUP');
      const l = await d.waitLog((x) => String(x.msg).startsWith('reload rejected'), 10_000, from);
      expect(String(l.err)).toMatch(why);
      expect(l.level).toBe(50);
    };
    const connectAndExpect = async (): Promise<void> => {
      const from = d.alerts.length;
      await connectMany(lab, client, 1);
      await d.waitAlerts(from + 2);
      expect(ruleIds(d, from)).toEqual(['tor-exit', 'tor-port-private']);
    };

    await connectAndExpect();
    await hupRejected(`${good}home-net: [10.0.0.0/8\n`, new RegExp(`^${cfg}: line \\d+: not valid YAML`));
    await connectAndExpect();
    await hupRejected(undefined, new RegExp(`^${cfg}: config file not found`));
    await connectAndExpect();

    // The relay server hangs: the reload waits for it in the background, capture does not.
    writeFileSync(cfg, good);
    writeFileSync(modeFile, 'silent');
    const from = d.logs.length;
    const t0 = Date.now();
    d.signal('SIGHUP');
    await connectAndExpect();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(d.logs.slice(from).some((l) => l.msg === 'reload complete')).toBe(false);
    const w = await d.waitLog((l) => l.msg === 'relay list fetch failed; using the last good cached copy', 10_000, from);
    expect(String(w.error)).toMatch(/no complete answer within 6 s/);
    await d.waitLog((l) => l.msg === 'reload complete', 5000, from);
    await connectAndExpect();
    expect(await d.stop()).toBe(0);
  });

  it('SIGTERM while a reload waits on a hanging relay URL: the wait is abandoned, alerts flushed, exit 0 at once', async () => {
    const cfg = join(dir, 'term.yml');
    const out = join(dir, 'term-alerts.ndjson');
    writeFileSync(modeFile, 'good');
    writeFileSync(cfg, `interface: c0\nstats-interval: 0\nrules: [tor-port-private, tor-exit]\nrelays: ['http://127.0.0.1:${RELAY_PORT}/torbulkexitlist#exit']\nrelays-cache: ${join(dir, 'cache2')}\nrelays-fetch-timeout: 60s\noutput: [${out}]\n`);
    const d = new Daemon(lab, client, ['-c', cfg]);
    await d.started();
    writeFileSync(modeFile, 'silent');
    const from = d.logs.length;
    d.signal('SIGHUP');
    await d.waitLog((l) => l.msg === 'SIGHUP: reopening outputs and reloading the configuration', 5000, from);
    await connectMany(lab, client, 3);
    await sleep(500);
    const t0 = Date.now();
    expect(await d.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const alerts = jsonLines(out) as { rule: { id: string } }[];
    expect(alerts.map((a) => a.rule.id).sort()).toEqual(['tor-exit', 'tor-exit', 'tor-exit', 'tor-port-private', 'tor-port-private', 'tor-port-private']);
  });
});
