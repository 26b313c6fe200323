import { createRequire } from 'node:module';
import { constants } from 'node:os';
import type { Logger } from 'pino';
import type { EcsAlert } from '../alert/ecs-alert.js';
import { UserError } from '../util/errors.js';
import { Backoff } from './backoff.js';
import { outageFor, type AlertOutput, type OutputStats } from './output.js';
import type { SyslogFormatter } from './syslog-message.js';

/**
 * Syslog to a local unix datagram socket (`syslog:///dev/log`; rsyslog's imuxsock, syslog-ng's
 * unix-dgram(), systemd-journald). Node's core has no AF_UNIX/SOCK_DGRAM sockets, so this uses the
 * optional package `unix-dgram` (a small addon by a Node core developer: socket, connect, sendmsg,
 * and a writable watcher for EAGAIN). It is an optionalDependency like `cap`: where it cannot build,
 * everything else works and this output says so in one line.
 *
 * A datagram that send() accepted is in the receiver's socket buffer. Until then messages wait in a
 * bounded memory queue: while the socket is congested (EAGAIN/ENOBUFS: the receiver is slow) and
 * while nobody listens (ENOENT/ECONNREFUSED: the receiver is restarting), with reconnects on backoff.
 * A full queue drops the newest alerts, counted and logged loudly. flush() never waits.
 */
interface UnixDgramSocket {
  on(ev: 'error', cb: (err: Error & { code?: number | string }) => void): void;
  on(ev: 'connect' | 'writable', cb: () => void): void;
  removeAllListeners(): void;
  connect(path: string): void;
  send(buf: Buffer, cb: (err?: Error & { code?: number | string }) => void): void;
  close(): void;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram'): UnixDgramSocket;
}

let loaded: UnixDgramModule | string | undefined;

/** The addon, or why it is not there. */
function loadUnixDgram(): UnixDgramModule | string {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
    } catch (err) {
      loaded = (err as Error).message.split('\n')[0];
    }
  }
  return loaded;
}

export interface UnixOutputOptions {
  target: string;
  path: string;
  maxSize: number;
  /** Bytes the memory queue may hold while the receiver is away. */
  queueBytes: number;
  drainTimeoutMs: number;
  formatter: SyslogFormatter;
  log?: Logger;
}

const E = constants.errno;
/** Errors that mean "nobody is listening right now": keep the message, reconnect later. */
const GONE = new Set([E.ENOENT, E.ECONNREFUSED, E.ENOTCONN, E.ECONNRESET, E.EPIPE, E.EDESTADDRREQ].map((n) => -n));
const LOG_INTERVAL_MS = 10_000;

function errnoName(code: number | string | undefined): string {
  if (typeof code !== 'number') return String(code);
  const name = Object.entries(E).find(([, v]) => v === -code)?.[0];
  return name ?? String(code);
}

export class UnixSyslogOutput implements AlertOutput {
  readonly target: string;
  private readonly mod: UnixDgramModule;
  private sock: UnixDgramSocket | undefined;
  private connected = false;
  private congested = false;
  private queue: Buffer[] = [];
  private queueBytes = 0;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff({ baseMs: 200, maxMs: 10_000 });
  private outageSince: number | undefined;
  private lastDropLog = 0;
  private readonly counters = { written: 0, sent: 0, oversize: 0, dropped: 0, failed: 0, reconnects: 0 };

  constructor(private readonly o: UnixOutputOptions) {
    this.target = o.target;
    const m = loadUnixDgram();
    if (typeof m === 'string') throw new UserError(`${o.target}: unix datagram sockets need the optional package unix-dgram, which is not installed or did not build (${m}); reinstall with a C++ compiler, or send to the local receiver with syslog+udp://127.0.0.1:514 instead`);
    this.mod = m;
    this.connect();
  }

  write(line: string, alert: EcsAlert): void {
    if (this.closed) {
      this.counters.failed++;
      return;
    }
    const msg = this.o.formatter.format(line, alert);
    if (msg.length > this.o.maxSize) {
      this.counters.oversize++;
      this.counters.failed++;
      this.o.log?.error({ output: this.target, bytes: msg.length, maxSize: this.o.maxSize }, 'syslog/unix: alert larger than max-size NOT sent (never cut); raise max-size and the receiver\'s limit');
      return;
    }
    if (this.queueBytes + msg.length > this.o.queueBytes) {
      this.counters.dropped++;
      this.counters.failed++;
      const now = Date.now();
      if (now - this.lastDropLog >= LOG_INTERVAL_MS) {
        this.lastDropLog = now;
        this.o.log?.error({ output: this.target, queued: this.queue.length, queueBytes: this.queueBytes, droppedTotal: this.counters.dropped }, 'QUEUE FULL: alerts DROPPED for the unix socket output (the local syslog receiver is down or too slow)');
      }
      return;
    }
    this.counters.written++;
    this.queue.push(msg);
    this.queueBytes += msg.length;
    this.pump();
  }

  flush(): Promise<void> {
    this.pump();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + this.o.drainTimeoutMs;
    while (this.queue.length && Date.now() < deadline) {
      this.pump();
      if (!this.queue.length) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.dropSocket();
    if (this.queue.length) {
      this.counters.failed += this.queue.length;
      this.o.log?.error({ output: this.target, lost: this.queue.length }, 'syslog/unix: the local receiver did not take these alerts before shutdown; they are lost for this output');
    }
  }

  stats(): OutputStats {
    return { target: this.target, ...this.counters, queued: this.queue.length };
  }

  deliveryProblem(nowMs: number): string | undefined {
    if (this.closed || this.outageSince === undefined) return undefined;
    return `the socket has not taken a message for ${outageFor(this.outageSince, nowMs)}; ${this.queue.length} alerts queued`;
  }

  private pump(): void {
    while (this.queue.length && this.connected && !this.congested && this.sock) {
      const msg = this.queue[0];
      let result: (Error & { code?: number | string }) | undefined;
      this.sock.send(msg, (err) => {
        result = err;
      });
      if (!result) {
        this.queue.shift();
        this.queueBytes -= msg.length;
        this.counters.sent++;
        continue;
      }
      if (result.message === 'congestion') {
        this.congested = true; // the addon emits 'writable' when the socket drains
        return;
      }
      const code = result.code;
      if (code === -E.EMSGSIZE) {
        this.queue.shift();
        this.queueBytes -= msg.length;
        this.counters.oversize++;
        this.counters.failed++;
        this.o.log?.error({ output: this.target, bytes: msg.length }, 'syslog/unix: the socket refused a message this large (EMSGSIZE); NOT sent');
        continue;
      }
      this.lost(result);
      return;
    }
  }

  private connect(): void {
    if (this.closed || this.sock) return;
    const s = this.mod.createSocket('unix_dgram');
    this.sock = s;
    s.on('error', (err) => {
      if (this.sock === s) this.lost(err);
    });
    s.on('writable', () => {
      this.congested = false;
      this.pump();
    });
    s.on('connect', () => {
      this.connected = true;
      this.backoff.reset();
      if (this.outageSince !== undefined) this.o.log?.info({ output: this.target, outageMs: Date.now() - this.outageSince, queued: this.queue.length }, 'syslog/unix: receiver is back');
      this.outageSince = undefined;
    });
    s.connect(this.o.path);
    this.pump();
  }

  private lost(err: Error & { code?: number | string }): void {
    const known = typeof err.code === 'number' && GONE.has(err.code);
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.o.log?.warn({ output: this.target, code: errnoName(err.code), queued: this.queue.length }, known ? 'syslog/unix: nobody listens on the socket; queueing and retrying' : 'syslog/unix: send failed; queueing and retrying');
    }
    this.dropSocket();
    if (this.closed || this.reconnectTimer) return;
    this.counters.reconnects++;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, this.backoff.next());
    this.reconnectTimer.unref();
  }

  private dropSocket(): void {
    const s = this.sock;
    this.sock = undefined;
    this.connected = false;
    this.congested = false;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => undefined);
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }
}
