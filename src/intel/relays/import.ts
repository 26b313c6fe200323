import { readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { InputError } from '../../util/errors.js';
import { importKey, type RelayCache } from './cache.js';
import { parseRelayText } from './detect-format.js';
import { decode, firstLineNote, MAX_LIST_BYTES, parseRelaySpec, relayFilesUnder } from './load.js';
import type { SourceInfo } from './model.js';

export interface ImportResult {
  imported: { file: string; info: SourceInfo }[];
  /** Files of a directory that were not relay lists (by content). */
  skipped: string[];
}

/**
 * `torwatch relays import <file|dir>`: relay lists carried in by hand (an air-gapped sensor) go into the
 * relay cache, where a run without --relays finds them (default-set.ts). Each file must parse as a
 * relay list of a format torwatch reads; in a directory, files that are not relay lists are skipped
 * and named. A list is kept under its file name, so importing a newer copy of the same list replaces
 * the old one; dated consensuses keep their own names and together make a timeline. The file's
 * modification time dates undated lists, as for --relays.
 */
export function importRelayLists(spec: string, cache: RelayCache, nowMs = Date.now()): ImportResult {
  const s = parseRelaySpec(spec);
  if (s.isUrl) throw new InputError({ file: s.target }, 'relays import reads files and directories; fetch URLs with relays update --source');
  let st;
  try {
    st = statSync(s.target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file: s.target }, code === 'ENOENT' ? 'relay list not found' : `cannot read relay list (${code ?? (err as Error).message})`);
  }
  const dir = st.isDirectory();
  const files = dir ? relayFilesUnder(s.target) : [s.target];
  const result: ImportResult = { imported: [], skipped: [] };
  // Parse everything first: a malformed list stops the import before the cache changes.
  const ready: { file: string; body: Buffer; mtimeMs: number; info: SourceInfo }[] = [];
  for (const file of files) {
    const fst = statSync(file);
    if (fst.size > MAX_LIST_BYTES) throw new InputError({ file }, `${fst.size} bytes is more than a relay list can be (cap ${MAX_LIST_BYTES})`);
    const body = readFileSync(file);
    const text = decode(body, file);
    const parsed = parseRelayText(text, resolve(file), fst.mtimeMs, s.hint);
    if (!parsed) {
      if (!dir) throw new InputError({ file }, `not a relay list torwatch knows (consensus, microdesc consensus, Onionoo details, TorDNSEL exit list, bulk exit list, relay CSV, address list)${firstLineNote(text)}`);
      result.skipped.push(file);
      continue;
    }
    ready.push({ file, body, mtimeMs: fst.mtimeMs, info: parsed.info });
  }
  if (ready.length === 0) throw new InputError({ file: s.target }, 'no relay lists in this directory');
  for (const r of ready) {
    try {
      cache.write(importKey(basename(r.file)), r.body, { fetchedAtMs: r.mtimeMs, importedFrom: resolve(r.file), importedAtMs: nowMs, ...(s.hint ? { hint: s.hint } : {}) });
    } catch (err) {
      throw new InputError({ file: cache.dir }, `cannot write the relay cache (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set --relays-cache to a writable directory`);
    }
    result.imported.push({ file: r.file, info: r.info });
  }
  return result;
}
