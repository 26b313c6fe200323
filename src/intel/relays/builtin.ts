import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../util/errors.js';
import { packagePath } from '../../util/package-path.js';
import { parseRelayText } from './detect-format.js';
import type { ParsedSource, SourceInfo } from './model.js';

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

export function loadBuiltinRelays(path = packagePath(BUILTIN_RELAYS_FILE)): ParsedSource {
  if (path === undefined) throw new InputError({ file: BUILTIN_RELAYS_FILE }, 'the built-in relay snapshot is missing from this installation');
  let text: string;
  try {
    text = gunzipSync(readFileSync(path)).toString('utf8');
  } catch (err) {
    throw new InputError({ file: path }, `cannot read the built-in relay snapshot (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const parsed = parseRelayText(text, path, 0, undefined);
  if (!parsed || parsed.info.timeFrom !== 'published') throw new InputError({ file: path }, 'the built-in relay snapshot is not a dated Onionoo document');
  parsed.info.name = `built-in relay snapshot ${new Date(parsed.info.timeMs).toISOString().slice(0, 10)}`;
  parsed.info.builtin = true;
  return parsed;
}

/** "2026-02-28, 281 days old" for messages about the snapshot. */
export function builtinAge(info: SourceInfo, nowMs: number): string {
  const days = Math.round((nowMs - info.timeMs) / 86_400_000);
  return `${new Date(info.timeMs).toISOString().slice(0, 10)}, ${days} day${days === 1 ? '' : 's'} old`;
}
