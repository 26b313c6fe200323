/**
 * Open a capture input by name ('-' = stdin) as a ByteSource, peeling one gzip layer when the raw
 * bytes start with the gzip magic (decided by content, never by the .gz suffix).
 */
import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { fstatSync } from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { createGunzip, type Gunzip, type ZlibOptions } from 'node:zlib';
import { InputError } from '../../util/errors.js';
import { FileByteSource, StreamByteSource, waitReadable, type ByteSource } from './byte-source.js';

export interface OpenedSource {
  source: ByteSource;
  compressed: boolean;
}

export interface OpenSourceOptions {
  signal?: AbortSignal;
  /** What '-' reads from; process.stdin by default. */
  stdin?: Readable;
}

/**
 * gunzip granularity. Node's zlib discards the output of the write call that hits corrupt data, so
 * compressed input is fed in 64 KiB pieces and output pushed in 64 KiB chunks: on a gzip data error,
 * at most the last 64 KiB decoded before the error point are not delivered (a cleanly truncated .gz
 * loses nothing). Smaller pieces cost throughput (16 KiB: -30%) for little gain. The deep output buffer
 * lets zlib decompress ahead on the thread pool while the parser runs.
 */
const RAW_STREAM_CHUNK = 64 * 1024;
const GUNZIP_CHUNK = 64 * 1024;
const GUNZIP_AHEAD = 1024 * 1024;

function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** Plain words for the usual open/read errors. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (cannot read the file)';
    case 'EISDIR':
      return 'is a directory, not a capture file';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    default:
      return `cannot read the input: ${err?.message ?? String(e)}`;
  }
}

function gunzipSource(raw: Readable, totalOnDisk: number | undefined, signal: AbortSignal | undefined): StreamByteSource {
  // readableHighWaterMark is a Transform option that zlib passes through (missing from ZlibOptions).
  const zopts: ZlibOptions & { readableHighWaterMark: number } = { chunkSize: GUNZIP_CHUNK, readableHighWaterMark: GUNZIP_AHEAD };
  const gunzip: Gunzip = createGunzip(zopts);
  // pipeline forwards an error of either side to the gunzip output, where the reader sees it.
  pipeline(raw, gunzip, () => {});
  return new StreamByteSource(gunzip, totalOnDisk, signal, () => gunzip.bytesWritten, () => {
    gunzip.destroy();
    raw.destroy();
  });
}

async function openFile(name: string, opts: OpenSourceOptions): Promise<OpenedSource> {
  let fh: FileHandle;
  try {
    fh = await open(name, 'r');
  } catch (e) {
    throw new InputError({ file: name }, describeFsError(e));
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new InputError({ file: name }, 'is a directory, not a capture file');
    const totalOnDisk = st.isFile() ? st.size : undefined;
    if (st.isFile()) {
      // Regular files can be peeked at offset 0 and then read from the start by either path.
      const head = Buffer.alloc(2);
      const { bytesRead } = await fh.read(head, 0, 2, 0);
      if (bytesRead === 2 && isGzip(head)) {
        const raw = createReadStream('', { fd: fh, start: 0, highWaterMark: RAW_STREAM_CHUNK, autoClose: true });
        return { source: gunzipSource(raw, totalOnDisk, opts.signal), compressed: true };
      }
      return { source: new FileByteSource(fh, totalOnDisk), compressed: false };
    }
    // A FIFO or device (e.g. a shell's <(...)): cannot seek back, so peek through a stream.
    const raw = createReadStream('', { fd: fh, highWaterMark: RAW_STREAM_CHUNK, autoClose: true });
    return await streamSource(raw, undefined, opts.signal, () => raw.destroy());
  } catch (e) {
    await fh.close().catch(() => {});
    if (e instanceof InputError) throw e;
    throw new InputError({ file: name }, describeFsError(e));
  }
}

/**
 * Read at least `n` bytes (or everything, if the stream is shorter) and put them back, so the caller
 * can look at the magic and still consume the stream from its first byte.
 */
async function peekStream(r: Readable, n: number, signal: AbortSignal | undefined): Promise<{ head: Buffer; stream: Readable }> {
  const parts: Buffer[] = [];
  let total = 0;
  // Errors are read from r.errored below; without a listener an 'error' event would be uncaught.
  const ignore = (): void => {};
  r.on('error', ignore);
  try {
    while (total < n) {
      const c = r.read() as Buffer | string | null;
      if (c !== null) {
        const b = typeof c === 'string' ? Buffer.from(c, 'latin1') : c;
        parts.push(b);
        total += b.length;
        continue;
      }
      if (r.errored) throw r.errored;
      if (r.readableEnded || r.destroyed || signal?.aborted) break;
      await waitReadable(r, signal);
    }
  } finally {
    r.off('error', ignore);
  }
  const head = Buffer.concat(parts);
  if (head.length === 0) return { head, stream: r };
  if (r.readableEnded || r.destroyed) {
    // unshift() is not allowed after 'end': replay the few bytes from a fresh stream instead.
    return { head, stream: Readable.from([head], { objectMode: false }) };
  }
  r.unshift(head);
  return { head, stream: r };
}

async function streamSource(
  r: Readable,
  totalOnDisk: number | undefined,
  signal: AbortSignal | undefined,
  cleanup: () => void,
): Promise<OpenedSource> {
  const { head, stream } = await peekStream(r, 2, signal);
  if (isGzip(head)) return { source: gunzipSource(stream, totalOnDisk, signal), compressed: true };
  return { source: new StreamByteSource(stream, totalOnDisk, signal, undefined, cleanup), compressed: false };
}

async function openStdin(opts: OpenSourceOptions): Promise<OpenedSource> {
  const stdin = opts.stdin ?? process.stdin;
  if (opts.stdin === undefined && process.stdin.isTTY) {
    throw new InputError({ file: '-' }, 'stdin is a terminal; pipe a capture into it (e.g. `cat x.pcap | torwatch replay -`)');
  }
  let totalOnDisk: number | undefined;
  if (opts.stdin === undefined) {
    try {
      const st = fstatSync(0);
      if (st.isFile()) totalOnDisk = st.size;
    } catch {
      // Unknown size only disables the progress percentage.
    }
  }
  try {
    // Leave process.stdin open at the end (other code may log to it being closed); just stop reading.
    return await streamSource(stdin, totalOnDisk, opts.signal, () => stdin.pause());
  } catch (e) {
    throw new InputError({ file: '-' }, describeFsError(e));
  }
}

export function openCaptureSource(name: string, opts: OpenSourceOptions = {}): Promise<OpenedSource> {
  return name === '-' ? openStdin(opts) : openFile(name, opts);
}
