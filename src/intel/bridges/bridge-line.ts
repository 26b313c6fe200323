import { parseHostPort } from '../addr.js';

/**
 * One Tor bridge line, as a torrc (`Bridge ...`), Tor Browser's bridge dialog, BridgeDB or
 * tor-browser-build's pt_config.json write it (tor's manual, "Bridge [transport] IP:ORPort
 * [fingerprint] [k=v ...]"):
 *
 *   Bridge obfs4 192.0.2.10:443 0123...CDEF cert=... iat-mode=0
 *   snowflake 192.0.2.3:80 2B28...0A72 fingerprint=... url=https://broker.example/ fronts=a.example,b.example ice=stun:stun.example:3478
 *   [2001:db8::7]:9001 0123...CDEF                     (a vanilla bridge: no transport)
 *
 * What detection needs from it: the transport, the address and port a client dials (for transports
 * that dial it), the fingerprint, and the names a client contacts instead (meek's and Snowflake's
 * broker URL and front domains, Snowflake's ICE servers and AMP cache, webtunnel's URL).
 */
export interface BridgeLine {
  /** Lower-case transport name; 'vanilla' for a plain Tor bridge (no transport). */
  transport: string;
  version: 4 | 6;
  words: [number, number, number, number];
  port: number;
  /** 40 upper-case hex digits, when given. */
  fingerprint?: string;
  /** key=value arguments in order (the first of a repeated key wins). */
  args: Record<string, string>;
}

/** Caps on one line, so a hostile file cannot make an entry unbounded. */
export const MAX_LINE_CHARS = 8192;
const MAX_ARGS = 64;

/**
 * Transports whose client never connects to the address on the bridge line: it is a placeholder that
 * names the bridge to tor (meek and Snowflake reach their bridge through a broker or a CDN, webtunnel
 * through its URL, conjure through a registration server). Only the other transports' addresses are
 * endpoints a sensor can see.
 */
const NOT_DIALED = new Set(['meek', 'meek_lite', 'snowflake', 'webtunnel', 'conjure', 'dnstt']);

/** Whether a client of this transport connects to the bridge line's address:port. */
export function dialsAddress(transport: string): boolean {
  return !NOT_DIALED.has(transport);
}

/**
 * Parse one bridge line (the `Bridge` keyword optional, comments already removed). Returns the line,
 * or an error phrase for the caller to place (file and line).
 */
export function parseBridgeLine(text: string): BridgeLine | string {
  if (text.length > MAX_LINE_CHARS) return `line longer than ${MAX_LINE_CHARS} characters`;
  const tokens = text.trim().split(/\s+/);
  let i = 0;
  if (tokens[0].toLowerCase() === 'bridge') i++;
  if (i >= tokens.length) return "a Bridge line needs at least an address:port";
  let transport = 'vanilla';
  // A transport name is a C identifier (tor's rule for ClientTransportPlugin names); an address starts
  // with a digit or '['.
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokens[i])) {
    transport = tokens[i].toLowerCase();
    i++;
  }
  if (i >= tokens.length) return `transport '${transport}' without an address:port`;
  const hp = parseHostPort(tokens[i]);
  if (typeof hp === 'string') return hp;
  if (hp.port === 0) return `'${tokens[i]}': port 0 is not a bridge port`;
  i++;
  const line: BridgeLine = { transport, version: hp.version, words: hp.words as [number, number, number, number], port: hp.port, args: {} };
  if (i < tokens.length && !tokens[i].includes('=')) {
    const fp = tokens[i].startsWith('$') ? tokens[i].slice(1) : tokens[i];
    if (!/^[0-9A-Fa-f]{40}$/.test(fp)) return `'${tokens[i]}' is neither a fingerprint (40 hex digits) nor a key=value argument`;
    line.fingerprint = fp.toUpperCase();
    i++;
  }
  let n = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i];
    const eq = t.indexOf('=');
    if (eq <= 0) return `'${t}' is not a key=value argument`;
    if (++n > MAX_ARGS) return `more than ${MAX_ARGS} arguments`;
    const k = t.slice(0, eq).toLowerCase();
    if (!(k in line.args)) line.args[k] = t.slice(eq + 1);
  }
  return line;
}

/** A rendezvous name a bridge line implies, and what the client does with it. */
export interface BridgeName {
  /** Lower-case host name, no trailing dot. */
  name: string;
  /**
   * broker: the URL a meek or Snowflake client's requests are for (reached through the front, or
   * directly when not fronted); front: the domain in the TLS SNI and DNS; ice: a STUN server
   * (Snowflake); amp-cache: Snowflake's AMP cache rendezvous; url: a webtunnel bridge's HTTPS host.
   */
  role: 'broker' | 'front' | 'ice' | 'amp-cache' | 'url';
  /** For ICE servers: the STUN port given (3478 when none). */
  port?: number;
}

/** Host of an http(s)/stun URL or a bare host[:port]; undefined when it is not a plausible name. */
function hostOf(text: string): { host: string; port?: number } | undefined {
  let t = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):(\/\/)?/i.exec(t);
  if (scheme) t = t.slice(scheme[0].length);
  const end = t.search(/[/?#]/);
  if (end >= 0) t = t.slice(0, end);
  const at = t.lastIndexOf('@');
  if (at >= 0) t = t.slice(at + 1);
  let port: number | undefined;
  const colon = t.lastIndexOf(':');
  if (colon > 0 && !t.includes(']') && /^\d{1,5}$/.test(t.slice(colon + 1))) {
    port = Number(t.slice(colon + 1));
    t = t.slice(0, colon);
  }
  const host = t.toLowerCase().replace(/\.$/, '');
  if (host.length === 0 || host.length > 253 || !/^[a-z0-9_.-]+$/.test(host) || !host.includes('.')) return undefined;
  return { host, port };
}

/** The names a bridge line's arguments give (meek/Snowflake/webtunnel/conjure), deduplicated. */
export function bridgeNames(line: BridgeLine): BridgeName[] {
  const out: BridgeName[] = [];
  const add = (text: string | undefined, role: BridgeName['role']): void => {
    if (text === undefined) return;
    for (const part of text.split(',')) {
      const h = hostOf(part);
      if (!h) continue;
      if (out.some((x) => x.name === h.host && x.role === role)) continue;
      out.push(role === 'ice' ? { name: h.host, role, port: h.port ?? 3478 } : { name: h.host, role });
    }
  };
  const a = line.args;
  add(a.url, line.transport === 'webtunnel' ? 'url' : 'broker');
  add(a.front, 'front');
  add(a.fronts, 'front');
  add(a.ice, 'ice');
  add(a.ampcache, 'amp-cache');
  return out;
}
