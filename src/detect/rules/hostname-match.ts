import { tor2webDomain } from './tor2web-domains.js';

/**
 * The two hostname tests of seed 003 / SPEC.md, on one normalised name. Names arrive as seen on the
 * wire (DNS presentation form, SNI, Host); they are compared lowercased (DNS is case-insensitive,
 * RFC 4343) with one trailing dot removed (an absolute name "foo.onion." is the same name).
 */
export function normaliseHostname(name: string): string {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  return n;
}

/** Tor's special-use top-level names: onion services (RFC 7686), exit notation, and .tor (seed 003). */
const TOR_TLDS: ReadonlySet<string> = new Set(['onion', 'exit', 'tor']);

/**
 * Why `name` is a Tor hostname: '.onion' / '.exit' / '.tor' when that is its whole final label and a
 * label comes before it ("foo.onion", not "onion" alone, not "torproject.org" or "x.tor.example"),
 * 'tor2web:<domain>' for a tor2web gateway; undefined otherwise. `n` must be normalised.
 */
export function torHostnameMatch(n: string): string | undefined {
  const dot = n.lastIndexOf('.');
  if (dot > 0 && TOR_TLDS.has(n.slice(dot + 1))) return n.slice(dot);
  const gw = tor2webDomain(n);
  return gw !== undefined ? `tor2web:${gw}` : undefined;
}

const TORRENT_WORDS = ['torrent', 'vuze', 'azureus'] as const;

/** Which of torrent, vuze, azureus `n` (normalised) contains, as seed 003's case-insensitive substring test. */
export function torrentHostnameMatch(n: string): string | undefined {
  for (const w of TORRENT_WORDS) if (n.includes(w)) return w;
  return undefined;
}
