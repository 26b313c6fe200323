import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, UserError } from '../util/errors.js';
import { AlertCollector, type AlertDoc, type ReadStats } from './collector.js';

/**
 * Reads torwatch alerts back from what any output wrote: NDJSON from the file output or stdout, or a
 * syslog receiver's file where each line is a syslog header followed by the JSON (with or without
 * the BOM). Plain or gzip (rotated logs), `-` for stdin. collector.ts finds, checks and
 * deduplicates the alerts; a line that is not one is an error naming the file and line, unless
 * `lenient` (receiver files often mix in other programs' messages).
 */
export type { AlertDoc, ReadStats } from './collector.js';

/** No alert comes near this; a longer line is not ours, and must not make us buffer without bound. */
export const MAX_LINE = 1 << 20;

/**
 * Lines of a byte stream, each at most `max` bytes: a longer one is reported as `undefined` (and
 * skipped up to its end) instead of being buffered whole. readline has no such cap.
 */
async function* boundedLines(input: Readable, max: number): AsyncGenerator<string | undefined> {
  let parts: Buffer[] = [];
  let held = 0;
  let tooLong = false;
  for await (const chunk of input as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl;
      if (!tooLong) {
        if (held + (end - start) > max) {
          tooLong = true;
          parts = [];
          held = 0;
        } else if (end > start) {
          parts.push(chunk.subarray(start, end));
          held += end - start;
        }
      }
      if (nl < 0) break;
      yield tooLong ? undefined : Buffer.concat(parts, held).toString('utf8').replace(/\r$/, '');
      parts = [];
      held = 0;
      tooLong = false;
      start = nl + 1;
    }
  }
  if (tooLong) yield undefined;
  else if (held > 0) yield Buffer.concat(parts, held).toString('utf8').replace(/\r$/, '');
}

async function openInput(file: string): Promise<Readable> {
  let raw: Readable;
  if (file === '-') {
    raw = process.stdin;
  } else {
    try {
      const fh = await open(file, 'r');
      const head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
      await fh.close();
      raw = createReadStream(file);
      if (head[0] === 0x1f && head[1] === 0x8b) return raw.pipe(createGunzip());
      return raw;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new InputError({ file }, e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.code === 'EACCES' ? 'permission denied' : `cannot read (${e.code ?? e.message})`);
    }
  }
  const first = await new Promise<Buffer | null>((resolve) => {
    raw.once('readable', () => resolve(raw.read() as Buffer | null));
    raw.once('end', () => resolve(null));
  });
  if (first) raw.unshift(first);
  return first && first[0] === 0x1f && first[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

/**
 * Read one file into the collector (which calls back for each alert not seen before). A bad file
 * ends with an InputError (file and line); what was read before it is kept by the caller.
 */
export async function readAlertFile(file: string, c: AlertCollector): Promise<void> {
  const input = await openInput(file);
  c.stats.files++;
  let n = 0;
  try {
    for await (const line of boundedLines(input, MAX_LINE)) {
      n++;
      if (line === undefined) c.tooLong({ file, line: n }, MAX_LINE);
      else c.text(line, { file, line: n });
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new InputError({ file, line: n + 1 }, e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' ? 'gzip data is corrupt or truncated' : `read failed (${e.code ?? e.message})`);
  } finally {
    if (file !== '-') input.destroy();
  }
}
