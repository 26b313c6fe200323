/**
 * Byte sources the read loop pulls chunks from: a plain file (read straight into the loop's buffer,
 * no intermediate copy) or a Node stream (stdin, or the output of gunzip).
 *
 * A source never holds more than a bounded amount ahead of the reader: files are read on demand, and
 * streams are consumed in paused mode (stream.read()), so their own highWaterMark applies.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface ByteSource {
  /**
   * Copy up to `len` bytes into target[off..]. Resolves with the count, 0 at the end of the input.
   * Waits only when nothing is available; returns what is there rather than waiting to fill `len`.
   * Rejects with the underlying error (I/O, zlib) once the data before the error has been returned.
   */
  read(target: Buffer, off: number, len: number): Promise<number>;
  /** Bytes consumed from the file or pipe (compressed bytes for gzip input). */
  readonly rawBytesRead: number;
  /** Size of the input on disk when it is a regular file. */
  readonly totalOnDisk: number | undefined;
  /** Release the file / stop the streams. Safe to call twice. */
  close(): Promise<void>;
}

export class FileByteSource implements ByteSource {
  rawBytesRead = 0;
  private closed = false;

  constructor(
    private readonly fh: FileHandle,
    readonly totalOnDisk: number | undefined,
  ) {}

  async read(target: Buffer, off: number, len: number): Promise<number> {
    // position null: read from the current file position (works for FIFOs and character devices too).
    const { bytesRead } = await this.fh.read(target, off, len, null);
    this.rawBytesRead += bytesRead;
    return bytesRead;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }
}

/** Wait until `r` is readable, has ended or has failed (or the signal fires). */
export function waitReadable(r: Readable, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      r.off('readable', done);
      r.off('end', done);
      r.off('error', done);
      r.off('close', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    r.on('readable', done);
    r.on('end', done);
    r.on('error', done);
    r.on('close', done);
    signal?.addEventListener('abort', done);
  });
}

function ignoreError(): void {}

/** Has the stream delivered everything it will ever deliver (or failed)? */
function finished(r: Readable): boolean {
  return r.readableEnded || r.destroyed || r.errored !== null;
}

export class StreamByteSource implements ByteSource {
  private pending: Buffer | null = null;
  private pendingOff = 0;
  private closed = false;
  private ownBytes = 0;

  /**
   * `rawCount` reports the bytes consumed upstream (e.g. a gunzip stream's compressed input);
   * without it the stream's own bytes are counted. `cleanup` runs on close().
   */
  constructor(
    private readonly r: Readable,
    readonly totalOnDisk: number | undefined,
    private readonly signal: AbortSignal | undefined,
    private readonly rawCount?: () => number,
    private readonly cleanup?: () => void,
  ) {
    // An 'error' emitted while the parser runs (no waitReadable listener attached) must not become an
    // uncaught exception; read() picks the error up from r.errored.
    r.on('error', ignoreError);
  }

  get rawBytesRead(): number {
    return this.rawCount ? this.rawCount() : this.ownBytes;
  }

  async read(target: Buffer, off: number, len: number): Promise<number> {
    let n = 0;
    for (;;) {
      while (n < len) {
        if (this.pending === null) {
          const c = this.r.read() as Buffer | string | null;
          if (c === null) break;
          this.pending = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
          this.pendingOff = 0;
          this.ownBytes += this.pending.length;
        }
        const take = Math.min(len - n, this.pending.length - this.pendingOff);
        this.pending.copy(target, off + n, this.pendingOff, this.pendingOff + take);
        n += take;
        this.pendingOff += take;
        if (this.pendingOff === this.pending.length) this.pending = null;
      }
      if (n > 0 || len === 0) return n;
      if (this.r.errored) throw this.r.errored;
      if (finished(this.r) || this.signal?.aborted) return 0;
      await waitReadable(this.r, this.signal);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending = null;
    this.cleanup?.();
    this.r.off('error', ignoreError);
  }
}
