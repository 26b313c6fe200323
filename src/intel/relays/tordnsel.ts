import { InputError } from '../../util/errors.js';
import { parseAddress, parseTorTime } from '../addr.js';
import { LineReader } from '../text.js';
import { Flag, normalizeFingerprint, parsedSource, Role, type ParsedRelay, type ParsedSource } from './model.js';
import { notAddress } from '../../util/ip.js';

/**
 * TorDNSEL exit lists (CollecTor "exit-lists", https://check.torproject.org/exit-addresses):
 *
 *   @type tordnsel 1.0
 *   Downloaded 2018-11-01 00:02:01
 *   ExitNode <fingerprint>
 *   Published <time>
 *   LastStatus <time>
 *   ExitAddress <ip> <time>      one or more: where the exit was seen connecting from, and when
 *
 * Every address is an exit address; ports are unknown.
 */
export function parseTorDnsel(text: string, file: string, mtimeMs: number): ParsedSource {
  const lines = new LineReader(text);
  const relays: ParsedRelay[] = [];
  let downloaded = NaN;
  let cur: ParsedRelay | undefined;
  const err = (what: string): InputError => new InputError({ file, line: lines.lineNo }, what);
  const time = (s: string, kw: string): number => {
    const t = parseTorTime(s);
    if (Number.isNaN(t)) throw err(`${kw}: '${s}' is not a 'YYYY-MM-DD HH:MM:SS' time`);
    return t;
  };
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const t = line.trim();
    if (t.length === 0) continue;
    const sp = t.indexOf(' ');
    const kw = sp < 0 ? t : t.slice(0, sp);
    const rest = sp < 0 ? '' : t.slice(sp + 1).trim();
    switch (kw) {
      case '@type':
        if (!rest.startsWith('tordnsel ')) throw err(`@type '${rest}' is not a TorDNSEL exit list`);
        break;
      case 'Downloaded':
        downloaded = time(rest, kw);
        break;
      case 'ExitNode': {
        const fp = normalizeFingerprint(rest);
        if (!fp) throw err(`ExitNode: '${rest}' is not a 40-hex-digit fingerprint`);
        cur = { fingerprint: fp, flags: Flag.Exit, flagsKnown: false, roles: Role.Exit, addresses: [] };
        relays.push(cur);
        break;
      }
      case 'Published':
        if (!cur) throw err('Published before any ExitNode');
        time(rest, kw);
        break;
      case 'LastStatus':
        if (!cur) throw err('LastStatus before any ExitNode');
        cur.lastSeenMs = time(rest, kw);
        break;
      case 'ExitAddress': {
        if (!cur) throw err('ExitAddress before any ExitNode');
        const sp2 = rest.indexOf(' ');
        const ipText = sp2 < 0 ? rest : rest.slice(0, sp2);
        const ip = parseAddress(ipText);
        if (!ip) throw err(`ExitAddress: ${notAddress(ipText)}`);
        const seen = sp2 < 0 ? undefined : time(rest.slice(sp2 + 1), kw);
        cur.addresses.push({ version: ip.version, words: ip.words, prefix: ip.version === 4 ? 32 : 128, orPort: 0, dirPort: 0, exitOnly: true, seenMs: seen });
        if (seen !== undefined && (cur.lastSeenMs === undefined || seen > cur.lastSeenMs)) cur.lastSeenMs = seen;
        break;
      }
      default:
        throw err(`'${kw.slice(0, 40)}' is not a TorDNSEL keyword (ExitNode, Published, LastStatus, ExitAddress)`);
    }
  }
  if (relays.length === 0 && Number.isNaN(downloaded)) throw new InputError({ file }, 'not a TorDNSEL exit list: no Downloaded or ExitNode line');
  return parsedSource({
    name: file, format: 'tordnsel',
    timeMs: Number.isNaN(downloaded) ? mtimeMs : downloaded,
    timeFrom: Number.isNaN(downloaded) ? 'mtime' : 'downloaded',
  }, false, relays, lines.crlf ? [`${lines.crlf} lines end in CRLF; read them as LF`] : []);
}
