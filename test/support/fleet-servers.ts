/**
 * Real fleet servers on 127.0.0.1 for the output and report tests, each in the foreground from its
 * own throwaway directory on a free port, started and killed by the tests:
 *   RedisServer   Debian's redis-server (AOF on, so a SIGKILL loses nothing Redis confirmed),
 *                 optionally with a password, an ACL user, TLS; read back with redis-cli --json
 *   NatsServer    Debian's nats-server with JetStream (file storage), optionally user/password,
 *                 token or TLS; streams made and read with the official client library
 *   RelpReceiver  rsyslogd running siem/rsyslog/torwatch-relp-in.conf (the configuration the README
 *                 gives), its port and file swapped for throwaway ones; optionally with TLS
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect, type NatsConnection } from '@nats-io/transport-node';
import { freePort, readLines } from './receivers.js';
import { ROOT } from './paths.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitTcp(port: number, timeoutMs: number, exited: () => string | undefined): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = netConnect({ host: '127.0.0.1', port });
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    const why = exited();
    if (why !== undefined) throw new Error(why);
    if (Date.now() > until) throw new Error(`server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await sleep(30);
  }
}

/** A foreground server process: start, wait for its port, stop with a signal, start again. */
abstract class Server {
  protected child: ChildProcess | undefined;
  protected output = '';
  /** When each start finished (ms since the epoch). */
  readonly starts: number[] = [];
  port = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  protected abstract command(): { cmd: string; args: string[] };

  /** The port the server's readiness is checked on (the TLS port for a TLS-only Redis). */
  protected readyPort(): number {
    return this.port;
  }

  async start(): Promise<void> {
    if (!this.port) this.port = await freePort();
    const { cmd, args } = this.command();
    this.output = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
    this.child = child;
    await waitTcp(this.readyPort(), 15_000, () => (child.exitCode !== null || child.signalCode !== null ? `${cmd} exited at start: ${this.output.slice(0, 2000)}` : undefined));
    this.starts.push(Date.now());
  }

  /** SIGKILL: the server dies at once; SIGTERM: it shuts down cleanly. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await gone;
    this.child = undefined;
  }

  /** Freeze (SIGSTOP) or thaw (SIGCONT): a server that accepts connections but never answers. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(sig);
  }

  get log(): string {
    return this.output;
  }
}

export interface RedisOptions {
  password?: string;
  /** An ACL user (with the default user disabled). */
  user?: { name: string; password: string };
  tls?: { cert: string; key: string; ca: string };
}

export class RedisServer extends Server {
  tlsPort = 0;

  constructor(dir: string, private readonly o: RedisOptions = {}) {
    super(dir);
  }

  protected override readyPort(): number {
    return this.o.tls ? this.tlsPort : this.port;
  }

  override async start(): Promise<void> {
    if (this.o.tls && !this.tlsPort) this.tlsPort = await freePort();
    await super.start();
  }

  protected command(): { cmd: string; args: string[] } {
    const a = ['--bind', '127.0.0.1', '--port', this.o.tls ? '0' : String(this.port), '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--daemonize', 'no', '--protected-mode', 'no'];
    if (this.o.password) a.push('--requirepass', this.o.password);
    if (this.o.user) a.push('--user', 'default', 'off', '--user', this.o.user.name, 'on', `>${this.o.user.password}`, '~*', '&*', '+@all');
    if (this.o.tls) a.push('--tls-port', String(this.tlsPort), '--tls-cert-file', this.o.tls.cert, '--tls-key-file', this.o.tls.key, '--tls-ca-cert-file', this.o.tls.ca, '--tls-auth-clients', 'optional');
    return { cmd: '/usr/bin/redis-server', args: a };
  }

  /** redis-cli with --json output (an independent client), as the server's admin. */
  cli(db: number, ...args: string[]): unknown {
    const auth = this.o.user ? ['--user', this.o.user.name, '--pass', this.o.user.password] : this.o.password ? ['-a', this.o.password] : [];
    const tls = this.o.tls ? ['--tls', '--cacert', this.o.tls.ca, '-p', String(this.tlsPort)] : ['-p', String(this.port)];
    const out = execFileSync('redis-cli', ['-h', '127.0.0.1', ...tls, ...auth, '--no-auth-warning', '-n', String(db), '--json', ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
    return JSON.parse(out) as unknown;
  }

  /** The alerts in a list, oldest first. */
  listAlerts(db: number, key: string): Record<string, unknown>[] {
    return (this.cli(db, 'LRANGE', key, '0', '-1') as string[]).map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  /** A stream's entries: [entry id, event.id field, alert]. */
  streamEntries(db: number, key: string): { id: string; eventId: string; alert: Record<string, unknown> }[] {
    return (this.cli(db, 'XRANGE', key, '-', '+') as [string, string[]][]).map(([id, f]) => {
      const get = (k: string): string => f[f.indexOf(k) + 1];
      return { id, eventId: get('event.id'), alert: JSON.parse(get('alert')) as Record<string, unknown> };
    });
  }
}

export interface NatsOptions {
  user?: { name: string; password: string };
  token?: string;
  tls?: { cert: string; key: string; ca: string };
}

export class NatsServer extends Server {
  constructor(dir: string, private readonly o: NatsOptions = {}) {
    super(dir);
  }

  protected command(): { cmd: string; args: string[] } {
    const conf = [`listen: "127.0.0.1:${this.port}"`, `jetstream { store_dir: "${join(this.dir, 'js')}" }`];
    if (this.o.user) conf.push(`authorization {\n  users = [ { user: "${this.o.user.name}", password: "${this.o.user.password}" } ]\n}`);
    if (this.o.token) conf.push(`authorization { token: "${this.o.token}" }`);
    if (this.o.tls) conf.push(`tls {\n  cert_file: "${this.o.tls.cert}"\n  key_file: "${this.o.tls.key}"\n  ca_file: "${this.o.tls.ca}"\n}`);
    writeFileSync(join(this.dir, 'nats.conf'), conf.join('\n') + '\n');
    return { cmd: '/usr/sbin/nats-server', args: ['-c', join(this.dir, 'nats.conf')] };
  }

  /** A client connection as the server's admin (the official library, not torwatch's code). */
  async client(): Promise<NatsConnection> {
    const tls = this.o.tls ? { caFile: this.o.tls.ca } : undefined;
    return natsConnect({ servers: `127.0.0.1:${this.port}`, user: this.o.user?.name, pass: this.o.user?.password, token: this.o.token, tls });
  }

  async addStream(name: string, subjects: string[], duplicateWindowSec = 7200): Promise<void> {
    const nc = await this.client();
    try {
      const jsm = await jetstreamManager(nc);
      await jsm.streams.add({ name, subjects, duplicate_window: duplicateWindowSec * 1e9 });
    } finally {
      await nc.close();
    }
  }

  /** How many messages a stream holds. */
  async count(stream: string): Promise<number> {
    const nc = await this.client();
    try {
      return (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
    } finally {
      await nc.close();
    }
  }

  /** Every message of a stream, in stream order: its subject, Nats-Msg-Id header and body. */
  async messages(stream: string): Promise<{ subject: string; msgId: string; alert: Record<string, unknown> }[]> {
    const nc = await this.client();
    try {
      const jsm = await jetstreamManager(nc);
      const n = (await jsm.streams.info(stream)).state.messages;
      const out: { subject: string; msgId: string; alert: Record<string, unknown> }[] = [];
      if (n === 0) return out;
      const c = await jetstream(nc).consumers.get(stream);
      while (out.length < n) {
        const msgs = await c.fetch({ max_messages: Math.min(1000, n - out.length), expires: 5000 });
        let got = 0;
        for await (const m of msgs) {
          got++;
          out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') ?? '', alert: m.json<Record<string, unknown>>() });
        }
        if (!got) break;
      }
      return out;
    } finally {
      await nc.close();
    }
  }
}

export interface RelpTls {
  ca: string;
  cert: string;
  key: string;
  /** Name the client certificate must carry (imrelp tls.authMode "name"). */
  permittedPeer: string;
}

/** rsyslog with imrelp, from the repo's siem/rsyslog/torwatch-relp-in.conf. */
export class RelpReceiver extends Server {
  constructor(dir: string, private readonly tls?: RelpTls) {
    super(dir);
  }

  get file(): string {
    return join(this.dir, 'fleet.ndjson');
  }

  protected command(): { cmd: string; args: string[] } {
    const shipped = readFileSync(join(ROOT, 'siem', 'rsyslog', 'torwatch-relp-in.conf'), 'utf8');
    let conf = shipped
      .replace('global(maxMessageSize="64k")', `global(maxMessageSize="64k" workDirectory="${this.dir}")`)
      .replace('input(type="imrelp" port="2514"', `input(type="imrelp" address="127.0.0.1" port="${this.port}"`)
      .replace('/var/log/torwatch/fleet.ndjson', this.file);
    if (this.tls) conf = conf.replace('ruleset="torwatch")', `ruleset="torwatch" tls="on" tls.caCert="${this.tls.ca}" tls.myCert="${this.tls.cert}" tls.myPrivKey="${this.tls.key}" tls.authMode="name" tls.permittedPeer=["${this.tls.permittedPeer}"])`);
    if (conf === shipped || !conf.includes(this.file) || !conf.includes(`port="${this.port}"`)) throw new Error('siem/rsyslog/torwatch-relp-in.conf changed: update RelpReceiver');
    writeFileSync(join(this.dir, 'rsyslog.conf'), conf);
    return { cmd: '/usr/sbin/rsyslogd', args: ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslogd.pid')] };
  }

  /** The alerts written so far (complete lines only). */
  alerts(): Record<string, unknown>[] {
    return readLines(this.file).map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}
