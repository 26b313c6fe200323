import { realpathSync, statSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { UserError } from '../util/errors.js';
import { fileProblem, NOFOLLOW, sharedDirProblem } from '../util/private-files.js';
import type { AlertOutput, OutputStats } from './output.js';

export interface FileOutputOptions {
  /** What the user typed, if not the path itself (a file:// URL). */
  target?: string;
  /** Rotate when the file would grow past this many bytes: alerts.ndjson -> .1 -> .2 ... */
  rotateBytes?: number;
  /** Rotated files to keep (default 5); the oldest is deleted. */
  rotateKeep?: number;
  /**
   * 'none' (default): write() to the page cache and let the kernel write back; a torwatch crash loses
   * nothing that was written, a power loss can lose the last seconds. 'batch': fdatasync after every
   * batch (the pipeline flushes once per input chunk, live capture about once a second).
   */
  fsync?: 'none' | 'batch';
}

/**
 * NDJSON appended to a file, for Filebeat / Elastic Agent / Splunk UF / Wazuh to tail. The file is
 * opened O_APPEND and every write() carries whole lines only, so a tailer never sees half a line.
 * Lines are batched per flush (the pipeline flushes per input chunk and at the end).
 *
 * Rotation: logrotate's rename-and-signal (`reopen()` on SIGHUP: the old name keeps its inode, alerts
 * go to a new file under the configured name), or torwatch's own size rotation (rotate-size) for
 * hosts without logrotate. Never both for one file.
 */
export class FileOutput implements AlertOutput {
  readonly target: string;
  private fh: FileHandle | undefined;
  private size = 0;
  private pending: string[] = [];
  private writing: Promise<void> = Promise.resolve();
  private written = 0;
  private failed = 0;
  private rotations = 0;
  private reopens = 0;
  /** Why the last failed write failed (for the run summary and the one-line report at the end). */
  private lastError: string | undefined;
  /** The last write failed (cleared by the next one that succeeds): what /healthz reports. */
  private failing = false;

  private constructor(
    readonly path: string,
    private readonly log: Logger | undefined,
    private readonly opts: FileOutputOptions,
  ) {
    this.target = opts.target ?? path;
  }

  /** Open (create) the file for appending; a bad path is the user's error, said in one line. */
  static async open(path: string, log?: Logger, opts: FileOutputOptions = {}): Promise<FileOutput> {
    const out = new FileOutput(path, log, opts);
    await out.openFile();
    return out;
  }

  write(line: string): void {
    this.pending.push(line);
    if (this.pending.length >= 1024) void this.flush();
  }

  flush(): Promise<void> {
    if (this.pending.length > 0) {
      const lines = this.pending;
      this.pending = [];
      // With size rotation, cut the batch so that each write fits in one file (whole lines always).
      const limit = this.opts.rotateBytes ?? Infinity;
      let start = 0;
      let bytes = 0;
      for (let i = 0; i <= lines.length; i++) {
        const len = i < lines.length ? Buffer.byteLength(lines[i]) + 1 : 0;
        if (i === lines.length || (i > start && bytes + len > limit)) {
          const batch = lines.slice(start, i);
          const data = Buffer.from(batch.join('\n') + '\n');
          this.writing = this.writing.then(() => this.writeAll(data, batch.length));
          start = i;
          bytes = 0;
        }
        bytes += len;
      }
    }
    return this.writing;
  }

  /** After logrotate renamed the file: finish pending writes, then write to a new file under the name. */
  async reopen(): Promise<void> {
    await this.flush();
    this.writing = this.writing.then(async () => {
      const old = this.fh;
      try {
        await this.openFile();
        this.reopens++;
        await old?.close();
        this.log?.info({ file: this.path }, 'alert file reopened');
      } catch (err) {
        // Keep writing to the old file rather than lose alerts; say why.
        this.fh = old;
        this.log?.error({ file: this.path, err: (err as Error).message }, 'alert file could not be reopened; still writing to the old one');
      }
    });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.fh?.close();
    this.fh = undefined;
  }

  deliveryProblem(): string | undefined {
    return this.failing ? `writes fail (${this.lastError ?? 'unknown error'})` : undefined;
  }

  stats(): OutputStats {
    return { target: this.target, written: this.written, failed: this.failed, rotations: this.rotations, reopens: this.reopens, ...(this.lastError ? { error: this.lastError } : {}) };
  }

  private async openFile(): Promise<void> {
    this.fh = await openAppend(this.path);
    this.size = (await this.fh.stat()).size;
  }

  private async rotate(): Promise<void> {
    const keep = this.opts.rotateKeep ?? 5;
    await this.fh?.close();
    this.fh = undefined;
    await unlink(`${this.path}.${keep}`).catch(() => undefined);
    for (let i = keep - 1; i >= 1; i--) await rename(`${this.path}.${i}`, `${this.path}.${i + 1}`).catch(() => undefined);
    await rename(this.path, `${this.path}.1`);
    await this.openFile();
    this.rotations++;
    this.log?.info({ file: this.path, keep }, 'alert file rotated');
  }

  private async writeAll(data: Buffer, lines: number): Promise<void> {
    try {
      if (this.opts.rotateBytes && this.size > 0 && this.size + data.length > this.opts.rotateBytes) await this.rotate();
    } catch (err) {
      this.log?.error({ file: this.path, err: (err as Error).message }, 'alert file rotation failed; appending to the current file');
      if (!this.fh) await this.openFile().catch(() => undefined);
    }
    const fh = this.fh;
    if (!fh) {
      this.failed += lines;
      this.failing = true;
      this.lastError = 'the file is not open';
      return;
    }
    let off = 0;
    try {
      while (off < data.length) {
        const { bytesWritten } = await fh.write(data, off, data.length - off);
        if (bytesWritten <= 0) throw new Error('write() wrote nothing');
        off += bytesWritten;
      }
    } catch (err) {
      await this.cutBack(fh, data, off, lines, err as NodeJS.ErrnoException);
      return;
    }
    this.size += data.length;
    this.written += lines;
    this.failing = false;
    if (this.opts.fsync === 'batch') {
      // The lines are in the page cache (a crash of torwatch loses nothing); only a power loss could.
      await fh.datasync().catch((err: Error) => this.log?.error({ file: this.path, err: err.message }, 'alert file fdatasync failed'));
    }
  }

  /**
   * A write the OS cut short (ENOSPC on a full disk, EDQUOT, EIO): the file may end in part of a line.
   * Cut it back to the last whole line, so that a tailing shipper never reads half an alert and later
   * writes (once there is room again) start on a line of their own; count what did get written.
   */
  private async cutBack(fh: FileHandle, data: Buffer, off: number, lines: number, err: NodeJS.ErrnoException): Promise<void> {
    const whole = off > 0 ? data.lastIndexOf(0x0a, off - 1) + 1 : 0;
    let kept = 0;
    for (let i = data.indexOf(0x0a); i >= 0 && i < whole; i = data.indexOf(0x0a, i + 1)) kept++;
    if (off > whole) {
      try {
        const { size } = await fh.stat();
        await fh.truncate(size - (off - whole));
      } catch (e) {
        this.log?.error({ file: this.path, err: (e as Error).message }, 'alert file: could not cut back a partly written line');
      }
    }
    this.size += whole;
    this.written += kept;
    this.failed += lines - kept;
    this.failing = true;
    this.lastError = err.code ? `${err.code}: ${err.message.replace(/^[A-Z]+: /, '').replace(/, write$/, '')}` : err.message;
    this.log?.error({ err: err.message, code: err.code, file: this.path, lost: lines - kept, written: kept }, 'alert file write failed; alerts lost');
  }
}

/**
 * Open for appending, as root possibly: never through a symbolic link (O_NOFOLLOW), only a plain file
 * with one name that is the running user's (or root's), in a directory no other group or user can
 * plant names in (a sticky one such as /tmp passes: the checks on the file keep a planted file out).
 * Who owns the directory is not asked: `sudo torwatch replay -o ~/alerts.ndjson` is fine, since
 * nothing its owner can do there redirects a write made this way. Refusals are one line naming the file.
 */
/** Why an output file (or its directory) could not be opened, in words. */
function openFailure(e: NodeJS.ErrnoException): string {
  return e.code === 'ENOENT' ? 'its directory does not exist' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a directory' : e.message;
}

async function openAppend(path: string): Promise<FileHandle> {
  let dir: string;
  try {
    dir = realpathSync(dirname(path));
  } catch (err) {
    throw new UserError(`${path}: cannot open output file: ${openFailure(err as NodeJS.ErrnoException)}`);
  }
  const shared = sharedDirProblem(statSync(dir));
  if (shared) throw new UserError(`${path}: refusing the output file: ${dir}: ${shared}`);
  let fh: FileHandle;
  try {
    fh = await open(path, NOFOLLOW.append, 0o640);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${path}: ${e.code === 'ELOOP' ? 'refusing the output file: it is a symbolic link' : `cannot open output file: ${openFailure(e)}`}`);
  }
  // A character device (`-o /dev/null`) only root can create: nothing a local user could have planted.
  const st = await fh.stat();
  const problem = st.isCharacterDevice() ? undefined : fileProblem(st, process.geteuid?.() ?? 0, true);
  if (problem) {
    await fh.close();
    throw new UserError(`${path}: refusing the output file: ${problem}`);
  }
  return fh;
}
