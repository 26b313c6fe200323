import { InputError } from '../../util/errors.js';
import { parseAddress, parseHostPort, parsePort, parseTorTime } from '../addr.js';
import { cellAt, checkFieldCount, headerIndex, readCsv } from '../text.js';
import { listRoleBits, type ListRole } from './ip-list.js';
import { flagBits, normalizeFingerprint, parsedSource, rolesFromFlags, type ParsedRelay, type ParsedSource, type RelayAddress } from './model.js';
import { notAddress } from '../../util/ip.js';

/**
 * Relay lists as CSV with a header row, columns found by name (case-insensitive):
 *  - seed 000's Sentinel layout: Nickname,Fingerprint,EntryAddress,IPAddress,Port,AddressType,
 *    Hostname,CountryCode,IsRunning,LastChangedIPData (one row per address);
 *  - the newer layout with both families on one row: IPv4Address,IPv4Port,IPv6Address,IPv6Port,...;
 *  - `fingerprint,ipaddr,port` exports of Onionoo (ORPort per address).
 * Optional columns: Flags (space/|/; separated), DirPort, IsRunning/Running, First_Seen, Last_Seen,
 * LastChangedIPData (read as first seen at that address). Unknown columns are ignored.
 */

/** Address columns, each with the port column that belongs to it. */
const ADDRESS_COLUMNS: [string[], string[]][] = [
  [['ipaddress', 'ipaddr', 'ip', 'address', 'oraddress'], ['port', 'orport']],
  [['ipv4address', 'ipv4'], ['ipv4port', 'ipv4orport']],
  [['ipv6address', 'ipv6'], ['ipv6port', 'ipv6orport']],
];

/** Whether a header row looks like a relay CSV (used by detect-format.ts). */
export function isRelayCsvHeader(fields: readonly string[]): boolean {
  return ADDRESS_COLUMNS.some(([names]) => headerIndex(fields, ...names) >= 0) || headerIndex(fields, 'entryaddress') >= 0;
}

export function parseRelayCsv(text: string, file: string, mtimeMs: number, role: ListRole): ParsedSource {
  const records = readCsv(text, file);
  const first = records.next();
  if (first.done) throw new InputError({ file }, 'empty CSV file');
  const header = first.value.fields;
  if (!isRelayCsvHeader(header)) throw new InputError({ file, line: first.value.line }, 'CSV header names no address column (IPAddress, ipaddr, IPv4Address, IPv6Address, EntryAddress)');
  const col = {
    nickname: headerIndex(header, 'nickname'),
    fingerprint: headerIndex(header, 'fingerprint'),
    entry: headerIndex(header, 'entryaddress'),
    flags: headerIndex(header, 'flags'),
    dirPort: headerIndex(header, 'dirport'),
    running: headerIndex(header, 'isrunning', 'running'),
    firstSeen: headerIndex(header, 'firstseen', 'lastchangedipdata', 'lastchangedaddressorport'),
    lastSeen: headerIndex(header, 'lastseen'),
  };
  const pairs = ADDRESS_COLUMNS.map(([a, p]) => [headerIndex(header, ...a), headerIndex(header, ...p)] as const).filter(([a]) => a >= 0);
  const fallback = listRoleBits(role);
  const relays: ParsedRelay[] = [];
  const byFingerprint = new Map<string, ParsedRelay>();

  let lastFpText = '';
  let lastFp: string | undefined;
  const bad = (line: number, what: string): InputError => new InputError({ file, line }, what);
  for (const rec of records) {
    const f = rec.fields;
    const line = rec.line;
    checkFieldCount(rec, header.length, file);
    const fpText = cellAt(f, col.fingerprint);
    if (fpText !== lastFpText) {
      lastFpText = fpText;
      lastFp = fpText ? normalizeFingerprint(fpText) : undefined;
      if (fpText && !lastFp) throw bad(line, `fingerprint '${fpText}' is not 40 hex digits`);
    }
    const fingerprint = lastFp;
    const addresses = rowAddresses(f, line);
    // Seed 000's layout has one row per address: rows of one relay are merged by fingerprint.
    const prev = fingerprint ? byFingerprint.get(fingerprint) : undefined;
    if (prev) {
      for (const a of addresses) prev.addresses.push(a);
      continue;
    }
    const flagsKnown = col.flags >= 0;
    const flags = flagsKnown ? flagBits(cellAt(f, col.flags).split(/[\s|;,]+/)) : fallback.flags;
    const runningText = cellAt(f, col.running).toLowerCase();
    const r: ParsedRelay = {
      nickname: cellAt(f, col.nickname) || undefined,
      fingerprint,
      flags,
      flagsKnown,
      roles: flagsKnown ? rolesFromFlags(flags, true) : fallback.roles,
      addresses,
      firstSeenMs: seenTime(cellAt(f, col.firstSeen), line, bad),
      lastSeenMs: seenTime(cellAt(f, col.lastSeen), line, bad),
      running: runningText === 'true' ? true : runningText === 'false' ? false : undefined,
    };
    if (fingerprint) byFingerprint.set(fingerprint, r);
    relays.push(r);
  }

  function rowAddresses(f: string[], line: number): RelayAddress[] {
    const addresses: RelayAddress[] = [];
    const dirPortText = cellAt(f, col.dirPort);
    const dirPort = dirPortText ? parsePort(dirPortText) : 0;
    if (dirPort < 0) throw bad(line, `DirPort '${dirPortText}' is not a port`);
    for (let k = 0; k < pairs.length; k++) {
      const [ai, pi] = pairs[k];
      const ipText = cellAt(f, ai);
      if (!ipText) continue;
      const ip = parseAddress(ipText.charCodeAt(0) === 91 && ipText.endsWith(']') ? ipText.slice(1, -1) : ipText);
      if (!ip) throw bad(line, `${notAddress(ipText)} (column ${header[ai].trim()})`);
      const portText = cellAt(f, pi);
      const port = portText ? parsePort(portText) : 0;
      if (port < 0) throw bad(line, `'${portText}' (column ${header[pi].trim()}) is not a port`);
      addresses.push({ version: ip.version, words: ip.words, prefix: ip.version === 4 ? 32 : 128, orPort: port, dirPort: ip.version === 4 ? dirPort : 0 });
    }
    if (addresses.length === 0 && cellAt(f, col.entry)) {
      const hp = parseHostPort(cellAt(f, col.entry));
      if (typeof hp === 'string') throw bad(line, `EntryAddress: ${hp}`);
      addresses.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, orPort: hp.port, dirPort: 0 });
    }
    if (addresses.length === 0) throw bad(line, 'no address in this row');
    return addresses;
  }
  return parsedSource({ name: file, format: 'relay-csv', timeMs: mtimeMs, timeFrom: 'mtime' }, false, relays, relays.length === 0 ? ['no relays listed'] : []);
}

/** Dates in these CSVs: Tor's "YYYY-MM-DD HH:MM:SS", ISO 8601, or a date alone. Empty = unknown. */
function seenTime(s: string, line: number, bad: (line: number, w: string) => InputError): number | undefined {
  if (!s) return undefined;
  let t = parseTorTime(s);
  if (Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) t = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
  if (Number.isNaN(t)) throw bad(line, `'${s}' is not a date`);
  return t;
}
