/**
 * Real network namespaces, veth pairs and a real `torwatch capture` daemon for the live tests.
 *
 * Network safety: only namespaces created here (unique tw6-* names), linked by veth pairs with no
 * route out; addresses are 10.x (private) and 198.51.100.0/24 (documentation). Everything created is
 * removed by `cleanup()` (call it in afterAll), which also kills any process left in the namespaces.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { ecsProblems } from '../support/ecs-schema.js';
import { requireUnderCi } from '../support/ci.js';
import { NO_AGGREGATION } from '../support/run-cli.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/torwatch.js', import.meta.url));

/**
 * Why live tests cannot run here, or undefined when they can (root, ip, tcpreplay). Under CI
 * (TORWATCH_CI=1) a reason is an error instead: the suite must not vanish (test/support/ci.ts).
 */
export function liveUnavailable(): string | undefined {
  const why = ((): string | undefined => {
    if (process.getuid?.() !== 0) return 'not root (network namespaces need it)';
    for (const t of ['ip', 'tcpreplay']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
    return undefined;
  })();
  requireUnderCi('live capture tests', why);
  return why;
}

/**
 * The capture backends that load here (each test runs for every one). Under CI both must: a backend
 * that failed to build would otherwise just generate no tests.
 */
export function availableBackends(): ('pcap-batch' | 'cap')[] {
  const found = loadableBackends();
  const missing = (['pcap-batch', 'cap'] as const).filter((b) => !found.includes(b));
  requireUnderCi('tests of every capture backend', missing.length ? `the ${missing.join(' and ')} backend did not load (not built?)` : undefined);
  return found;
}

function loadableBackends(): ('pcap-batch' | 'cap')[] {
  const req = createRequire(import.meta.url);
  const out: ('pcap-batch' | 'cap')[] = [];
  for (const [name, mod] of [['pcap-batch', 'torwatch-pcap-batch'], ['cap', 'cap']] as const) {
    try {
      req(mod);
      out.push(name);
    } catch {
      // not built here; the other backend still runs
    }
  }
  return out;
}

export { NO_AGGREGATION };

export function sh(cmd: string, args: string[], opts: { input?: string } = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: opts.input });
}

/** Namespaces and links for one test file; unique names so parallel runs never collide. */
export class Lab {
  readonly tag = randomBytes(3).toString('hex');

  /** `prefix`: the issue whose tests made the namespaces (tw6 here; other suites pass their own). */
  constructor(private readonly prefix = 'tw6') {}

  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  ns(name: string): string {
    const full = `${this.prefix}-${name}-${this.tag}`;
    sh('ip', ['netns', 'add', full]);
    this.namespaces.push(full);
    this.exec(full, 'ip', ['link', 'set', 'lo', 'up']);
    // No IPv6 autoconfiguration chatter (router solicitations, DAD) on the test links.
    this.exec(full, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    this.exec(full, 'sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
    return full;
  }

  exec(ns: string, cmd: string, args: string[]): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args]);
  }

  /** A veth pair a<->b; both ends up, in namespaces nsA and nsB (may be the same), jumbo MTU. */
  veth(nsA: string, a: string, nsB: string, b: string, mtu = 9000): void {
    this.exec(nsA, 'ip', ['link', 'add', a, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', b, 'mtu', String(mtu), 'netns', nsB]);
    this.exec(nsA, 'ip', ['link', 'set', a, 'up']);
    this.exec(nsB, 'ip', ['link', 'set', b, 'up']);
  }

  /** Start a long-running process inside a namespace; killed at cleanup. */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(c);
    return c;
  }

  track(c: ChildProcess): void {
    this.children.push(c);
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of this.namespaces) {
      const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
      for (const p of pids) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await sleep(100);
    for (const ns of this.namespaces) spawnSync('ip', ['netns', 'del', ns]);
  }
}

/**
 * bin/torwatch.js as the user `nobody` can run it: this checkout's when nobody can read it, else a
 * copy of the runtime tree (as the Dockerfile's runtime stage copies it) under `dir`, so the
 * unprivileged tests run wherever CI cloned the repository (a private home directory too).
 */
export function binForNobody(dir: string): string {
  const own = join(ROOT, 'bin/torwatch.js');
  if (spawnSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', process.execPath, own, '--version']).status === 0) return own;
  const opt = join(dir, 'torwatch-copy');
  if (!existsSync(opt)) {
    mkdirSync(opt, { recursive: true });
    for (const d of ['package.json', 'bin', 'dist', 'data', 'native', 'node_modules']) cpSync(join(ROOT, d), join(opt, d), { recursive: true, verbatimSymlinks: true });
    chmodSync(dir, 0o755);
  }
  return join(opt, 'bin/torwatch.js');
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** tcpreplay a capture out of `iface` in `ns`; returns the packets it says it sent. */
export function tcpreplay(lab: Lab, ns: string, iface: string, file: string, extra: string[] = []): { sent: number; out: string } {
  const out = lab.exec(ns, 'tcpreplay', ['-i', iface, ...extra, file]);
  const m = /Actual:\s+(\d+)\s+packets/.exec(out);
  return { sent: m ? Number(m[1]) : -1, out };
}

export interface LogLine extends Record<string, unknown> {
  msg?: string;
  level?: number;
}

/**
 * A `torwatch capture` daemon inside a namespace (ip netns exec execs, so the child's pid is the
 * daemon's: signals go straight to it). Collects alerts (stdout NDJSON, each checked against ECS) and
 * log lines (stderr JSON).
 */
export class Daemon {
  readonly child: ChildProcess;
  readonly alerts: Record<string, unknown>[] = [];
  /** Date.now() when each alert's line arrived on stdout. */
  readonly alertTimes: number[] = [];
  readonly logs: LogLine[] = [];
  stderrText = '';
  private outBuf = '';
  private errBuf = '';
  private readonly alertWaiters: (() => void)[] = [];
  private readonly logWaiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  /**
   * `wrap`: a command that execs the daemon (setpriv ...), so the pid is still the daemon's.
   * `node`/`bin`: another node binary or installation (the Dockerfile test's copies).
   */
  constructor(lab: Lab, ns: string, args: string[], opts: { wrap?: string[]; node?: string; bin?: string } = {}) {
    // These tests count one alert per connection, so aggregation (suppression windows, rate limit) is
    // off unless a test sets it; test/detect/aggregate covers it.
    const agg = args.includes('--suppress-window') ? [] : NO_AGGREGATION;
    this.child = spawn('ip', ['netns', 'exec', ns, ...(opts.wrap ?? []), opts.node ?? process.execPath, opts.bin ?? BIN, 'capture', ...agg, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    lab.track(this.child);
    this.child.stdout!.setEncoding('utf8');
    this.child.stderr!.setEncoding('utf8');
    this.child.stdout!.on('data', (s: string) => {
      // Arrival time first: the ECS check below loads the schema on first use, which takes a while.
      const now = Date.now();
      this.outBuf += s;
      let nl: number;
      while ((nl = this.outBuf.indexOf('\n')) >= 0) {
        const line = this.outBuf.slice(0, nl);
        this.outBuf = this.outBuf.slice(nl + 1);
        if (!line.trim()) continue;
        const a = JSON.parse(line) as Record<string, unknown>;
        const problems = ecsProblems(a);
        if (problems.length) throw new Error(`ECS problems in live alert: ${problems.join('; ')}`);
        this.alerts.push(a);
        this.alertTimes.push(now);
      }
      this.alertWaiters.splice(0).forEach((w) => w());
    });
    this.child.stderr!.on('data', (s: string) => {
      this.stderrText += s;
      this.errBuf += s;
      let nl: number;
      while ((nl = this.errBuf.indexOf('\n')) >= 0) {
        const line = this.errBuf.slice(0, nl);
        this.errBuf = this.errBuf.slice(nl + 1);
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // a non-JSON line (usage error text); kept in stderrText
        }
      }
      this.logWaiters.splice(0).forEach((w) => w());
    });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  async waitLog(pred: (l: LogLine) => boolean, timeoutMs = 15_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.logs.slice(from).find(pred);
      if (hit) return hit;
      if (this.child.exitCode !== null) throw new Error(`daemon exited (${this.child.exitCode}) before the expected log line:\n${this.stderrText}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for a log line; stderr so far:\n${this.stderrText}`);
      await Promise.race([new Promise<void>((r) => this.logWaiters.push(r)), sleep(100)]);
    }
  }

  started(): Promise<LogLine> {
    return this.waitLog((l) => l.msg === 'capture started');
  }

  async waitAlerts(n: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.alerts.length < n) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} alerts (have ${this.alerts.length}); stderr:\n${this.stderrText}`);
      await Promise.race([new Promise<void>((r) => this.alertWaiters.push(r)), sleep(100)]);
    }
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.pid, sig);
  }

  /** SIGTERM and wait for the exit status. */
  async stop(timeoutMs = 20_000): Promise<number | null> {
    if (this.child.exitCode === null) this.signal('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  /** The final stats line logged at exit. */
  finalStats(): Record<string, unknown> & { packets: number; interfaces: Record<string, number | string | undefined>[] } {
    const l = this.logs.find((x) => x.msg === 'capture stopped');
    if (!l) throw new Error(`no 'capture stopped' line:\n${this.stderrText}`);
    return l.stats as never;
  }
}

/**
 * Two namespaces joined by a veth pair: a private client (10.6.0.2 on c0) and a "public" server
 * (198.51.100.9 on s0, a documentation address), on one link with on-link routes and no way out.
 */
export function clientServer(lab: Lab): { client: string; server: string } {
  const client = lab.ns('cli');
  const server = lab.ns('srv');
  lab.veth(client, 'c0', server, 's0', 1500);
  lab.exec(client, 'ip', ['addr', 'add', '10.6.0.2/24', 'dev', 'c0']);
  lab.exec(client, 'ip', ['route', 'add', '198.51.100.0/24', 'dev', 'c0']);
  lab.exec(server, 'ip', ['addr', 'add', '198.51.100.9/24', 'dev', 's0']);
  lab.exec(server, 'ip', ['route', 'add', '10.6.0.0/24', 'dev', 's0']);
  return { client, server };
}

/** What most live suites share; `client` and `tmp` are set once the suite's beforeAll has run. */
export interface LiveSuite {
  readonly lab: Lab;
  /** The client namespace (10.6.0.2 on c0), where torwatch captures. */
  client: string;
  /** A scratch directory anyone may read (a daemon may run as nobody). */
  tmp: string;
}

/**
 * Registers, for the calling `describe`, the setup most live tests start from: clientServer() with
 * startTcpServer() listening, and a scratch directory; both removed after the suite.
 */
export function liveSuite(tmpPrefix: string): LiveSuite {
  const suite: LiveSuite = { lab: new Lab(), client: '', tmp: '' };
  beforeAll(async () => {
    suite.tmp = mkdtempSync(join(tmpdir(), tmpPrefix));
    chmodSync(suite.tmp, 0o755);
    const ns = clientServer(suite.lab);
    suite.client = ns.client;
    await startTcpServer(suite.lab, ns.server);
  });
  afterAll(async () => {
    await suite.lab.cleanup();
    if (suite.tmp) rmSync(suite.tmp, { recursive: true, force: true });
  });
  return suite;
}

/** A TCP server on 198.51.100.9 (ports 9001 and 9030) that answers and closes; resolves when listening. */
export async function startTcpServer(lab: Lab, ns: string): Promise<ChildProcess> {
  const script = `const net=require('net');let n=0;for(const p of [9001,9030]){net.createServer(s=>{s.on('error',()=>{});s.end('torwatch test\\n')}).listen(p,'198.51.100.9',()=>{if(++n===2)console.log('listening')})}`;
  const c = lab.spawn(ns, process.execPath, ['-e', script]);
  await new Promise<void>((resolve, reject) => {
    c.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('listening')) resolve();
    });
    c.on('exit', (code) => reject(new Error(`test server exited ${code}`)));
  });
  return c;
}

/**
 * Make `count` TCP connections one after another from the client namespace; each line of the result
 * is the local port and the time connect() was called (ms since the epoch).
 */
export async function connectMany(lab: Lab, ns: string, count: number, port = 9001, gapMs = 0): Promise<{ port: number; t: number }[]> {
  const script = `const net=require('net');(async()=>{for(let i=0;i<${count};i++){await new Promise((res,rej)=>{const t=Date.now();const s=net.connect({host:'198.51.100.9',port:${port}},()=>{console.log(JSON.stringify({port:s.localPort,t}));s.destroy();res()});s.on('error',rej)});if(${gapMs})await new Promise(r=>setTimeout(r,${gapMs}))}})().catch(e=>{console.error(e.message);process.exit(1)})`;
  const c = lab.spawn(ns, process.execPath, ['-e', script]);
  let out = '';
  c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  let err = '';
  c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => c.on('close', resolve));
  if (code !== 0) throw new Error(`client failed (${code}): ${err}`);
  return out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { port: number; t: number });
}

/** GET a URL over plain HTTP (the metrics endpoint is in the daemon's namespace: fetch from inside it). */
export function httpGetInNs(lab: Lab, ns: string, url: string): { status: number; type: string; body: string } {
  const script = `const h=require('http');h.get(${JSON.stringify(url)},r=>{let b='';r.setEncoding('utf8');r.on('data',c=>b+=c);r.on('end',()=>{process.stdout.write(JSON.stringify({status:r.statusCode,type:r.headers['content-type']||'',body:b}))})}).on('error',e=>{process.stdout.write(JSON.stringify({status:0,type:'',body:e.message}))})`;
  return JSON.parse(lab.exec(ns, process.execPath, ['-e', script])) as { status: number; type: string; body: string };
}

/** Plain HTTP GET from this process (for endpoints reachable from the root namespace). */
export function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (r) => {
      let b = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (b += c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: b }));
    }).on('error', reject);
  });
}

/** Read a dotted path from a nested alert (the same reader the replay tests use). */
export { field } from '../support/run-cli.js';

/**
 * The stable part of an alert: everything except what differs between a live capture and a replay of
 * the same packets by design — times (packet timestamps are the capture's), event ids (random live,
 * name-based in replay), where the packet came from (interface vs file name and packet number).
 */
export function stable(a: Record<string, unknown>, opts: { linkBytesDiffer?: boolean } = {}): string {
  const c = structuredClone(a) as Record<string, Record<string, unknown>>;
  // Byte counts include the link-layer header: they differ when the link type was rewritten to send it.
  if (opts.linkBytesDiffer) for (const k of ['source', 'destination', 'network']) delete c[k]?.bytes;
  delete c['@timestamp'];
  for (const k of ['id', 'start', 'end', 'duration', 'created', 'ingested']) delete c.event?.[k];
  delete c.observer?.ingress;
  delete c.torwatch?.input;
  // BitTorrent evidence says when each tie was learned: a packet time too.
  const evidence = (c.torwatch?.bittorrent as { evidence?: { at?: string }[] } | undefined)?.evidence;
  for (const e of evidence ?? []) delete e.at;
  // Packet times inside the transport rules' evidence (tor-snowflake's phases, tor-obfs4's first connection).
  delete (c.torwatch?.transport as Record<string, unknown> | undefined)?.times;
  delete ((c.torwatch?.transport as Record<string, Record<string, unknown>> | undefined)?.details)?.span_ms;
  // When the DNS answer that named the destination arrived: a packet time too.
  delete (c.torwatch?.dns_answer as Record<string, unknown> | undefined)?.time;
  return JSON.stringify(sortKeys(c));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
