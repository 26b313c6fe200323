import { InputError } from '../../util/errors.js';
import { parseHostPort, parseIpv4, parsePort, parseTorTime } from '../addr.js';
import { LineReader } from '../text.js';
import { flagBits, parsedSource, rolesFromFlags, type ParsedRelay, type ParsedSource } from './model.js';

/**
 * Tor network-status consensus documents (dir-spec section 3.4.1), full ("ns") and microdescriptor
 * flavours: the header's valid-after / fresh-until / valid-until, then one router entry per relay:
 *
 *   r <nickname> <identity> <digest> <published date> <time> <IPv4> <ORPort> <DirPort>   (ns)
 *   r <nickname> <identity> <published date> <time> <IPv4> <ORPort> <DirPort>            (microdesc)
 *   a <address>:<port>        additional OR addresses (IPv6 in brackets), zero or more
 *   s <flag> ...              flags
 *
 * Everything after "directory-footer" (weights, signatures) is ignored; signatures are not checked
 * (torwatch reads lists, it does not choose circuits). Other keywords are skipped, as the spec says
 * unknown keywords must be. CRLF line ends are read as LF and reported as a warning.
 */
export function parseConsensus(text: string, file: string): ParsedSource {
  const lines = new LineReader(text);
  const relays: ParsedRelay[] = [];
  const warnings: string[] = [];
  let version: 'ns' | 'microdesc' | undefined;
  let validAfter = NaN;
  let freshUntil = NaN;
  let validUntil = NaN;
  let cur: ParsedRelay | undefined;
  let sawFooter = false;
  // A consensus has a handful of distinct flag sets and thousands of relays: decode each set once.
  const flagCache = new Map<string, number>();
  const err = (what: string): InputError => new InputError({ file, line: lines.lineNo }, what);
  const time = (rest: string, kw: string): number => {
    const t = parseTorTime(rest);
    if (Number.isNaN(t)) throw err(`${kw}: '${rest}' is not a 'YYYY-MM-DD HH:MM:SS' time`);
    return t;
  };

  for (;;) {
    // Router entries are most of the document: their one-letter keywords are told apart by looking
    // at the text, and the lines torwatch does not read (v, pr, w, p, m) are never sliced out.
    if (version !== undefined && lines.peekChar(1) === 32) {
      const k = lines.peekChar(0);
      if (k !== 114 /* r */ && k !== 115 /* s */ && k !== 97 /* a */) {
        lines.skip();
        continue;
      }
    }
    const line = lines.next();
    if (line === undefined) break;
    if (line.length === 0) continue;
    if (version !== undefined && line.length > 1 && line.charCodeAt(1) === 32) {
      const k = line.charCodeAt(0);
      if (k === 114 /* r */) {
        cur = routerLine(line, version, err);
        relays.push(cur);
      } else if (k === 115 /* s */) {
        if (!cur) throw err("an 's' line before any 'r' line");
        const rest = line.slice(2);
        let bits = flagCache.get(rest);
        if (bits === undefined) flagCache.set(rest, (bits = flagBits(rest.split(' '))));
        cur.flags = bits;
        cur.flagsKnown = true;
        cur.roles = rolesFromFlags(bits, true);
      } else if (k === 97 /* a */) {
        if (!cur) throw err("an 'a' line before any 'r' line");
        const hp = parseHostPort(line.slice(2));
        if (typeof hp === 'string') throw err(`'a' line: ${hp}`);
        cur.addresses.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, orPort: hp.port, dirPort: 0 });
      }
      continue;
    }
    const sp = line.indexOf(' ');
    const kw = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp + 1);
    if (version === undefined) {
      if (kw === '@type') continue;
      if (kw !== 'network-status-version') throw err(`not a network-status consensus: expected 'network-status-version 3' first, found '${line.slice(0, 60)}'`);
      const parts = rest.split(' ');
      if (parts[0] !== '3') throw err(`network-status-version '${rest}' is not supported (only version 3)`);
      version = parts[1] === 'microdesc' ? 'microdesc' : 'ns';
      continue;
    }
    switch (kw) {
      case 'vote-status':
        if (rest !== 'consensus' && rest !== 'vote') throw err(`vote-status '${rest}' is neither consensus nor vote`);
        break;
      case 'valid-after':
        validAfter = time(rest, kw);
        break;
      case 'fresh-until':
        freshUntil = time(rest, kw);
        break;
      case 'valid-until':
        validUntil = time(rest, kw);
        break;
      case 'r':
      case 'a':
      case 's':
        // A keyword without arguments.
        throw err(`'${kw}' line without arguments`);
      case 'directory-footer':
        sawFooter = true;
        break;
      default:
        break;
    }
    if (sawFooter) break;
  }
  if (version === undefined) throw new InputError({ file }, 'empty: not a network-status consensus');
  if (Number.isNaN(validAfter)) throw new InputError({ file }, "no 'valid-after' line: a consensus must say when it is valid");
  if (Number.isNaN(validUntil)) throw new InputError({ file }, "no 'valid-until' line: a consensus must say when it expires");
  if (validUntil < validAfter) throw new InputError({ file }, 'valid-until is earlier than valid-after');
  if (!sawFooter) warnings.push("no 'directory-footer' line: the file may be truncated; read the relays it has");
  if (lines.crlf > 0) warnings.push(`${lines.crlf} lines end in CRLF (directory documents use LF); read them as LF`);
  if (relays.length === 0) warnings.push('no relays listed');
  return parsedSource({
    name: file,
    format: version === 'microdesc' ? 'microdesc-consensus' : 'consensus',
    timeMs: validAfter,
    timeFrom: 'valid-after',
    validAfterMs: validAfter,
    freshUntilMs: Number.isNaN(freshUntil) ? undefined : freshUntil,
    validUntilMs: validUntil,
  }, true, relays, warnings);
}

const NICKNAME = /^[A-Za-z0-9]{1,19}$/;

/** An 'r' line (with its "r " prefix): fields found by space positions, read in place. */
function routerLine(line: string, version: 'ns' | 'microdesc', err: (w: string) => InputError): ParsedRelay {
  const want = version === 'ns' ? 8 : 7;
  let fields = 1;
  for (let i = line.indexOf(' ', 2); i >= 0; i = line.indexOf(' ', i + 1)) fields++;
  if (fields !== want) throw err(`'r' line has ${fields} fields, a ${version === 'ns' ? 'full' : 'microdesc'} consensus has ${want}`);
  const s1 = line.indexOf(' ', 2);
  const s2 = line.indexOf(' ', s1 + 1);
  const e3 = line.lastIndexOf(' ');
  const e2 = line.lastIndexOf(' ', e3 - 1);
  const e1 = line.lastIndexOf(' ', e2 - 1);
  const nickname = line.slice(2, s1);
  if (!NICKNAME.test(nickname)) throw err(`'r' line: '${nickname}' is not a relay nickname (1-19 letters and digits)`);
  const fingerprint = base64ToHex(line, s1 + 1, s2);
  if (!fingerprint) throw err(`'r' line: identity '${line.slice(s1 + 1, s2)}' is not 27 base64 characters (a 20-byte fingerprint)`);
  const v4 = parseIpv4(line, e1 + 1, e2);
  if (v4 < 0) throw err(`'r' line: '${line.slice(e1 + 1, e2)}' is not an IPv4 address`);
  const orPort = parsePort(line, e2 + 1, e3);
  const dirPort = parsePort(line, e3 + 1);
  if (orPort <= 0) throw err(`'r' line: ORPort '${line.slice(e2 + 1, e3)}' is not a port (1-65535)`);
  if (dirPort < 0) throw err(`'r' line: DirPort '${line.slice(e3 + 1)}' is not a port (0-65535)`);
  return {
    nickname,
    fingerprint,
    flags: 0,
    flagsKnown: false,
    roles: rolesFromFlags(0, false),
    addresses: [{ version: 4, words: [0, 0, 0, v4], prefix: 32, orPort, dirPort }],
  };
}

const B64 = new Int8Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('').forEach((c, i) => (B64[c.charCodeAt(0)] = i));
const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));
const idBytes = new Uint8Array(20);

/**
 * The 27-character unpadded base64 identity of an 'r' line -> 40 upper-case hex digits (20 bytes), or
 * undefined when a character is not base64. 27 characters carry 162 bits; the last 2 are padding.
 * (No Buffer per relay: this runs 10,000 times per consensus.)
 */
export function base64ToHex(s: string, start = 0, end = s.length): string | undefined {
  if (end - start !== 27) return undefined;
  let acc = 0;
  let bits = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64[c] : -1;
    if (v < 0) return undefined;
    acc = ((acc << 6) | v) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 20) idBytes[n++] = (acc >> bits) & 255;
    }
  }
  let out = '';
  for (let i = 0; i < 20; i++) out += BYTE_HEX[idBytes[i]];
  return out;
}
