import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError, UserError } from '../util/errors.js';

/**
 * Reads torwatch alerts back from what any output wrote: NDJSON from the file output or stdout, or a
 * syslog receiver's file where each line is a syslog header followed by the JSON (with or without
 * the BOM). Plain or gzip (rotated logs), `-` for stdin. Alerts are deduplicated on event.id, since
 * at-least-once delivery may have stored one twice.
 *
 * A line that is not a torwatch alert is an error naming the file and line, unless `lenient`, where it
 * is skipped and counted (receiver files often mix in other programs' messages).
 */
export type AlertDoc = Record<string, unknown>;

export interface ReadStats {
  files: number;
  lines: number;
  alerts: number;
  duplicates: number;
  skipped: number;
}

/** No alert comes near this; a longer line is not ours, and must not make us buffer without bound. */
export const MAX_LINE = 1 << 20;

function isAlert(v: unknown): v is AlertDoc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const ev = o.event as Record<string, unknown> | undefined;
  const rule = o.rule as Record<string, unknown> | undefined;
  if (typeof ev !== 'object' || ev === null || typeof rule !== 'object' || rule === null || typeof rule.id !== 'string') return false;
  // A detection (event.kind alert), or a summary of its repeats (event.kind event, dataset torwatch.summary).
  return ev.kind === 'alert' || (ev.kind === 'event' && ev.dataset === 'torwatch.summary');
}

/** The JSON part of a line: the whole line, or what follows a syslog header (and its BOM). */
function jsonPart(line: string): string | undefined {
  const t = line.replace(/^\uFEFF/, '').trimEnd();
  if (t.startsWith('{')) return t;
  const bom = t.indexOf('\uFEFF{');
  if (bom >= 0) return t.slice(bom + 1);
  const i = t.indexOf(' {');
  return i >= 0 ? t.slice(i + 1) : undefined;
}

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
 * Read every file in order; call `onAlert` for each alert not seen before. A bad file ends with an
 * InputError (file and line); what was read before it is kept by the caller.
 */
export async function readAlerts(file: string, seen: Set<string>, stats: ReadStats, onAlert: (a: AlertDoc) => void, lenient: boolean): Promise<void> {
  const input = await openInput(file);
  stats.files++;
  let n = 0;
  try {
    for await (const line of boundedLines(input, MAX_LINE)) {
      n++;
      stats.lines++;
      if (line === undefined) {
        if (lenient) {
          stats.skipped++;
          continue;
        }
        throw new InputError({ file, line: n }, `line is longer than ${MAX_LINE} bytes; not a torwatch alert`);
      }
      if (line.trim() === '') continue;
      const json = jsonPart(line);
      let doc: unknown;
      let why: string | undefined;
      if (json === undefined) why = 'no JSON object on this line';
      else {
        try {
          doc = JSON.parse(json);
          if (!isAlert(doc)) why = 'JSON, but not a torwatch alert (needs rule.id and event.kind "alert", or a torwatch.summary event)';
        } catch (err) {
          why = `not valid JSON (${(err as Error).message})`;
        }
      }
      if (why) {
        if (lenient) {
          stats.skipped++;
          continue;
        }
        throw new InputError({ file, line: n }, why);
      }
      const a = doc as AlertDoc;
      const id = (a.event as Record<string, unknown>).id;
      if (typeof id === 'string') {
        if (seen.has(id)) {
          stats.duplicates++;
          continue;
        }
        seen.add(id);
      }
      stats.alerts++;
      onAlert(a);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new InputError({ file, line: n + 1 }, e.code === 'Z_DATA_ERROR' || e.code === 'Z_BUF_ERROR' ? 'gzip data is corrupt or truncated' : `read failed (${e.code ?? e.message})`);
  } finally {
    if (file !== '-') input.destroy();
  }
}
