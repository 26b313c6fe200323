/**
 * The chunk loop: read into one buffer, let the format parser deliver every complete record in place,
 * carry the incomplete tail to the front, repeat. One await per read; parsing is synchronous.
 *
 * Memory: the buffer is `chunkSize` bytes and grows only when a single record needs more (bounded by
 * the parser's per-record cap, which it enforces before asking), so it stays flat whatever the input
 * size.
 */
import { InputError } from '../../util/errors.js';
import type { ByteSource } from './byte-source.js';
import { MAGIC_BYTES } from './detect-format.js';
import { PROGRESS_EVERY_BYTES } from './limits.js';
import type { RecordParser } from './record-parser.js';

export interface ReadLoopOptions {
  file: string;
  chunkSize: number;
  /** Upper bound on a single read (tests use it to split records at every position). */
  maxReadBytes?: number;
  signal?: AbortSignal;
  onProgress?: (bytesRead: number, compressedBytesRead: number, totalOnDisk: number | undefined) => void;
  /** Awaited after the records of each chunk were delivered (the pipeline's output backpressure point). */
  afterChunk?: () => void | Promise<void>;
  /** Turn an error thrown by the source (I/O, zlib) into a user-facing message. */
  describeSourceError: (e: unknown) => string;
}

export interface ReadLoopResult {
  parser: RecordParser;
  /** Decompressed bytes read. */
  bytes: number;
  aborted: boolean;
}

/**
 * Pull the whole source through the parser that `makeParser` picks from the first bytes (at least
 * MAGIC_BYTES of them unless the input is shorter; it throws InputError for an unusable input).
 */
export async function runReadLoop(
  src: ByteSource,
  makeParser: (head: Buffer) => RecordParser,
  opts: ReadLoopOptions,
): Promise<ReadLoopResult> {
  const chunkSize = Math.max(1, opts.chunkSize);
  const maxRead = Math.max(1, opts.maxReadBytes ?? Number.MAX_SAFE_INTEGER);
  // Zeroed, not allocUnsafe: sinks see the whole buffer, which must never expose stale process memory.
  let buf = Buffer.alloc(Math.max(chunkSize, MAGIC_BYTES));
  let filled = 0; // valid bytes in buf
  let base = 0; // input offset of buf[0]
  let bytes = 0;
  let nextProgress = PROGRESS_EVERY_BYTES;
  let parser: RecordParser | undefined;
  const signal = opts.signal;

  const progress = (): void => opts.onProgress?.(bytes, src.rawBytesRead, src.totalOnDisk);

  for (;;) {
    if (signal?.aborted) return { parser: parser ?? nullParser, bytes, aborted: true };
    const want = Math.min(buf.length - filled, maxRead);
    // A zero-byte request would read as end of input; the parser's `need` makes this impossible.
    if (want <= 0) throw new Error('capture read loop: buffer full but the parser made no progress');
    let n: number;
    try {
      n = await src.read(buf, filled, want);
    } catch (e) {
      throw new InputError(
        parser ? { file: opts.file, packet: parser.records + 1, byteOffset: bytes } : { file: opts.file, byteOffset: bytes },
        opts.describeSourceError(e),
      );
    }
    if (signal?.aborted) return { parser: parser ?? nullParser, bytes, aborted: true };
    const eof = n === 0;
    filled += n;
    bytes += n;
    if (parser === undefined) {
      if (filled < MAGIC_BYTES && !eof) continue;
      parser = makeParser(buf.subarray(0, filled));
    }
    const pos = parser.parse(buf, 0, filled, base);
    if (opts.afterChunk) await opts.afterChunk();
    if (eof) {
      parser.finish(filled - pos, base + pos);
      progress();
      return { parser, bytes, aborted: false };
    }
    const left = filled - pos;
    const need = parser.need;
    if (need > buf.length) {
      // One record bigger than the buffer: grow to hold it plus a normal read after it.
      const bigger = Buffer.alloc(need + chunkSize);
      buf.copy(bigger, 0, pos, filled);
      buf = bigger;
    } else if (left > 0 && pos > 0) {
      buf.copyWithin(0, pos, filled);
    }
    base += pos;
    filled = left;
    if (bytes >= nextProgress) {
      nextProgress = bytes + PROGRESS_EVERY_BYTES;
      progress();
    }
  }
}

/** Stand-in when aborted before the first bytes. */
const nullParser: RecordParser = {
  parse: (_b, pos) => pos,
  need: 0,
  finish: () => {},
  records: 0,
};
