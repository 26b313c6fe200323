import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { EcsAlert } from '../alert/ecs-alert.js';
import { Backoff } from './backoff.js';
import { frame, type Framing } from './framing.js';
import { outageFor, type AlertOutput, type OutputStats } from './output.js';
import type { DiskSpool, SpoolPosition } from './spool.js';
import { SpoolIntake } from './spool-intake.js';
import { isTlsProblem } from './tls-material.js';
import type { SyslogFormatter } from './syslog-message.js';

/** How a stream transport gets a connected socket (plain TCP or TLS). */
export interface Connector {
  /** For logs: `tcp 127.0.0.1:514`. */
  readonly describe: string;
  /** Start connecting; the socket emits `readyEvent` when it can carry messages, or `error`. */
  connect(): Socket;
  readonly readyEvent: 'connect' | 'secureConnect';
}

export interface StreamOutputOptions {
  target: string;
  connector: Connector;
  framing: Framing;
  formatter: SyslogFormatter;
  spool: DiskSpool;
  /**
   * Plain syslog over TCP/TLS has no acknowledgements: a receiver that dies takes what sat in its
   * socket buffer and queues with it. So a message counts as delivered only once the connection
   * stayed up this long after it was written; when a connection breaks, everything younger is sent
   * again (receivers deduplicate on event.id). A clean close (the receiver answers our FIN, so it
   * has read everything) confirms at once.
   */
  resendMs: number;
  /** How long close() (SIGTERM, end of replay) keeps trying to deliver before leaving the rest in the spool. */
  drainTimeoutMs: number;
  connectTimeoutMs?: number;
  backoff?: Backoff;
  log?: Logger;
}

interface InFlight {
  end: SpoolPosition;
  count: number;
  at: number;
  written: boolean;
}

const READ_BATCH = 256 * 1024;

/**
 * A syslog output over a byte stream (TCP, TLS) that loses nothing while there is spool space.
 * write() formats and queues; flush() appends to the disk spool and returns at once, so a dead or
 * slow receiver never holds up the pipeline or the other outputs. A pump sends from the spool in
 * order whenever the connection can take more; a broken connection is retried with backoff and
 * jitter, and what was not confirmed is sent again.
 */
export class StreamSyslogOutput implements AlertOutput {
  readonly target: string;
  private readonly intake: SpoolIntake;
  private sock: Socket | undefined;
  private connected = false;
  private blocked = false;
  private closing = false;
  private closed = false;
  private inflight: InFlight[] = [];
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly confirmTimer: NodeJS.Timeout;
  private readonly backoff: Backoff;
  private outageSince: number | undefined;
  private readonly counters = { sent: 0, delivered: 0, resent: 0, failed: 0, connects: 0, disconnects: 0 };

  constructor(private readonly o: StreamOutputOptions) {
    this.target = o.target;
    this.backoff = o.backoff ?? new Backoff({ baseMs: 500, maxMs: 30_000 });
    this.intake = new SpoolIntake(o.spool, { target: o.target, kind: 'syslog', log: o.log, onStored: () => this.pump() });
    this.confirmTimer = setInterval(() => this.confirm(false), Math.max(50, Math.min(1000, o.resendMs / 2)));
    this.confirmTimer.unref();
    if (o.spool.unconfirmed > 0) o.log?.info({ output: this.target, spooled: o.spool.unconfirmed }, 'syslog: alerts from an earlier run are in the spool; they go first');
    this.connect();
  }

  write(line: string, alert: EcsAlert): void {
    if (this.closed) {
      this.counters.failed++;
      return;
    }
    this.intake.push(this.o.formatter.format(line, alert));
  }

  /** Never waits on the receiver: once the alerts are in the spool they are safe. */
  flush(): Promise<void> {
    this.intake.store();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.intake.store();
    this.closing = true;
    const deadline = Date.now() + this.o.drainTimeoutMs;
    const started = Date.now();
    await this.waitUntil(() => this.connected && this.o.spool.unsent === 0 && !this.blocked && this.inflight.every((x) => x.written), deadline);
    if (this.connected && this.o.spool.unsent === 0 && this.sock) {
      const clean = await this.endGracefully(this.sock, Math.max(1000, deadline - Date.now()));
      if (clean) this.confirm(true);
    }
    this.closed = true;
    clearInterval(this.confirmTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.dropSocket();
    const left = this.o.spool.unconfirmed;
    this.o.spool.close();
    this.intake.finish();
    if (left > 0) {
      this.o.log?.warn({ output: this.target, spool: this.o.spool.dir, spooled: left, waitedMs: Date.now() - started }, 'syslog: receiver did not take every alert before shutdown; they stay in the spool and are sent first at the next start');
    } else {
      this.o.log?.debug({ output: this.target, delivered: this.counters.delivered }, 'syslog: all alerts delivered');
    }
  }

  stats(): OutputStats {
    const { sent, delivered, resent, failed, connects, disconnects } = this.counters;
    return {
      target: this.target,
      written: this.intake.written,
      sent, delivered, resent,
      dropped: this.intake.dropped,
      failed: failed + this.intake.dropped,
      connects, disconnects,
      spooled: this.closed ? this.o.spool.unconfirmed : this.o.spool.unconfirmed + this.intake.pendingCount,
      spoolBytes: this.o.spool.size,
    };
  }

  deliveryProblem(nowMs: number): string | undefined {
    if (this.closed || this.outageSince === undefined) return undefined;
    return `receiver unreachable for ${outageFor(this.outageSince, nowMs)}; ${this.o.spool.unconfirmed} alerts wait in the spool`;
  }

  /** True while connected (tests). */
  get isConnected(): boolean {
    return this.connected;
  }

  // ---- pump ----

  private pump(): void {
    const s = this.sock;
    if (!s || !this.connected || this.blocked) return;
    for (;;) {
      const batch = this.o.spool.read(READ_BATCH);
      if (!batch) break;
      const parts: Buffer[] = [];
      for (const m of batch.records) {
        try {
          parts.push(frame(m, this.o.framing));
        } catch (err) {
          // Cannot happen with our formatter (no LF in a message); never send half a message.
          this.counters.failed++;
          this.o.log?.error({ output: this.target, err: (err as Error).message }, 'syslog: message cannot be framed; skipped');
        }
      }
      const entry: InFlight = { end: batch.end, count: batch.records.length, at: Date.now(), written: false };
      this.inflight.push(entry);
      this.counters.sent += batch.records.length;
      const ok = s.write(Buffer.concat(parts), (err) => {
        if (!err) entry.written = true;
      });
      if (!ok) {
        this.blocked = true;
        s.once('drain', () => {
          if (this.sock !== s) return;
          this.blocked = false;
          this.pump();
        });
        break;
      }
    }
  }

  /** Move the spool's ack over what has been on the wire long enough (or everything, after a clean close). */
  private confirm(all: boolean): void {
    if (!this.inflight.length) return;
    const limit = Date.now() - this.o.resendMs;
    let count = 0;
    let end: SpoolPosition | undefined;
    while (this.inflight.length && (all || (this.inflight[0].written && this.inflight[0].at <= limit && this.connected))) {
      const x = this.inflight.shift()!;
      count += x.count;
      end = x.end;
    }
    if (end && count > 0) {
      this.o.spool.commit(end, count);
      this.counters.delivered += count;
    }
  }

  // ---- connection ----

  private connect(): void {
    if (this.sock || this.closed) return;
    let s: Socket;
    try {
      s = this.o.connector.connect();
    } catch (err) {
      this.o.log?.error({ output: this.target, err: (err as Error).message }, 'syslog: cannot start a connection');
      this.scheduleReconnect();
      return;
    }
    this.sock = s;
    const timer = setTimeout(() => this.broken(s, new Error(`no connection within ${this.o.connectTimeoutMs ?? 10_000} ms`)), this.o.connectTimeoutMs ?? 10_000);
    timer.unref();
    s.once(this.o.connector.readyEvent, () => {
      clearTimeout(timer);
      if (this.sock !== s) return;
      this.connected = true;
      this.counters.connects++;
      this.backoff.reset();
      s.setKeepAlive(true, 30_000);
      const queued = this.o.spool.unsent;
      if (this.outageSince !== undefined) {
        this.o.log?.info({ output: this.target, to: this.o.connector.describe, outageMs: Date.now() - this.outageSince, queued }, 'syslog: receiver is back; sending what was spooled');
      } else {
        this.o.log?.debug({ output: this.target, to: this.o.connector.describe, queued }, 'syslog: connected');
      }
      this.outageSince = undefined;
      this.pump();
    });
    s.on('error', (err) => {
      clearTimeout(timer);
      this.broken(s, err);
    });
    // Receivers never send; reading lets us see their FIN at once.
    s.on('data', () => undefined);
    s.on('end', () => this.broken(s, new Error('closed by the receiver')));
    s.on('close', () => {
      clearTimeout(timer);
      this.broken(s, new Error('connection closed'));
    });
  }

  private broken(s: Socket, err: Error): void {
    if (this.sock !== s) return;
    const wasConnected = this.connected;
    this.dropSocket();
    const resend = this.o.spool.rewind();
    this.inflight = [];
    this.counters.resent += resend;
    if (wasConnected) this.counters.disconnects++;
    const code = (err as NodeJS.ErrnoException).code;
    const tlsProblem = isTlsProblem(err);
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      const level = tlsProblem ? 'error' : 'warn';
      this.o.log?.[level]({ output: this.target, to: this.o.connector.describe, err: err.message, code, resend, spooled: this.o.spool.unconfirmed }, wasConnected ? 'syslog: connection to the receiver lost; spooling to disk and reconnecting' : 'syslog: cannot reach the receiver; spooling to disk and retrying');
    } else {
      this.o.log?.debug({ output: this.target, err: err.message, code }, 'syslog: reconnect failed');
    }
    this.scheduleReconnect();
  }

  private dropSocket(): void {
    const s = this.sock;
    this.sock = undefined;
    this.connected = false;
    this.blocked = false;
    if (s) {
      s.removeAllListeners();
      s.on('error', () => undefined);
      s.destroy();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.closing ? Math.min(this.backoff.next(), 1000) : this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** Half-close and wait for the receiver to close its side: then it has read every byte we sent. */
  private endGracefully(s: Socket, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(t);
        resolve(ok);
      };
      s.removeAllListeners('end');
      s.removeAllListeners('close');
      s.removeAllListeners('error');
      s.on('error', () => finish(false));
      s.on('end', () => finish(true));
      s.on('close', (hadError: boolean) => finish(!hadError));
      const t = setTimeout(() => finish(false), ms);
      s.end();
    });
  }

  private waitUntil(cond: () => boolean, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond() || Date.now() >= deadline) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
  }
}
