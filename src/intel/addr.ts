/**
 * What the relay and threat-intel loaders read besides plain addresses. The address parsers themselves
 * live in util/ip.ts (one parser for options, lists and the command line); they are re-exported here
 * for the loaders that import them from this module.
 */
export { maskWords, parseAddress, parseAddressOrCidr, parseHostPort, parseIpv4, parseIpv6, parsePort, type AddrPrefix, type HostPort } from '../util/ip.js';

/**
 * "YYYY-MM-DD HH:MM:SS" (UTC, as Tor's directory documents, TorDNSEL and Onionoo write it) -> ms since
 * the epoch, or NaN. Also accepts a 'T' separator and a trailing 'Z'.
 */
export function parseTorTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?Z?$/.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  // Date.UTC rolls 2026-02-31 over into March; a real timestamp never does.
  return new Date(t).getUTCDate() === d ? t : NaN;
}
