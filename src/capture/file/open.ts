/**
 * Public entry point of the capture-file readers: read one pcap / pcapng input (plain or gzip, a path
 * or '-' for stdin) and hand every packet record to a FrameSink, in order.
 */
import type { Readable } from 'node:stream';
import { Frame, type FrameSink } from '../frame.js';
import { InputError } from '../../util/errors.js';
import { detectFormat } from './detect-format.js';
import { DEFAULT_CHUNK_BYTES } from './limits.js';
import { describeFsError, openCaptureSource } from './open-source.js';
import { PcapngParser } from './pcapng-reader.js';
import { PcapParser } from './pcap-reader.js';
import { runReadLoop } from './read-loop.js';
import type { RecordParser } from './record-parser.js';

export interface CaptureFileInfo {
  file: string;
  format: 'pcap' | 'pcapng';
  compressed: boolean;
  /** Packet records delivered. */
  records: number;
  /** Decompressed bytes read. */
  bytes: number;
}

export interface ReadOptions {
  /**
   * Called now and then (every 4 MiB of decompressed input, and once at the end) with decompressed
   * bytes read so far, bytes consumed from the file/pipe (compressed bytes for gzip), and the file's
   * size on disk when known (for a progress bar).
   */
  onProgress?: (bytesRead: number, compressedBytesRead: number, totalOnDisk: number | undefined) => void;
  /**
   * Stop early (SIGINT): reading stops at the next chunk boundary and the promise resolves with what
   * was read so far (no error; the caller knows it aborted).
   */
  signal?: AbortSignal;
  /**
   * Called after the records of each chunk (about every `chunkSize` bytes) have been delivered, and
   * awaited when it returns a promise: the place to flush outputs and apply their backpressure.
   */
  afterChunk?: () => void | Promise<void>;
  /** Read-buffer size in bytes (default 1 MiB). Tests use tiny values to split records. */
  chunkSize?: number;
  /** Upper bound on one read, in bytes (tests). */
  maxReadBytes?: number;
  /** The stream '-' reads (default process.stdin). */
  stdin?: Readable;
}

function describeSourceError(e: unknown, compressed: boolean): string {
  const err = e as NodeJS.ErrnoException;
  const code = err?.code ?? '';
  if (compressed && code.startsWith('Z_')) {
    if (code === 'Z_BUF_ERROR') return 'gzip data is truncated (the compressed stream ends early)';
    return `gzip data is corrupt (zlib: ${err.message})`;
  }
  return describeFsError(e);
}

/**
 * Read one capture (a path, or '-' for stdin) to the end, calling sink synchronously for every record,
 * in order. Throws InputError (src/util/errors.ts) for unreadable/malformed input AFTER having
 * delivered every good record before the problem.
 *
 * The Frame passed to `sink` is one reused object whose `buf` is the reader's chunk buffer: valid only
 * until the sink returns.
 */
export async function readCaptureFile(name: string, sink: FrameSink, opts: ReadOptions = {}): Promise<CaptureFileInfo> {
  const { source, compressed } = await openCaptureSource(name, { signal: opts.signal, stdin: opts.stdin });
  const frame = new Frame();
  let format: CaptureFileInfo['format'] = 'pcap';
  const makeParser = (head: Buffer): RecordParser => {
    if (head.length === 0) {
      throw new InputError({ file: name }, compressed ? 'gzip data decompresses to nothing (empty capture)' : 'file is empty (0 bytes), not a capture');
    }
    const d = detectFormat(head);
    switch (d.kind) {
      case 'pcap':
        format = 'pcap';
        return new PcapParser(name, frame, sink);
      case 'pcapng':
        format = 'pcapng';
        return new PcapngParser(name, frame, sink);
      case 'gzip':
        throw new InputError({ file: name, byteOffset: 0 }, 'gzip data inside gzip data; only one layer of compression is supported');
      case 'unknown':
        throw new InputError({ file: name, byteOffset: 0 }, compressed ? `after gunzip: ${d.description}` : d.description);
    }
  };
  try {
    const r = await runReadLoop(source, makeParser, {
      file: name,
      chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_BYTES,
      maxReadBytes: opts.maxReadBytes,
      signal: opts.signal,
      onProgress: opts.onProgress,
      afterChunk: opts.afterChunk,
      describeSourceError: (e) => describeSourceError(e, compressed),
    });
    return { file: name, format, compressed, records: r.parser.records, bytes: r.bytes };
  } finally {
    await source.close().catch(() => {});
  }
}
