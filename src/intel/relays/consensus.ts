import { InputError } from '../../util/errors.js';
import { parseHostPort, parseIpv4, parsePort, parseTorTime } from '../addr.js';
import { LineReader } from '../text.js';
import { countAddresses, flagBits, rolesFromFlags, type ParsedRelay, type ParsedSource } from './model.js';

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
  const err = (what: string): InputError => new InputError({ file, line: lines.lineNo }, what);
  const time = (rest: string, kw: string): number => {
    const t = parseTorTime(rest);
    if (Number.isNaN(t)) throw err(`${kw}: '${rest}' is not a 'YYYY-MM-DD HH:MM:SS' time`);
    return t;
  };

  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    if (line.length === 0) continue;
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
        cur = routerLine(rest, version, err);
        relays.push(cur);
        break;
      case 'a': {
        if (!cur) throw err("an 'a' line before any 'r' line");
        const hp = parseHostPort(rest);
        if (typeof hp === 'string') throw err(`'a' line: ${hp}`);
        cur.addresses.push({ version: hp.version, words: hp.words, prefix: hp.version === 4 ? 32 : 128, orPort: hp.port, dirPort: 0 });
        break;
      }
      case 's':
        if (!cur) throw err("an 's' line before any 'r' line");
        cur.flags = flagBits(rest.split(' '));
        cur.flagsKnown = true;
        cur.roles = rolesFromFlags(cur.flags, true);
        break;
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
  const src: ParsedSource = {
    info: {
      name: file,
      format: version === 'microdesc' ? 'microdesc-consensus' : 'consensus',
      timeMs: validAfter,
      timeFrom: 'valid-after',
      validAfterMs: validAfter,
      freshUntilMs: Number.isNaN(freshUntil) ? undefined : freshUntil,
      validUntilMs: validUntil,
      relays: 0, v4: 0, v6: 0,
    },
    dated: true,
    relays,
    warnings,
  };
  countAddresses(src);
  return src;
}

const NICKNAME = /^[A-Za-z0-9]{1,19}$/;

function routerLine(rest: string, version: 'ns' | 'microdesc', err: (w: string) => InputError): ParsedRelay {
  const f = rest.split(' ');
  const want = version === 'ns' ? 8 : 7;
  if (f.length !== want) throw err(`'r' line has ${f.length} fields, a ${version === 'ns' ? 'full' : 'microdesc'} consensus has ${want}`);
  const [nickname, identity] = f;
  const [ip, orText, dirText] = f.slice(want - 3);
  if (!NICKNAME.test(nickname)) throw err(`'r' line: '${nickname}' is not a relay nickname (1-19 letters and digits)`);
  const id = Buffer.from(identity, 'base64');
  if (identity.length !== 27 || id.length !== 20) throw err(`'r' line: identity '${identity}' is not 27 base64 characters (a 20-byte fingerprint)`);
  const v4 = parseIpv4(ip);
  if (v4 < 0) throw err(`'r' line: '${ip}' is not an IPv4 address`);
  const orPort = parsePort(orText);
  const dirPort = parsePort(dirText);
  if (orPort <= 0) throw err(`'r' line: ORPort '${orText}' is not a port (1-65535)`);
  if (dirPort < 0) throw err(`'r' line: DirPort '${dirText}' is not a port (0-65535)`);
  return {
    nickname,
    fingerprint: id.toString('hex').toUpperCase(),
    flags: 0,
    flagsKnown: false,
    roles: rolesFromFlags(0, false),
    addresses: [{ version: 4, words: [0, 0, 0, v4], prefix: 32, orPort, dirPort }],
  };
}
