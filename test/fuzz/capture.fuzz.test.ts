/**
 * Property tests of the capture-file readers (pcap, pcapng, gzip), on mutations of real capture files:
 * every regression capture in pcaps/, the shared fuzz and corner-case captures, pcapng-test-generator's
 * and libpcap's test files. Mutations are bit flips, byte sets, truncations, inserted and deleted
 * bytes, splices of two files, length-field edits (both byte orders) and repeated blocks.
 *
 *  - the outcome is the records, then at most one InputError (one line, naming the file), never any
 *    other exception;
 *  - chunking never changes the outcome: fed in pieces of any size, the parser delivers the same records
 *    and the same error as when it gets the whole file at once;
 *  - work and memory are bounded: a record never exceeds the format's cap, the parser never asks for
 *    more than the largest legal block, records <= bytes / 16.
 * Builds on test/capture/hostile.test.ts (every prefix of some files, named hostile headers).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/capture/file/detect-format.js';
import { PCAP_MAX_CAPLEN, PCAPNG_MAX_BLOCK } from '../../src/capture/file/limits.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { PcapngParser } from '../../src/capture/file/pcapng-reader.js';
import { PcapParser } from '../../src/capture/file/pcap-reader.js';
import type { RecordParser } from '../../src/capture/file/record-parser.js';
import { Frame } from '../../src/capture/frame.js';
import { InputError } from '../../src/util/errors.js';
import { chunkingArb, mutatedFrom, params } from './lib/arb.js';
import { DATA, seedCaptures } from './lib/corpus.js';

const files: Buffer[] = [];

beforeAll(() => {
  const paths = new Set(seedCaptures());
  for (const d of ['pcapng-test-generator/output_le/basic', 'pcapng-test-generator/output_le/advanced', 'pcapng-test-generator/output_be/basic', 'pcapng-test-generator/output_be/advanced', 'pcapng-test-generator/output_le/difficult', 'libpcap/tests']) {
    const dir = join(DATA, d);
    if (existsSync(dir)) for (const n of readdirSync(dir)) if (/\.pcap(ng)?$/.test(n)) paths.add(join(dir, n));
  }
  for (const p of paths) {
    if (p.endsWith('.gz') || statSync(p).size > 64 * 1024) continue;
    files.push(readFileSync(p));
  }
});

interface Outcome {
  records: string[];
  error?: string;
  maxNeed: number;
}

/**
 * Drive a record parser the way read-loop.ts does: parse what is there, keep the unconsumed tail in
 * front of the next chunk, and at the end call finish() with what is left. `sizes` cut the input.
 */
function drive(data: Buffer, sizes: readonly number[] | undefined): Outcome {
  const out: Outcome = { records: [], maxNeed: 0 };
  if (data.length < 4) return out;
  const d = detectFormat(data);
  const frame = new Frame();
  const sink = (f: Frame): void => {
    expect(f.off).toBeGreaterThanOrEqual(0);
    expect(f.off + f.caplen).toBeLessThanOrEqual(f.buf.length);
    expect(f.caplen).toBeLessThanOrEqual(PCAP_MAX_CAPLEN + PCAPNG_MAX_BLOCK);
    out.records.push(`${f.index}/${f.linktype}/${f.ifIndex}/${f.tsSec}.${f.tsNsec}/${f.wirelen}/${f.buf.toString('hex', f.off, f.off + f.caplen)}`);
  };
  let parser: RecordParser;
  if (d.kind === 'pcap') parser = new PcapParser('fuzz.cap', frame, sink);
  else if (d.kind === 'pcapng') parser = new PcapngParser('fuzz.cap', frame, sink);
  else return out;
  try {
    let tail: Buffer = Buffer.alloc(0);
    let base = 0;
    let p = 0;
    let i = 0;
    const step = (chunk: Buffer): void => {
      const buf = tail.length ? Buffer.concat([tail, chunk]) : chunk;
      const pos = parser.parse(buf, 0, buf.length, base);
      out.maxNeed = Math.max(out.maxNeed, parser.need);
      base += pos;
      tail = buf.subarray(pos);
    };
    if (!sizes) step(data);
    else while (p < data.length) {
      const n = Math.max(1, sizes[i++ % sizes.length]);
      step(data.subarray(p, p + n));
      p += n;
    }
    parser.finish(tail.length, base);
  } catch (err) {
    if (!(err instanceof InputError)) throw new Error(`not an InputError: ${(err as Error).stack}`);
    out.error = err.message;
  }
  return out;
}

describe('pcap and pcapng record parsers', () => {
  it('mutated real captures: records then at most one one-line InputError; chunking changes nothing; bounded', () => {
    let errors = 0;
    let records = 0;
    fc.assert(
      fc.property(mutatedFrom(files, 8), chunkingArb, ({ bytes }, sizes) => {
        const data = Buffer.from(bytes);
        const whole = drive(data, undefined);
        const pieces = drive(data, sizes);
        expect(pieces.records).toEqual(whole.records);
        expect(pieces.error).toBe(whole.error);
        if (whole.error !== undefined) {
          errors++;
          expect(whole.error).not.toContain('\n');
          expect(whole.error.startsWith('fuzz.cap: ')).toBe(true);
        }
        records += whole.records.length;
        expect(whole.records.length).toBeLessThanOrEqual(data.length / 16);
        // The parser never asks the read loop for more than one legal block (or pcap record).
        expect(Math.max(whole.maxNeed, pieces.maxNeed)).toBeLessThanOrEqual(PCAPNG_MAX_BLOCK);
      }),
      params(2500),
    );
    // Mutations must both break files and leave many of their records readable.
    expect(errors).toBeGreaterThan(200);
    expect(records).toBeGreaterThan(5000);
  });
});

describe('readCaptureFile (the whole reader: byte source, gzip, read loop)', () => {
  async function read(data: Buffer, chunkSize: number): Promise<{ records: number; error?: unknown }> {
    let records = 0;
    try {
      await readCaptureFile('-', () => { records++; }, { stdin: Readable.from([data]), chunkSize, maxReadBytes: chunkSize });
      return { records };
    } catch (error) {
      return { records, error };
    }
  }

  it('mutated captures, plain or gzip-compressed (and mutated after compression): only InputError, one line', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedFrom(files, 6), fc.constantFrom('plain', 'gzip', 'gzip-then-mutate'), fc.integer({ min: 1, max: 70_000 }), fc.nat(), async ({ bytes }, how, chunkSize, flipAt) => {
        let data = Buffer.from(bytes);
        if (how !== 'plain') data = gzipSync(data);
        if (how === 'gzip-then-mutate' && data.length > 10) data[10 + (flipAt % (data.length - 10))] ^= 0x5a;
        const r = await read(data, chunkSize);
        if (r.error !== undefined) {
          expect(r.error).toBeInstanceOf(InputError);
          expect((r.error as Error).message).not.toContain('\n');
        }
      }),
      params(400),
    );
  });
});
