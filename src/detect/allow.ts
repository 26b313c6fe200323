import { isRuleId } from './catalog.js';
import type { Detection } from './detection.js';
import type { Flow } from '../flow/flow.js';
import { parseAddressOrCidr, parseHostPort, parsePort, type AddrPrefix } from '../intel/addr.js';
import { normalizeDomain } from '../intel/ti/indicator.js';

/**
 * Exclusions (`--allow`): detection policy, applied by the detect engine when a rule fires, so it
 * lives with the detectors; it reads addresses and domains with the intel's parsers. (`--allow`, seed 000's false-positive guidance: patch servers, scanners, monitoring
 * hosts). One entry per value:
 *
 *   10.0.0.5              a host: flows with this address on either side
 *   192.0.2.0/24          a network (IPv4 or IPv6 CIDR): either side
 *   198.51.100.7:9001     an endpoint: that address with that port, either side
 *   [2001:db8::7]:443     the same for IPv6
 *   port:443              the responder's (destination) port; port:8000-8100 for a range
 *   domain:example.com    alerts whose hostname (DNS, SNI, Host) is this domain or under it
 *
 * Any entry may end in @<rule-id> to exclude only that rule's alerts (10.0.0.5@tor-relay).
 * Checked when a rule fires (never per packet), so the list may be long without cost.
 */
interface AllowEntry {
  text: string;
  rule?: string;
  cidr?: AddrPrefix;
  endpoint?: { version: number; words: readonly number[]; port: number };
  ports?: [number, number];
  domain?: string;
}

/** Parse one entry; an error phrase when it is not one of the forms above. */
function parseEntry(raw: string): AllowEntry | string {
  const text = raw.trim();
  let body = text;
  let rule: string | undefined;
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    rule = text.slice(at + 1);
    body = text.slice(0, at);
    if (!isRuleId(rule)) return `'${text}': unknown rule id '${rule}' after @`;
  }
  if (body.startsWith('port:')) {
    const m = /^port:(\d{1,5})(?:-(\d{1,5}))?$/.exec(body);
    const lo = m ? parsePort(m[1]) : -1;
    const hi = m?.[2] !== undefined ? parsePort(m[2]) : lo;
    if (lo < 0 || hi < 0 || hi < lo) return `'${text}' is not port:N or port:N-M (0-65535)`;
    return { text, rule, ports: [lo, hi] };
  }
  if (body.startsWith('domain:')) {
    const d = normalizeDomain(body.slice(7).replace(/^\*\./, ''));
    return d ? { text, rule, domain: d } : `'${text}': '${body.slice(7)}' is not a domain name`;
  }
  const cidr = parseAddressOrCidr(body);
  if (typeof cidr !== 'string') return { text, rule, cidr };
  if (body.includes('/')) return cidr;
  // "addr:port" (IPv4) or "[v6]:port"; a bare IPv6 address was already taken as a CIDR above.
  if (body.startsWith('[') || /^[\d.]+:\d+$/.test(body)) {
    const hp = parseHostPort(body);
    if (typeof hp === 'string') return `'${text}': ${hp}`;
    return { text, rule, endpoint: { version: hp.version, words: hp.words, port: hp.port } };
  }
  // Something address-shaped: the address parser's own words (the same as --home-net's).
  if (/^[0-9A-Fa-f:.]+(%\S*)?$/.test(body)) return cidr;
  return `'${text}' is not an address, CIDR, address:port, port:N or domain:NAME`;
}

/** Validator for the option table: the first bad entry's error phrase. */
export function checkAllowEntries(entries: readonly string[]): string | undefined {
  for (const e of entries) {
    const r = parseEntry(e);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

function inCidr(c: AddrPrefix, version: number, w0: number, w1: number, w2: number, w3: number): boolean {
  if (c.version !== version) return false;
  const w = [w0, w1, w2, w3];
  let left = version === 4 ? c.prefix + 96 : c.prefix;
  for (let i = 0; i < 4; i++) {
    const take = Math.min(32, Math.max(0, left));
    const m = take === 0 ? 0 : take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    if (((w[i] & m) >>> 0) !== c.words[i]) return false;
    left -= take;
  }
  return true;
}

function sameAddr(e: { version: number; words: readonly number[] }, version: number, w0: number, w1: number, w2: number, w3: number): boolean {
  return e.version === version && e.words[0] === w0 >>> 0 && e.words[1] === w1 >>> 0 && e.words[2] === w2 >>> 0 && e.words[3] === w3 >>> 0;
}

function domainMatch(name: string | undefined, d: string): boolean {
  if (!name) return false;
  const n = name.toLowerCase().replace(/\.$/, '');
  return n === d || n.endsWith('.' + d);
}

export class AllowList {
  private constructor(private readonly entries: AllowEntry[]) {}

  static parse(texts: readonly string[]): AllowList {
    const out: AllowEntry[] = [];
    for (const t of texts) {
      const r = parseEntry(t);
      if (typeof r === 'string') throw new Error(r);
      out.push(r);
    }
    return new AllowList(out);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry that excludes this detection, or undefined. */
  match(d: Detection): string | undefined {
    const f: Flow = d.flow;
    for (const e of this.entries) {
      if (e.rule !== undefined && e.rule !== d.rule.id) continue;
      if (e.cidr) {
        if (inCidr(e.cidr, f.ipVersion, f.a0, f.a1, f.a2, f.a3) || inCidr(e.cidr, f.ipVersion, f.b0, f.b1, f.b2, f.b3)) return e.text;
      } else if (e.endpoint) {
        const p = e.endpoint;
        if ((sameAddr(p, f.ipVersion, f.a0, f.a1, f.a2, f.a3) && f.aPort === p.port) || (sameAddr(p, f.ipVersion, f.b0, f.b1, f.b2, f.b3) && f.bPort === p.port)) return e.text;
      } else if (e.ports) {
        if (f.bPort >= e.ports[0] && f.bPort <= e.ports[1]) return e.text;
      } else if (e.domain) {
        if (domainMatch(d.hostname?.name, e.domain) || domainMatch(d.destinationDomain, e.domain)) return e.text;
      }
    }
    return undefined;
  }
}
