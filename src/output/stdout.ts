import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { AlertOutput, OutputStats } from './output.js';

/**
 * NDJSON on stdout (the replay default). Lines are batched into one write per flush, always whole
 * lines. If the reader goes away (EPIPE, e.g. `| head`), further alerts are counted as failed and the
 * run carries on to write its other outputs and summary.
 */
export class StdoutOutput implements AlertOutput {
  readonly target = '-';
  private pending: string[] = [];
  private written = 0;
  private failed = 0;
  private broken = false;

  constructor(
    private readonly stream: Writable = process.stdout,
    private readonly log?: Logger,
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.broken) this.log?.warn({ err: err.message, code: err.code }, 'stdout closed; alerts to stdout are dropped from here on');
      this.broken = true;
    });
  }

  write(line: string): void {
    if (this.broken) {
      this.failed++;
      return;
    }
    this.pending.push(line);
    if (this.pending.length >= 512) void this.flush();
  }

  /**
   * One write per batch. An alert counts as written only when the write completed (its callback
   * without an error): a reader that went away (EPIPE) fails the batch rather than having it counted
   * as written. Waiting for the callback is also the backpressure: it fires once the pipe took the data.
   */
  flush(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    if (this.broken || this.stream.destroyed) {
      this.failed += batch.length;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.stream.write(batch.join('\n') + '\n', (err) => {
        if (err) {
          this.broken = true;
          this.failed += batch.length;
        } else {
          this.written += batch.length;
        }
        resolve();
      });
    });
  }

  async close(): Promise<void> {
    await this.flush();
  }

  deliveryProblem(): string | undefined {
    return this.broken ? 'stdout is closed (its reader went away)' : undefined;
  }

  stats(): OutputStats {
    return { target: this.target, written: this.written, failed: this.failed };
  }
}
