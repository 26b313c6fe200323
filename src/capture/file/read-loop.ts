/**
 * The chunk loop: read into a buffer, let the format parser deliver every complete record in place,
 * carry the incomplete tail in front of the next chunk, repeat. Parsing is synchronous; the only awaits
 * are the reads (overlapped with parsing) and the caller's afterChunk.
 *
 * Memory: two buffers of `chunkSize` plus a reserve for one straddling record; one record larger than
 * that gets a buffer of its own (bounded by the parser's per-record cap, enforced before it asks), so
 * memory stays flat whatever the input size.
 */
import { InputError } from '../../util/errors.js';
import type { ByteSource } from './byte-source.js';
import { MAGIC_BYTES } from './detect-format.js';
import { PCAP_MAX_CAPLEN, PROGRESS_EVERY_BYTES } from './limits.js';
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
 * Bytes kept free in front of every read so the incomplete tail of the previous chunk can be placed
 * right before the new data without moving the data: one largest classic-pcap record plus headers.
 */
const RESERVE = PCAP_MAX_CAPLEN + 64;

type ReadResult = { n: number; err?: undefined } | { n: 0; err: unknown };

/**
 * Pull the whole source through the parser that `makeParser` picks from the first bytes (at least
 * MAGIC_BYTES of them unless the input is shorter; it throws InputError for an unusable input).
 *
 * Read-ahead: while the parser works through one buffer, the next chunk is already being read into the
 * other (the kernel's copy runs on libuv's thread pool, so on two cores reading and parsing overlap).
 * The unconsumed tail is then copied into the reserve in front of the new data, so records straddling
 * a read boundary are the only bytes ever copied. A record bigger than the reserve (a large pcapng
 * block) is the rare case: one buffer sized for it is filled by plain sequential reads.
 */
export async function runReadLoop(
  src: ByteSource,
  makeParser: (head: Buffer) => RecordParser,
  opts: ReadLoopOptions,
): Promise<ReadLoopResult> {
  const chunkSize = Math.max(1, opts.chunkSize, MAGIC_BYTES);
  const maxRead = Math.max(1, opts.maxReadBytes ?? Number.MAX_SAFE_INTEGER);
  // Zeroed, not allocUnsafe: sinks see the whole buffer, which must never expose stale process memory.
  let cur = Buffer.alloc(RESERVE + chunkSize);
  let spare = Buffer.alloc(RESERVE + chunkSize);
  let start = RESERVE; // cur[start, filled) holds input not yet consumed
  let filled = RESERVE;
  let base = -RESERVE; // input offset of cur[0]
  let bytes = 0;
  let eof = false;
  let nextProgress = PROGRESS_EVERY_BYTES;
  let parser: RecordParser | undefined;
  const signal = opts.signal;

  const progress = (): void => opts.onProgress?.(bytes, src.rawBytesRead, src.totalOnDisk);
  const sourceError = (e: unknown): InputError =>
    new InputError(
      parser ? { file: opts.file, packet: parser.records + 1, byteOffset: bytes } : { file: opts.file, byteOffset: bytes },
      opts.describeSourceError(e),
    );
  const readInto = (target: Buffer, off: number): Promise<ReadResult> => {
    const want = Math.min(target.length - off, maxRead);
    return src.read(target, off, want).then((n) => ({ n }), (err: unknown) => ({ n: 0 as const, err }));
  };

  // The first bytes decide the format: read until there are enough to tell (or the input ends).
  while (parser === undefined) {
    if (signal?.aborted) return { parser: nullParser, bytes, aborted: true };
    const r = await readInto(cur, filled);
    if (r.err !== undefined) throw sourceError(r.err);
    eof = r.n === 0;
    filled += r.n;
    bytes += r.n;
    if (filled - start >= MAGIC_BYTES || eof) parser = makeParser(cur.subarray(start, filled));
    else if (filled === cur.length) throw new Error('capture read loop: buffer full before the format was known');
  }

  for (;;) {
    if (signal?.aborted) return { parser, bytes, aborted: true };
    const ahead = eof ? undefined : readInto(spare, RESERVE);
    const pos = parser.parse(cur, start, filled, base);
    if (opts.afterChunk) await opts.afterChunk();
    if (eof) {
      parser.finish(filled - pos, base + pos);
      progress();
      return { parser, bytes, aborted: false };
    }
    const r = await ahead!;
    if (signal?.aborted) return { parser, bytes, aborted: true };
    if (r.err !== undefined) {
      // Everything before the failing read was delivered; its unconsumed tail is reported as such.
      throw sourceError(r.err);
    }
    eof = r.n === 0;
    bytes += r.n;
    const left = filled - pos;
    const need = parser.need;
    if (need <= RESERVE) {
      cur.copy(spare, RESERVE - left, pos, filled);
      const t = cur;
      cur = spare;
      spare = t;
      base += pos - (RESERVE - left);
      start = RESERVE - left;
      filled = RESERVE + r.n;
    } else {
      // One record larger than the reserve: gather it in a buffer of its own, reading sequentially.
      const big = Buffer.alloc(need + chunkSize);
      cur.copy(big, 0, pos, filled);
      spare.copy(big, left, RESERVE, RESERVE + r.n);
      let have = left + r.n;
      while (have < need && !eof) {
        const m = await readInto(big, have);
        if (m.err !== undefined) throw sourceError(m.err);
        eof = m.n === 0;
        have += m.n;
        bytes += m.n;
      }
      base += pos;
      cur = big;
      start = 0;
      filled = have;
    }
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
