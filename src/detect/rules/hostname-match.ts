import { TOR2WEB_DOMAINS, tor2webDomain } from './tor2web-domains.js';

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
 * Quick rejects on the raw name, before any string is built: most names are neither. A regular
 * expression runs as native code even while the calling function is still interpreted, which is
 * most of the time for code that runs once per connection.
 */
const MAYBE_TOR = new RegExp(`[.](?:onion|exit|tor)[.]?$|(?:^|[.])(?:${[...new Set(TOR2WEB_DOMAINS.map((d) => d.split('.').slice(-2)[0]))].join('|')})[.]`, 'i');
const MAYBE_TORRENT = /torrent|vuze|azureus/i;

/** False when `raw` (as seen on the wire) certainly matches neither hostname rule. */
export function mayMatchTor(raw: string): boolean {
  return MAYBE_TOR.test(raw);
}

export function mayMatchTorrent(raw: string): boolean {
  return MAYBE_TORRENT.test(raw);
}

/**
 * Why `name` is a Tor hostname: '.onion' / '.exit' / '.tor' when that is its whole final label and a
 * label comes before it ("foo.onion", not "onion" alone, not "torproject.org" or "x.tor.example"),
 * 'tor2web:<domain>' for a tor2web gateway; undefined otherwise. `n` must be normalised.
 */
export function torHostnameMatch(n: string): string | undefined {
  // A DNS name in presentation form may carry an escaped dot inside a label ("foo\\.onion" is one
  // label): such a dot is not a label boundary.
  if (n.includes('\\')) return torHostnameMatchEscaped(n);
  const dot = n.lastIndexOf('.');
  if (dot > 0 && TOR_TLDS.has(n.slice(dot + 1))) return n.slice(dot);
  const gw = tor2webDomain(n);
  return gw !== undefined ? `tor2web:${gw}` : undefined;
}

/** Labels of a presentation-form name, honouring backslash escapes. */
function labelsOf(n: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < n.length; i++) {
    const c = n[i];
    if (c === '\\' && i + 1 < n.length) {
      cur += c + n[++i];
    } else if (c === '.') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function torHostnameMatchEscaped(n: string): string | undefined {
  const labels = labelsOf(n);
  const last = labels[labels.length - 1];
  if (labels.length > 1 && TOR_TLDS.has(last)) return '.' + last;
  for (let i = 0; i < labels.length; i++) {
    const gw = labels.slice(i).join('.');
    if (labels.slice(i).every((l) => !l.includes('\\')) && tor2webDomain(gw) === gw) return `tor2web:${gw}`;
  }
  return undefined;
}

const TORRENT_WORDS = ['torrent', 'vuze', 'azureus'] as const;

/** Which of torrent, vuze, azureus `n` (normalised) contains, as seed 003's case-insensitive substring test. */
export function torrentHostnameMatch(n: string): string | undefined {
  for (const w of TORRENT_WORDS) if (n.includes(w)) return w;
  return undefined;
}
