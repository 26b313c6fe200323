import ipaddr from 'ipaddr.js';

/**
 * Addresses as the pipeline holds them: a version and four 32-bit words in network order (IPv4 in
 * word 3). This file is torwatch's one address parser: options (--home-net, --allow, --metrics), relay
 * lists, threat intel and the command line all read text through it, so they accept the same forms and
 * refuse them in the same words. The per-packet path only compares numbers.
 *
 * The parsers are hand-written (a relay list is 10,000+ addresses and must load in well under 100 ms;
 * ipaddr.js costs a few microseconds per call) and strict: dotted quads without leading zeros or
 * shorthand, RFC 4291 IPv6 text without brackets or zone ids (a packet carries no zone, so
 * `fe80::1%eth0` could only ever match by accident). ipaddr.js prints IPv6 (RFC 5952) and is the
 * oracle the tests check these parsers against.
 */
export interface IpWords {
  version: 4 | 6;
  words: [number, number, number, number];
}

/**
 * The one wording for text that is not an address: "'x' is not an IPv4 or IPv6 address" (or "... or
 * CIDR"), with the reason when it is a near miss (a zone id, brackets).
 */
export function notAddress(text: string, cidr = false): string {
  const what = `'${text}' is not an IPv4 or IPv6 address${cidr ? ' or CIDR' : ''}`;
  if (/^[0-9A-Fa-f:.]+%/.test(text)) return `${what} (zone ids such as %${text.slice(text.indexOf('%') + 1)} are not accepted: a packet carries none)`;
  if (/^\[.*\]$/.test(text)) return `${what} (write it without brackets)`;
  return what;
}

/** Parse an IPv4 or IPv6 address (surrounding blanks ignored). Undefined when invalid. */
export function parseIp(text: string): IpWords | undefined {
  return parseAddress(text.trim());
}


/**
 * Strict dotted quad ("192.0.2.1"; no leading zeros, no shorthand) -> unsigned number, or -1.
 * `start`/`end` read a field in place (a consensus 'r' line), without slicing it out.
 */
export function parseIpv4(s: string, start = 0, end = s.length): number {
  const n = end - start;
  if (n < 7 || n > 15) return -1;
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      // "01" would be octal to some parsers and decimal to others: refuse it rather than guess.
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

/**
 * RFC 4291 text form (hex groups, one '::', an optional dotted-quad tail) -> four words, or undefined.
 * No zone ids, no brackets. Hand-written for the same reason as parseIpv4 (a third of a relay list is
 * IPv6); the tests check it against ipaddr.js.
 */
export function parseIpv6(s: string): [number, number, number, number] | undefined {
  const n = s.length;
  if (n < 2 || n > 45) return undefined;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
    if (i === n) return [0, 0, 0, 0];
  }
  while (i < n) {
    // A dotted-quad tail takes the last 32 bits.
    let j = i;
    let v = 0;
    let digits = 0;
    for (; j < n; j++) {
      const c = s.charCodeAt(j);
      const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (d < 0) break;
      v = v * 16 + d;
      digits++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      const v4 = parseIpv4(s.slice(i));
      if (v4 < 0 || groups.length > 6) return undefined;
      groups.push(Math.floor(v4 / 65536), v4 & 0xffff);
      i = n;
      break;
    }
    if (digits === 0 || digits > 4) return undefined;
    groups.push(v);
    if (groups.length > 8) return undefined;
    if (j === n) {
      i = n;
      break;
    }
    if (s.charCodeAt(j) !== 58) return undefined;
    if (s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i = j + 2;
      if (i === n) break;
    } else {
      i = j + 1;
      if (i === n) return undefined;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;
  const full = gap < 0 ? groups : [...groups.slice(0, gap), ...new Array<number>(8 - groups.length).fill(0), ...groups.slice(gap)];
  return [
    ((full[0] << 16) | full[1]) >>> 0,
    ((full[2] << 16) | full[3]) >>> 0,
    ((full[4] << 16) | full[5]) >>> 0,
    ((full[6] << 16) | full[7]) >>> 0,
  ];
}

/** An IPv4 or IPv6 address (IPv6 without brackets or zone). */
export function parseAddress(s: string): IpWords | undefined {
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { version: 4, words: [0, 0, 0, v4] };
  const v6 = parseIpv6(s);
  return v6 ? { version: 6, words: v6 } : undefined;
}

export interface AddrPrefix extends IpWords {
  /** Prefix length: 32 / 128 for a single address. Host bits are cleared. */
  prefix: number;
}

/** "192.0.2.1", "192.0.2.0/24", "2001:db8::/32" -> address + prefix; an error phrase when invalid. */
export function parseAddressOrCidr(s: string): AddrPrefix | string {
  const slash = s.indexOf('/');
  if (slash < 0) {
    // The common case (one address per line) without intermediate objects: lists are 10,000+ lines.
    const v4 = parseIpv4(s);
    if (v4 >= 0) return { version: 4, words: [0, 0, 0, v4], prefix: 32 };
    const v6 = parseIpv6(s);
    return v6 ? { version: 6, words: v6, prefix: 128 } : notAddress(s, true);
  }
  const ip = parseAddress(s.slice(0, slash));
  if (!ip) return notAddress(s, true);
  const max = ip.version === 4 ? 32 : 128;
  const p = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(p) || Number(p) > max) return `'${s}' has an invalid prefix length (0-${max} for IPv${ip.version})`;
  const prefix = Number(p);
  return { version: ip.version, words: maskWords(ip.words, ip.version, prefix), prefix };
}

/** Clear the host bits of an address. */
export function maskWords(w: readonly number[], version: 4 | 6, prefix: number): [number, number, number, number] {
  const out: [number, number, number, number] = [0, 0, 0, 0];
  let left = version === 4 ? prefix + 96 : prefix;
  for (let i = 0; i < 4; i++) {
    const take = Math.min(32, Math.max(0, left));
    const m = take === 0 ? 0 : take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    out[i] = (w[i] & m) >>> 0;
    left -= take;
  }
  return out;
}

export interface HostPort extends IpWords {
  port: number;
}

/** "192.0.2.1:9001" or "[2001:db8::1]:9001" -> address and port (1-65535); an error phrase otherwise. */
export function parseHostPort(s: string): HostPort | string {
  let host: string;
  let portText: string;
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0 || s[close + 1] !== ':') return `'${s}' is not [IPv6]:port`;
    host = s.slice(1, close);
    portText = s.slice(close + 2);
  } else {
    const colon = s.lastIndexOf(':');
    if (colon < 0) return `'${s}' is not address:port`;
    host = s.slice(0, colon);
    portText = s.slice(colon + 1);
    if (host.includes(':')) return `'${s}': an IPv6 address with a port needs brackets ([addr]:port)`;
  }
  const ip = parseAddress(host);
  if (!ip) return `${notAddress(host)} in '${s}'`;
  const port = parsePort(portText);
  if (port < 0) return `'${portText}' in '${s}' is not a port (1-65535)`;
  return { version: ip.version, words: ip.words, port };
}

/**
 * Decimal port 0-65535 -> number, or -1. Zero is returned as 0 (callers decide whether it means
 * "none"). `start`/`end` read a field in place, without slicing it out.
 */
export function parsePort(s: string, start = 0, end = s.length): number {
  const len = end - start;
  if (len <= 0 || len > 5) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= 65535 ? n : -1;
}

/** Text form of an address held as words: dotted quad, or RFC 5952 compressed IPv6. */
export function formatIp(version: number, w0: number, w1: number, w2: number, w3: number): string {
  if (version === 4) return `${w3 >>> 24}.${(w3 >>> 16) & 255}.${(w3 >>> 8) & 255}.${w3 & 255}`;
  const parts = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  return ipaddr.fromByteArray(parts.flatMap((p) => [p >>> 8, p & 255])).toString();
}

/** Write an address as network-order bytes (4 or 16) into `out` at `off`; returns bytes written. */
export function writeIpBytes(out: Buffer, off: number, version: number, w0: number, w1: number, w2: number, w3: number): number {
  if (version === 4) {
    out.writeUInt32BE(w3 >>> 0, off);
    return 4;
  }
  out.writeUInt32BE(w0 >>> 0, off);
  out.writeUInt32BE(w1 >>> 0, off + 4);
  out.writeUInt32BE(w2 >>> 0, off + 8);
  out.writeUInt32BE(w3 >>> 0, off + 12);
  return 16;
}
