import type { Logger } from 'pino';
import type { EcsAlert } from '../alert/ecs-alert.js';
import { Backoff } from './backoff.js';
import { DeliveryError, type AckedSession, type AckedTransport } from './acked-transport.js';
import { outageFor, type AlertOutput, type OutputStats } from './output.js';
import type { DiskSpool, SpoolPosition } from './spool.js';
import { SpoolIntake } from './spool-intake.js';
import { isTlsProblem } from './tls-material.js';

export interface AckedOutputOptions {
  target: string;
  transport: AckedTransport;
  spool: DiskSpool;
  /** Records sent and not yet confirmed, at most. */
  window: number;
  /** The oldest unconfirmed record may wait this long; then the session is dropped and everything unconfirmed resent. */
  ackTimeoutMs: number;
  /** How long close() (SIGTERM, end of replay) keeps delivering before leaving the rest in the spool. */
  drainTimeoutMs: number;
  /** The largest record sent; a larger alert is counted as `oversize` and not spooled. */
  maxRecordBytes?: number;
  /** How long one session attempt (connect, handshake, checks) may take; default 10 s. */
  openTimeoutMs?: number;
  /**
   * The opener will call configProblem(): until it has, a configuration refusal on the first attempt
   * is left for it to report (one line, exit 2) rather than logged as well.
   */
  startupCheck?: boolean;
  backoff?: Backoff;
  log?: Logger;
}

interface InFlight {
  seq: number;
  /** Spool position after this record: where the ack moves once it and all before it are confirmed. */
  end: SpoolPosition;
  confirmed: boolean;
  sentAt: number;
}

const READ_BATCH = 256 * 1024;
const COMMIT_EVERY_MS = 100;

/**
 * At-least-once delivery for outputs whose receiver acknowledges each message (RELP, Redis, NATS
 * JetStream): an alert leaves the spool only when the receiver confirmed it, and everything before
 * it too. write() encodes and queues; flush() appends to the disk spool and returns at once, so a
 * dead or slow receiver never holds up the pipeline or the other outputs. A pump keeps up to
 * `window` records in flight; a broken session (or an acknowledgement overdue by `ackTimeoutMs`) is
 * dropped, the spool rewound to the first unconfirmed record, and a new session tried with backoff
 * and jitter. Unlike plain syslog there is no resend window: what was confirmed is never sent again,
 * so duplicates come only from records the receiver took but could not confirm before it died.
 */
export class AckedOutput implements AlertOutput {
  readonly target: string;
  private readonly intake: SpoolIntake;
  private readonly backoff: Backoff;
  private readonly kind: string;
  private session: AckedSession | undefined;
  /** Bumped per session: events from an older session are ignored. */
  private generation = 0;
  private opening = false;
  /** Aborts the session attempt in progress (its deadline, or close()). */
  private attempt: AbortController | undefined;
  private closing = false;
  private closed = false;
  private inflight: InFlight[] = [];
  /** Confirmed, not yet committed to the spool (see commit()). */
  private uncommitted: { end: SpoolPosition; count: number } | undefined;
  private commitTimer: NodeJS.Timeout | undefined;
  private nextSeq = 1;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly ackTimer: NodeJS.Timeout;
  private outageSince: number | undefined;
  /** Settles with the first session attempt's outcome: undefined when it opened, else its error. */
  private readonly firstAttempt: Promise<Error | undefined>;
  private settleFirst: ((e: Error | undefined) => void) | undefined;
  /** configProblem() will report a refusal of the first attempt: it is not logged twice. */
  private startupWatch: boolean;
  private readonly counters = { sent: 0, delivered: 0, resent: 0, duplicates: 0, oversize: 0, late: 0, connects: 0, disconnects: 0 };

  constructor(private readonly o: AckedOutputOptions) {
    this.target = o.target;
    this.kind = o.transport.kind;
    this.startupWatch = o.startupCheck === true;
    this.backoff = o.backoff ?? new Backoff({ baseMs: 250, maxMs: 30_000 });
    this.intake = new SpoolIntake(o.spool, { target: o.target, kind: this.kind, log: o.log, onStored: () => this.pump() });
    this.ackTimer = setInterval(() => this.checkAckTimeout(), Math.max(50, Math.min(1000, o.ackTimeoutMs / 4)));
    this.ackTimer.unref();
    this.firstAttempt = new Promise((resolve) => (this.settleFirst = resolve));
    if (o.spool.unconfirmed > 0) o.log?.info({ output: this.target, spooled: o.spool.unconfirmed }, `${this.kind}: alerts from an earlier run are in the spool; they go first`);
    this.connect();
  }

  write(line: string, alert: EcsAlert): void {
    if (this.closed) {
      this.counters.late++;
      return;
    }
    const rec = this.o.transport.encode(line, alert);
    if (this.o.maxRecordBytes !== undefined && rec.length > this.o.maxRecordBytes) {
      this.counters.oversize++;
      this.o.log?.error({ output: this.target, bytes: rec.length, maxSize: this.o.maxRecordBytes }, `${this.kind}: alert larger than max-size; not sent (raise max-size, and the receiver's limit)`);
      return;
    }
    this.intake.push(rec);
  }

  /** Never waits on the receiver: once the alerts are in the spool they are safe. */
  flush(): Promise<void> {
    this.intake.store();
    return Promise.resolve();
  }

  /** Deliver what is left (for up to drain-timeout, or `drainMs`), then release; the rest stays spooled. */
  async close(drainMs = this.o.drainTimeoutMs): Promise<void> {
    if (this.closed) return;
    this.intake.store();
    this.closing = true;
    const started = Date.now();
    const deadline = started + drainMs;
    await this.waitUntil(() => this.o.spool.unconfirmed - (this.uncommitted?.count ?? 0) === 0, deadline);
    this.commit();
    this.closed = true;
    clearInterval(this.ackTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const s = this.session;
    this.session = undefined;
    this.generation++;
    this.attempt?.abort(new Error('output closing'));
    if (s) await s.close(Math.max(500, Math.min(2000, deadline - Date.now())));
    const left = this.o.spool.unconfirmed;
    this.o.spool.close();
    this.intake.finish();
    if (left > 0) {
      this.o.log?.warn({ output: this.target, spool: this.o.spool.dir, spooled: left, waitedMs: Date.now() - started }, `${this.kind}: receiver did not confirm every alert before shutdown; they stay in the spool and are sent first at the next start`);
    } else {
      this.o.log?.debug({ output: this.target, delivered: this.counters.delivered }, `${this.kind}: all alerts delivered`);
    }
  }

  stats(): OutputStats {
    // `late`: written after close (cannot happen in torwatch's own shutdown order); counted as failed.
    const { sent, delivered, resent, duplicates, oversize, late, connects, disconnects } = this.counters;
    return {
      target: this.target,
      written: this.intake.written,
      sent,
      delivered,
      resent,
      ...(this.o.transport.reportsDuplicates ? { duplicates } : {}),
      dropped: this.intake.dropped,
      oversize,
      failed: this.intake.dropped + oversize + late,
      connects,
      disconnects,
      spooled: this.o.spool.unconfirmed - (this.uncommitted?.count ?? 0) + (this.closed ? 0 : this.intake.pendingCount),
      spoolBytes: this.o.spool.size,
    };
  }

  deliveryProblem(nowMs: number): string | undefined {
    if (this.closed || this.outageSince === undefined) return undefined;
    return `receiver unreachable for ${outageFor(this.outageSince, nowMs)}; ${this.o.spool.unconfirmed} alerts wait in the spool`;
  }

  get isConnected(): boolean {
    return this.session !== undefined;
  }

  /**
   * At start-up: the receiver's refusal for a reason only a person can fix (DeliveryError.config),
   * if the first attempt met one within `ms`. A receiver that is down or slow is not a problem here:
   * alerts wait in the spool for it.
   */
  async configProblem(ms: number): Promise<DeliveryError | undefined> {
    const timer = new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref());
    const err = await Promise.race([this.firstAttempt, timer]);
    this.startupWatch = false;
    // Only a configuration refusal was held back from the log (failed()); anything else is logged already.
    return err instanceof DeliveryError && err.config ? err : undefined;
  }

  // ---- sending and confirming ----

  private pump(): void {
    const s = this.session;
    if (!s) return;
    while (this.inflight.length < this.o.window) {
      const batch = this.o.spool.read(READ_BATCH, this.o.window - this.inflight.length);
      if (!batch) break;
      const first = this.nextSeq;
      const now = Date.now();
      for (const end of batch.ends) this.inflight.push({ seq: this.nextSeq++, end, confirmed: false, sentAt: now });
      this.counters.sent += batch.records.length;
      s.send(batch.records, first);
      if (this.session !== s) return; // send() may break the session synchronously
    }
  }

  private confirmed(gen: number, seq: number, duplicate: boolean): void {
    if (gen !== this.generation || !this.inflight.length) return;
    const i = seq - this.inflight[0].seq;
    if (i < 0 || i >= this.inflight.length) return;
    this.inflight[i].confirmed = true;
    if (duplicate) this.counters.duplicates++;
    if (i !== 0) return;
    let n = 0;
    while (n < this.inflight.length && this.inflight[n].confirmed) n++;
    const end = this.inflight[n - 1].end;
    this.inflight.splice(0, n);
    this.uncommitted = { end, count: (this.uncommitted?.count ?? 0) + n };
    this.commitTimer ??= setTimeout(() => this.commit(), COMMIT_EVERY_MS).unref();
    this.counters.delivered += n;
    if (this.inflight.length <= this.o.window / 2) this.pump();
  }

  /**
   * Move the spool's ack over what was confirmed. Batched (every 100 ms, and before a rewind or
   * close): persisting the ack position per acknowledgement would cost a file rename per alert. A
   * torwatch killed in between resends at most those 100 ms of confirmed alerts at its next start.
   */
  private commit(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const c = this.uncommitted;
    this.uncommitted = undefined;
    if (c) this.o.spool.commit(c.end, c.count);
  }

  private checkAckTimeout(): void {
    const oldest = this.inflight[0];
    if (!this.session || !oldest || Date.now() - oldest.sentAt <= this.o.ackTimeoutMs) return;
    this.broken(this.generation, new Error(`no acknowledgement within ${this.o.ackTimeoutMs / 1000} s`));
  }

  // ---- sessions ----

  private connect(): void {
    if (this.session || this.opening || this.closed) return;
    this.opening = true;
    const gen = ++this.generation;
    const attempt = (this.attempt = new AbortController());
    const ms = this.o.openTimeoutMs ?? 10_000;
    const deadline = setTimeout(() => attempt.abort(new Error(`no session within ${ms / 1000} s (the receiver accepts connections but does not answer)`)), ms).unref();
    this.o.transport
      .open({
        confirmed: (seq, dup) => this.confirmed(gen, seq, dup === true),
        broken: (err) => this.broken(gen, err),
      }, attempt.signal)
      .finally(() => {
        clearTimeout(deadline);
        if (this.attempt === attempt) this.attempt = undefined;
      })
      .then((s) => {
        this.opening = false;
        if (gen !== this.generation || this.closed) {
          s.destroy();
          return;
        }
        this.session = s;
        this.settleFirst?.(undefined);
        this.settleFirst = undefined;
        this.counters.connects++;
        this.backoff.reset();
        const queued = this.o.spool.unsent;
        if (this.outageSince !== undefined) {
          this.o.log?.info({ output: this.target, to: this.o.transport.describe, outageMs: Date.now() - this.outageSince, queued }, `${this.kind}: receiver is back; sending what was spooled`);
        } else {
          this.o.log?.debug({ output: this.target, to: this.o.transport.describe, queued }, `${this.kind}: connected`);
        }
        this.outageSince = undefined;
        this.pump();
      })
      .catch((err: unknown) => {
        this.opening = false;
        if (gen !== this.generation) return;
        this.failed(err instanceof Error ? err : new Error(String(err)), false);
      });
  }

  private broken(gen: number, err: Error): void {
    if (gen !== this.generation || !this.session) return;
    const s = this.session;
    this.session = undefined;
    this.generation++;
    s.destroy();
    this.counters.disconnects++;
    this.failed(err, true);
  }

  /** A session could not be opened or broke: rewind to the first unconfirmed record and retry later. */
  private failed(err: Error, wasConnected: boolean): void {
    this.commit(); // what was confirmed stays confirmed: the rewind goes back to the first unconfirmed
    const forStartup = this.startupWatch && this.settleFirst !== undefined && err instanceof DeliveryError && err.config;
    this.settleFirst?.(err);
    this.settleFirst = undefined;
    if (forStartup) return; // configProblem() turns it into the one-line start-up error
    const resend = this.o.spool.rewind();
    this.inflight = [];
    this.counters.resent += resend;
    const level = err instanceof DeliveryError ? err.level : isTlsProblem(err) ? 'error' : 'warn';
    if (this.outageSince === undefined) {
      this.outageSince = Date.now();
      this.o.log?.[level]({ output: this.target, to: this.o.transport.describe, err: err.message, code: (err as NodeJS.ErrnoException).code, resend, spooled: this.o.spool.unconfirmed },
        wasConnected ? `${this.kind}: connection to the receiver lost; spooling to disk and reconnecting` : `${this.kind}: cannot deliver to the receiver; spooling to disk and retrying`);
    } else if (level === 'error') {
      this.o.log?.error({ output: this.target, err: err.message }, `${this.kind}: still cannot deliver`);
    } else {
      this.o.log?.debug({ output: this.target, err: err.message }, `${this.kind}: reconnect failed`);
    }
    this.scheduleReconnect();
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

  private waitUntil(cond: () => boolean, deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (cond() || Date.now() >= deadline) resolve();
        else setTimeout(check, 10);
      };
      check();
    });
  }
}
