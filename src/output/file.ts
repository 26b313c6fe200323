import { open, type FileHandle } from 'node:fs/promises';
import type { Logger } from 'pino';
import { UserError } from '../util/errors.js';
import type { AlertOutput, OutputStats } from './output.js';

/**
 * NDJSON appended to a file, for Filebeat / Elastic Agent / Splunk UF / Wazuh to tail. The file is
 * opened O_APPEND and every write() carries whole lines only, so a tailer never sees half a line.
 * Lines are batched per flush (the pipeline flushes per input chunk and at the end).
 */
export class FileOutput implements AlertOutput {
  private fh: FileHandle | undefined;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private written = 0;
  private failed = 0;

  private constructor(
    readonly target: string,
    private readonly log?: Logger,
  ) {}

  /** Open (create) the file for appending; a bad path is the user's error, said in one line. */
  static async open(path: string, log?: Logger): Promise<FileOutput> {
    const out = new FileOutput(path, log);
    out.fh = await openAppend(path);
    return out;
  }

  write(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= 1024) void this.flush();
  }

  flush(): Promise<void> {
    if (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      const data = Buffer.from(batch.join('\n') + '\n');
      this.writing = this.writing.then(() => this.writeAll(data, batch.length));
    }
    return this.writing;
  }

  async reopen(): Promise<void> {
    await this.flush();
    const old = this.fh;
    this.fh = await openAppend(this.target);
    await old?.close();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh?.close();
    this.fh = undefined;
  }

  stats(): OutputStats {
    return { target: this.target, written: this.written, failed: this.failed };
  }

  private async writeAll(data: Buffer, lines: number): Promise<void> {
    if (!this.fh) {
      this.failed += lines;
      return;
    }
    try {
      let off = 0;
      while (off < data.length) {
        const { bytesWritten } = await this.fh.write(data, off, data.length - off);
        off += bytesWritten;
      }
      this.written += lines;
    } catch (err) {
      this.failed += lines;
      this.log?.error({ err: (err as Error).message, file: this.target, lost: lines }, 'alert file write failed');
    }
  }
}

async function openAppend(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'a', 0o640);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${path}: cannot open output file: ${e.code === 'ENOENT' ? 'its directory does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message}`);
  }
}
