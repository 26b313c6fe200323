import type { Logger } from 'pino';
import type { DiskSpool } from './spool.js';

const DROP_LOG_INTERVAL_MS = 10_000;
/** Encoded alerts held in memory before one append to the spool (flush() appends sooner). */
const PENDING_MAX = 512;

/**
 * The front door of every spooled output (syslog over TCP/TLS, RELP, Redis, NATS): encoded alerts
 * wait in memory until the pipeline's next flush (or 512 of them), then go to the disk spool in one
 * append. A full spool refuses the newest alerts; they are counted and said loudly: at error level
 * at once, then at most every 10 s with the count, and once more at close.
 */
export class SpoolIntake {
  private pending: Buffer[] = [];
  private lastDropLog = 0;
  private dropsSinceLog = 0;
  /** Alerts stored in the spool, and alerts the spool refused. */
  written = 0;
  dropped = 0;

  constructor(
    private readonly spool: DiskSpool,
    private readonly o: {
      target: string;
      /** The output's kind for the log line ("syslog", "RELP", "Redis", "NATS"). */
      kind: string;
      log?: Logger;
      /** Called after every append that stored something: the sender may have more to send. */
      onStored: () => void;
    },
  ) {}

  push(record: Buffer): void {
    this.pending.push(record);
    if (this.pending.length >= PENDING_MAX) this.store();
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Append what is pending to the spool; count and log what it refused. */
  store(): void {
    if (!this.pending.length) return;
    const batch = this.pending;
    this.pending = [];
    const accepted = this.spool.append(batch);
    this.written += accepted;
    const refused = batch.length - accepted;
    if (refused > 0) {
      this.dropped += refused;
      this.dropsSinceLog += refused;
      this.logDrops(false);
    }
    if (accepted > 0) this.o.onStored();
  }

  /** At close: the drops not yet logged. */
  finish(): void {
    if (this.dropsSinceLog > 0) this.logDrops(true);
  }

  private logDrops(final: boolean): void {
    const now = Date.now();
    if (!final && this.lastDropLog !== 0 && now - this.lastDropLog < DROP_LOG_INTERVAL_MS) return;
    this.o.log?.error(
      { output: this.o.target, spool: this.spool.dir, spoolBytes: this.spool.size, spoolMaxBytes: this.spool.maxBytes, droppedNow: this.dropsSinceLog, droppedTotal: this.dropped },
      `SPOOL FULL: alerts DROPPED for this ${this.o.kind} output (receiver down or too slow for too long; raise spool-size or fix the receiver)`,
    );
    this.lastDropLog = now;
    this.dropsSinceLog = 0;
  }
}
