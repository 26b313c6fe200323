import { InputError } from '../../util/errors.js';
import { parseAddressOrCidr, parseHostPort, type AddrPrefix } from '../addr.js';
import { LineReader } from '../text.js';
import { Flag, parsedSource, Role, type ParsedRelay, type ParsedSource, type RelayFormat } from './model.js';

/** What a list without flags says its addresses are (see detect-format.ts for how it is decided). */
export type ListRole = 'relay' | 'exit' | 'guard';

export function listRoleBits(role: ListRole): { roles: number; flags: number } {
  if (role === 'exit') return { roles: Role.Exit, flags: Flag.Exit };
  if (role === 'guard') return { roles: Role.Guard, flags: Flag.Guard };
  return { roles: Role.Relay, flags: 0 };
}

/**
 * Plain address lists: one IPv4/IPv6 address or CIDR block per line (or address:port, [v6]:port for
 * a list of ORPorts); `#` starts a comment (whole line or trailing); blank lines are skipped. The Tor Project's bulk exit list is this format.
 * Any other line is an error naming its line number: a list that silently lost entries would hide
 * relays.
 */
export function parseIpList(text: string, file: string, mtimeMs: number, role: ListRole, format: RelayFormat = 'ip-list'): ParsedSource {
  const lines = new LineReader(text);
  const entries: ListEntry[] = [];
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const hash = line.indexOf('#');
    const t = (hash < 0 ? line : line.slice(0, hash)).trim();
    if (t.length === 0) continue;
    const a = parseAddressOrCidr(t);
    if (typeof a !== 'string') {
      entries.push(a);
      continue;
    }
    // "address:port" lines (an ORPort list) keep the port.
    const hp = /^(\[[0-9a-fA-F:.]+\]|[\d.]+):\d+$/.test(t) ? parseHostPort(t) : a;
    if (typeof hp === 'string') throw new InputError({ file, line: lines.lineNo }, hp === a ? a : `'${t}': ${hp}`);
    entries.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, port: hp.port });
  }
  return listSource(entries, file, mtimeMs, role, format, lines.crlf ? [`${lines.crlf} lines end in CRLF; read them as LF`] : []);
}

/** A JSON array of address strings (e.g. doodad-labs' relay-nodes.json). */
export function parseIpJson(doc: unknown[], file: string, mtimeMs: number, role: ListRole): ParsedSource {
  const entries: ListEntry[] = [];
  doc.forEach((v, i) => {
    if (typeof v !== 'string') throw new InputError({ file }, `[${i}]: ${JSON.stringify(v)} is not an address string`);
    const a = parseAddressOrCidr(v.trim());
    if (typeof a === 'string') throw new InputError({ file }, `[${i}]: ${a}`);
    entries.push(a);
  });
  return listSource(entries, file, mtimeMs, role, 'ip-list', []);
}

/** An address or block, with the ORPort when the list gave one. */
type ListEntry = AddrPrefix & { port?: number };

function listSource(entries: ListEntry[], file: string, mtimeMs: number, role: ListRole, format: RelayFormat, warnings: string[]): ParsedSource {
  const { roles, flags } = listRoleBits(role);
  // IPv4 addresses dedupe on their number; the rest (IPv6, blocks) on a string built once at load.
  const seen4 = new Set<number>();
  const seen = new Set<string>();
  const relays: ParsedRelay[] = [];
  let dup = 0;
  for (const a of entries) {
    if (a.version === 4 && a.prefix === 32 && a.port === undefined) {
      if (seen4.has(a.words[3])) {
        dup++;
        continue;
      }
      seen4.add(a.words[3]);
    } else {
      const k = `${a.version}:${a.words.join('.')}/${a.prefix}:${a.port ?? 0}`;
      if (seen.has(k)) {
        dup++;
        continue;
      }
      seen.add(k);
    }
    relays.push({ flags, flagsKnown: false, roles, addresses: [{ version: a.version, words: a.words, prefix: a.prefix, orPort: a.port ?? 0, dirPort: 0, exitOnly: role === 'exit' }] });
  }
  if (dup) warnings.push(`${dup} duplicate entries`);
  if (relays.length === 0) warnings.push('no addresses listed');
  return parsedSource({ name: file, format, timeMs: mtimeMs, timeFrom: 'mtime' }, false, relays, warnings);
}
