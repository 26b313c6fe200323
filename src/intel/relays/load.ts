import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { InputError, UserError } from '../../util/errors.js';
import { RelayCache } from './cache.js';
import { parseRelayText } from './detect-format.js';
import { httpGet } from './fetch.js';
import type { ListRole } from './ip-list.js';
import type { ParsedSource } from './model.js';

/** Caps on what a relay-list input may cost. */
export const MAX_LIST_BYTES = 64 * 1024 * 1024;
const MAX_DIR_FILES = 100_000;
const MAX_DIR_DEPTH = 6;

export interface RelaySpec {
  /** Path or URL as given (without the role hint). */
  target: string;
  isUrl: boolean;
  hint?: ListRole;
}

/**
 * `--relays` values: a file, a directory (every relay list under it, e.g. a CollecTor tree of dated
 * consensuses), or an http(s) URL; an optional `#exit`, `#guard` or `#relay` suffix says what a plain
 * address list holds (see detect-format.ts).
 */
export function parseRelaySpec(spec: string): RelaySpec {
  const m = /^(.*)#(exit|guard|relay)$/.exec(spec);
  const target = m ? m[1] : spec;
  return { target, isUrl: /^https?:\/\//i.test(target), hint: m ? (m[2] as ListRole) : undefined };
}

export interface LoadContext {
  log: Logger;
  /** Where fetched lists are kept; undefined = no disk cache. */
  cache?: RelayCache;
  fetchTimeoutMs?: number;
  /** Cap on a fetched list, compressed and decompressed (default MAX_LIST_BYTES). */
  maxBytes?: number;
  /** Abandon fetches (the daemon is stopping). */
  signal?: AbortSignal;
  ca?: string | Buffer;
  userAgent?: string;
  now?: () => number;
  /** Told about each directory's files that were not relay lists (by content), for `relays show`. */
  onSkipped?: (dir: string, files: string[]) => void;
}

/** Load every source named by one `--relays` value. */
export async function loadRelaySpec(spec: string, ctx: LoadContext): Promise<ParsedSource[]> {
  const s = parseRelaySpec(spec);
  if (s.isUrl) return [await loadUrl(s, ctx)];
  let st;
  try {
    st = statSync(s.target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file: s.target }, code === 'ENOENT' ? 'relay list not found' : `cannot read relay list (${code ?? (err as Error).message})`);
  }
  if (st.isDirectory()) return loadDirectory(s, ctx);
  const text = readText(s.target, st.size);
  const parsed = parseRelayText(text, s.target, st.mtimeMs, s.hint);
  if (!parsed) throw new InputError({ file: s.target }, `not a relay list torwatch knows (consensus, microdesc consensus, Onionoo details, TorDNSEL exit list, bulk exit list, relay CSV, address list)${firstLineNote(text)}`);
  logWarnings(parsed, ctx.log);
  return [parsed];
}

/** "; it starts with '…'" (cut, printable), so the user sees what the file is instead. */
export function firstLineNote(text: string): string {
  const line = text.replace(/^\uFEFF/, '').split('\n', 1)[0].trim();
  if (!line) return '';
  const shown = line.replace(/[^\x20-\x7e]/g, '?');
  return `; it starts with '${shown.length > 60 ? shown.slice(0, 59) + '…' : shown}'`;
}

export function readText(file: string, size: number): string {
  if (size > MAX_LIST_BYTES) throw new InputError({ file }, `${size} bytes is more than a relay list can be (cap ${MAX_LIST_BYTES})`);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new InputError({ file }, `cannot read relay list (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return decode(buf, file);
}

/** Bytes -> text; gzip-compressed lists (CollecTor, saved downloads) are inflated first. */
export function decode(buf: Buffer, file: string, maxBytes = MAX_LIST_BYTES): string {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf, { maxOutputLength: maxBytes });
    } catch (err) {
      throw new InputError({ file }, `gzip data is corrupt or too large (${(err as Error).message})`);
    }
  }
  return buf.toString('utf8');
}

/** Every file under a directory (recursively, hidden ones left out), sorted, within the caps. */
export function relayFilesUnder(top: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > MAX_DIR_DEPTH) return;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (err) {
      throw new InputError({ file: dir }, `cannot list directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p, depth + 1);
      else if (st.isFile()) {
        if (files.length >= MAX_DIR_FILES) throw new InputError({ file: top }, `more than ${MAX_DIR_FILES} files under this directory`);
        files.push(p);
      }
    }
  };
  walk(top, 0);
  return files;
}

function loadDirectory(s: RelaySpec, ctx: LoadContext): ParsedSource[] {
  const files = relayFilesUnder(s.target);
  const out: ParsedSource[] = [];
  const skipped: string[] = [];
  for (const f of files) {
    const st = statSync(f);
    const parsed = parseRelayText(readText(f, st.size), f, st.mtimeMs, s.hint);
    if (!parsed) {
      skipped.push(f);
      continue;
    }
    logWarnings(parsed, ctx.log);
    out.push(parsed);
  }
  // A CollecTor tree or a downloaded repository holds READMEs, licences and other documents: skipped
  // by content, counted and named (the log line, and `relays show`).
  if (skipped.length) {
    ctx.log.info({ dir: s.target, skipped: skipped.slice(0, 20), count: skipped.length }, 'files that are not relay lists were skipped');
    ctx.onSkipped?.(s.target, skipped);
  }
  if (out.length === 0) throw new InputError({ file: s.target }, 'no relay lists in this directory');
  return out;
}

/**
 * A URL: fetched now (conditionally, against the cached copy), parsed, and only then cached. When the
 * fetch or the parse fails, the last good cached copy is used with a warning; without one, the error
 * is the user's to see.
 */
export async function loadUrl(s: RelaySpec, ctx: LoadContext): Promise<ParsedSource> {
  const now = ctx.now ?? Date.now;
  const cached = ctx.cache?.read(s.target);
  let problem: string;
  try {
    const res = await httpGet(s.target, {
      etag: cached?.meta.etag,
      lastModified: cached?.meta.lastModified,
      timeoutMs: ctx.fetchTimeoutMs,
      maxBytes: ctx.maxBytes,
      signal: ctx.signal,
      ca: ctx.ca,
      userAgent: ctx.userAgent,
    });
    const fetchedAt = now();
    if (res.status === 304 && cached) {
      keepInCache(ctx, s.target, () => ctx.cache?.touch(s.target, fetchedAt));
      const parsed = parseFetched(cached.body, s, fetchedAt, false, ctx.maxBytes);
      ctx.log.debug({ url: s.target }, 'relay list not modified since the cached copy');
      return parsed;
    }
    if (res.status === 304) throw new Error('HTTP 304 without a cached copy');
    const parsed = parseFetched(res.body!, s, fetchedAt, false, ctx.maxBytes);
    logWarnings(parsed, ctx.log);
    keepInCache(ctx, s.target, () => ctx.cache?.write(s.target, res.body!, { fetchedAtMs: fetchedAt, etag: res.etag, lastModified: res.lastModified }));
    ctx.log.info({ url: s.target, format: parsed.info.format, relays: parsed.info.relays, bytes: res.body!.length }, 'relay list fetched');
    return parsed;
  } catch (err) {
    problem = err instanceof InputError ? `fetched content is not a usable relay list: ${err.what}` : (err as Error).message;
  }
  if (cached) {
    const parsed = parseFetched(cached.body, s, cached.meta.fetchedAtMs, true);
    ctx.log.warn({ url: s.target, error: problem, cachedAt: new Date(cached.meta.fetchedAtMs).toISOString() }, 'relay list fetch failed; using the last good cached copy');
    return parsed;
  }
  throw new UserError(`${s.target}: ${problem}${ctx.cache ? ` (and no cached copy in ${ctx.cache.dir})` : ''}`);
}

/**
 * Write the cache, but never let it cost the list itself: a cache directory that cannot be written
 * (no home directory for a service user, a read-only or full disk) is a warning, and the list just
 * fetched is used all the same.
 */
function keepInCache(ctx: LoadContext, url: string, write: () => void): void {
  try {
    write();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    ctx.log.warn({ url, cache: ctx.cache?.dir, err: e.message, code: e.code }, 'relay list could not be cached (set --relays-cache to a writable directory): it is used now, but a restart without network will not have it');
  }
}

function parseFetched(body: Buffer, s: RelaySpec, fetchedAtMs: number, fromCache: boolean, maxBytes?: number): ParsedSource {
  const parsed = parseRelayText(decode(body, s.target, maxBytes), s.target, fetchedAtMs, s.hint);
  if (!parsed) throw new InputError({ file: s.target }, 'not a relay list torwatch knows');
  parsed.info.url = s.target;
  parsed.info.fetchedAtMs = fetchedAtMs;
  parsed.info.fromCache = fromCache;
  if (parsed.info.timeFrom === 'mtime') parsed.info.timeFrom = 'fetched';
  return parsed;
}

function logWarnings(p: ParsedSource, log: Logger): void {
  for (const w of p.warnings) log.warn({ file: p.info.name, format: p.info.format }, w);
}

/** A URL's cached copy only (no network): `relays show` / `relays lookup` without --relays. */
export function loadCachedUrl(url: string, cache: RelayCache): ParsedSource | undefined {
  const s = parseRelaySpec(url);
  const c = cache.read(s.target);
  return c ? parseFetched(c.body, s, c.meta.fetchedAtMs, true) : undefined;
}
