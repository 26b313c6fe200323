import { InputError } from '../../util/errors.js';
import { parseAddress, parseHostPort, parseTorTime } from '../addr.js';
import { flagBits, normalizeFingerprint, parsedSource, Role, rolesFromFlags, type ParsedRelay, type ParsedSource, type RelayAddress } from './model.js';
import { notAddress } from '../../util/ip.js';

/**
 * Onionoo details documents (https://metrics.torproject.org/onionoo.html, "details"): a JSON object
 * whose `relays` array holds, per relay, `nickname`, `fingerprint`, `or_addresses` ("ip:port",
 * "[ipv6]:port"), optional `exit_addresses` (addresses it exits from, when they differ), `dir_address`
 * ("ip:port"), `flags`, `first_seen` / `last_seen` and `running`. `relays_published` dates the document.
 * Summary documents (`n`, `f`, `a`, `r` keys) are read too: addresses without ports.
 * Bridges are skipped: their addresses are not published.
 */

/** Parse an Onionoo document already read as JSON (format detection parses it once). */
export function parseOnionooDoc(doc: unknown, file: string, mtimeMs: number): ParsedSource {
  const bad = (path: string, what: string): InputError => new InputError({ file }, `${path}: ${what}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('top level', 'an Onionoo document is a JSON object');
  const d = doc as Record<string, unknown>;
  if (!Array.isArray(d.relays)) throw bad('relays', 'missing or not a list (not an Onionoo details/summary document)');
  let published = NaN;
  if (d.relays_published !== undefined) {
    published = typeof d.relays_published === 'string' ? parseTorTime(d.relays_published) : NaN;
    if (Number.isNaN(published)) throw bad('relays_published', `${JSON.stringify(d.relays_published)} is not a 'YYYY-MM-DD HH:MM:SS' time`);
  }
  const relays: ParsedRelay[] = [];
  d.relays.forEach((raw, i) => relays.push(relay(raw, `relays[${i}]`, bad)));
  return parsedSource({
    name: file, format: 'onionoo',
    timeMs: Number.isNaN(published) ? mtimeMs : published,
    timeFrom: Number.isNaN(published) ? 'mtime' : 'published',
  }, false, relays, relays.length === 0 ? ['no relays listed'] : []);
}

type Bad = (path: string, what: string) => InputError;

function str(o: Record<string, unknown>, key: string, path: string, bad: Bad, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw bad(`${path}.${key}`, 'missing');
    return undefined;
  }
  if (typeof v !== 'string') throw bad(`${path}.${key}`, `${JSON.stringify(v)} is not a string`);
  return v;
}

function strList(o: Record<string, unknown>, key: string, path: string, bad: Bad): string[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(`${path}.${key}`, 'not a list of strings');
  return v as string[];
}

function time(o: Record<string, unknown>, key: string, path: string, bad: Bad): number | undefined {
  const s = str(o, key, path, bad, false);
  if (s === undefined) return undefined;
  const t = parseTorTime(s);
  if (Number.isNaN(t)) throw bad(`${path}.${key}`, `'${s}' is not a 'YYYY-MM-DD HH:MM:SS' time`);
  return t;
}

function relay(raw: unknown, path: string, bad: Bad): ParsedRelay {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad(path, 'not an object');
  const o = raw as Record<string, unknown>;
  const summary = o.or_addresses === undefined && (o.a !== undefined || o.f !== undefined);
  const fpText = str(o, summary ? 'f' : 'fingerprint', path, bad, true)!;
  const fingerprint = normalizeFingerprint(fpText);
  if (!fingerprint) throw bad(`${path}.${summary ? 'f' : 'fingerprint'}`, `'${fpText}' is not 40 hex digits`);
  const nickname = str(o, summary ? 'n' : 'nickname', path, bad, false);
  const addresses: RelayAddress[] = [];
  const key = (a: RelayAddress): string => `${a.version}:${a.words.join('.')}`;

  if (summary) {
    strList(o, 'a', path, bad).forEach((s, i) => {
      const ip = parseAddress(s.startsWith('[') ? s.slice(1, -1) : s);
      if (!ip) throw bad(`${path}.a[${i}]`, notAddress(s));
      addresses.push({ version: ip.version, words: ip.words, prefix: ip.version === 4 ? 32 : 128, orPort: 0, dirPort: 0 });
    });
  } else {
    strList(o, 'or_addresses', path, bad).forEach((s, i) => {
      const hp = parseHostPort(s);
      if (typeof hp === 'string') throw bad(`${path}.or_addresses[${i}]`, hp);
      addresses.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, orPort: hp.port, dirPort: 0 });
    });
    const dir = str(o, 'dir_address', path, bad, false);
    if (dir) {
      const hp = parseHostPort(dir);
      if (typeof hp === 'string') throw bad(`${path}.dir_address`, hp);
      const same = addresses.find((a) => key(a) === key({ ...hp, prefix: 0, orPort: 0, dirPort: 0 }));
      if (same) same.dirPort = hp.port;
      else addresses.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, orPort: 0, dirPort: hp.port });
    }
  }
  const flagsList = strList(o, 'flags', path, bad);
  const flagsKnown = o.flags !== undefined;
  const flags = flagBits(flagsList);
  let roles = rolesFromFlags(flags, flagsKnown);
  const exits = strList(o, 'exit_addresses', path, bad);
  exits.forEach((s, i) => {
    const ip = parseAddress(s);
    if (!ip) throw bad(`${path}.exit_addresses[${i}]`, notAddress(s));
    const a: RelayAddress = { version: ip.version, words: ip.words, prefix: ip.version === 4 ? 32 : 128, orPort: 0, dirPort: 0, exitOnly: true };
    if (!addresses.some((x) => key(x) === key(a))) addresses.push(a);
  });
  // An exit address is evidence of exiting even when the flags are not given (summary documents).
  if (exits.length && !flagsKnown) roles |= Role.Exit;
  const running = o[summary ? 'r' : 'running'];
  return {
    nickname,
    fingerprint,
    flags,
    flagsKnown,
    roles,
    addresses,
    firstSeenMs: time(o, 'first_seen', path, bad),
    lastSeenMs: time(o, 'last_seen', path, bad),
    running: typeof running === 'boolean' ? running : undefined,
  };
}
