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

  flush(): Promise<void> {
    if (this.pending.length === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = [];
    if (this.broken) {
      this.failed += batch.length;
      return Promise.resolve();
    }
    const ok = this.stream.write(batch.join('\n') + '\n');
    this.written += batch.length;
    if (ok) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('drain', done);
        this.stream.off('error', done);
        this.stream.off('close', done);
        resolve();
      };
      this.stream.on('drain', done);
      this.stream.on('error', done);
      this.stream.on('close', done);
    });
  }

  async close(): Promise<void> {
    await this.flush();
  }

  stats(): OutputStats {
    return { target: this.target, written: this.written, failed: this.failed };
  }
}
