import type { Logger } from 'pino';
import { UserError } from '../../util/errors.js';
import { loadBuiltinRelays } from './builtin.js';
import type { RelayCache } from './cache.js';
import { decode, loadCachedUrl } from './load.js';
import { parseRelayText } from './detect-format.js';
import type { ListRole } from './ip-list.js';
import type { ParsedSource } from './model.js';

/**
 * The relay set when no --relays is given: every list in the relay cache (`relays update` fetched,
 * `relays import` carried in), newest knowledge first; when the cache holds none, the snapshot that
 * ships with torwatch. `--relays none` asks for no relay set at all (tests about other things, or a
 * site that wants tor-relay/tor-exit off without naming the rules).
 */
export function defaultRelaySources(cache: RelayCache, log: Logger): ParsedSource[] {
  const out: ParsedSource[] = [];
  for (const meta of cache.list()) {
    try {
      const p = meta.importedFrom !== undefined ? loadImported(cache, meta.url) : loadCachedUrl(meta.url, cache);
      if (p) out.push(p);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      // A cache entry that no longer parses (written by another version) must not stop the sensor.
      log.warn({ cache: cache.dir, entry: meta.url, err: err.message }, 'a cached relay list could not be read; it is left out');
    }
  }
  if (out.length) return out;
  try {
    return [loadBuiltinRelays()];
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // An installation without its data/ directory still captures; relay matching says why it is off.
    log.warn({ err: err.message }, 'no relay set: the built-in snapshot cannot be read, so tor-relay and tor-exit cannot fire; give --relays, or run torwatch relays update / relays import');
    return [];
  }
}

/** An imported list from the cache, named by the path it was imported from. */
function loadImported(cache: RelayCache, key: string): ParsedSource | undefined {
  const c = cache.read(key);
  if (!c || c.meta.importedFrom === undefined) return undefined;
  const name = c.meta.importedFrom;
  const parsed = parseRelayText(decode(c.body, name), name, c.meta.fetchedAtMs, c.meta.hint as ListRole | undefined);
  if (!parsed) return undefined;
  parsed.info.importedAtMs = c.meta.importedAtMs;
  return parsed;
}
