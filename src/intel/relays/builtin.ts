import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../util/errors.js';
import { packagePath } from '../../util/package-path.js';
import { parseRelayText } from './detect-format.js';
import type { ParsedSource, SourceInfo } from './model.js';
import { RelaySet, type RelaySetOptions } from './relay-set.js';

/**
 * The relay snapshot torwatch ships (data/relays/snapshot.json.gz, built from real Onionoo-derived data
 * by scripts/relays/build-snapshot.mjs; source, date and licence in data/relays/README.md). Used when
 * no --relays is given and the relay cache holds nothing (`relays update`, `relays import`), so
 * tor-relay and tor-exit work on a sensor that has never reached the internet. It is an Onionoo
 * details document: dated by its relays_published, so every match says how old it was.
 */
export const BUILTIN_RELAYS_FILE = 'data/relays/snapshot.json.gz';

/**
 * Older than this (wall clock) draws a warning at start: in the shipped data, 3% of relay addresses
 * were new and 5% gone after 6 days (2026-02-22 vs 2026-02-28); two years on, 75% were gone.
 */
export const BUILTIN_WARN_AGE_MS = 7 * 86_400_000;

/**
 * The snapshot parsed once per process: a daemon reloads its relay set on every SIGHUP and refresh,
 * and the shipped file does not change under it (the memo is keyed by path, size and mtime all the same).
 */
let memo: { key: string; parsed: ParsedSource } | undefined;

export function loadBuiltinRelays(path = packagePath(BUILTIN_RELAYS_FILE)): ParsedSource {
  if (path === undefined) throw new InputError({ file: BUILTIN_RELAYS_FILE }, 'the built-in relay snapshot is missing from this installation');
  let text: string;
  let key: string;
  try {
    const st = statSync(path);
    key = `${path}|${st.size}|${st.mtimeMs}`;
    if (memo?.key === key) return memo.parsed;
    text = gunzipSync(readFileSync(path)).toString('utf8');
  } catch (err) {
    throw new InputError({ file: path }, `cannot read the built-in relay snapshot (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const parsed = parseRelayText(text, path, 0, undefined);
  if (!parsed || parsed.info.timeFrom !== 'published') throw new InputError({ file: path }, 'the built-in relay snapshot is not a dated Onionoo document');
  parsed.info.name = `built-in relay snapshot ${new Date(parsed.info.timeMs).toISOString().slice(0, 10)}`;
  parsed.info.builtin = true;
  memo = { key, parsed };
  return parsed;
}

let setMemo: { parsed: ParsedSource; graceMs: number; maxAgeMs: number; set: RelaySet } | undefined;

/**
 * The relay set of given sources; when they are the built-in snapshot alone, the index built for it
 * last time is reused (same snapshot, same options), so a reload costs nothing for it. Its index does
 * not change once built (a lookup keeps only per-call scratch), so two intel generations may share it.
 */
export function relaySetOf(sources: ParsedSource[], opts: RelaySetOptions): RelaySet {
  const only = sources.length === 1 && sources[0].info.builtin ? sources[0] : undefined;
  if (only && setMemo?.parsed === only && setMemo.graceMs === opts.graceMs && setMemo.maxAgeMs === opts.maxAgeMs) return setMemo.set;
  const set = new RelaySet(sources, opts);
  if (only) setMemo = { parsed: only, graceMs: opts.graceMs, maxAgeMs: opts.maxAgeMs, set };
  return set;
}

/** "2026-02-28, 281 days old" for messages about the snapshot. */
export function builtinAge(info: SourceInfo, nowMs: number): string {
  const days = Math.round((nowMs - info.timeMs) / 86_400_000);
  return `${new Date(info.timeMs).toISOString().slice(0, 10)}, ${days} day${days === 1 ? '' : 's'} old`;
}
