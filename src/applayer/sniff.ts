import { looksLikeTlsHandshake } from './tls/record.js';

/**
 * Which parser a TCP byte stream needs, from its first bytes, whatever the port (TLS on 9001, 9030,
 * 443 or anywhere else; HTTP on any port): a TLS handshake record header (0x16 0x03 0x00..0x04), or an
 * HTTP/1.x request method followed by a space. 'more' when the bytes so far are a prefix of either.
 */
export type Sniffed = 'tls' | 'http' | 'none' | 'more';

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT'];
/** Longest method + space: the most bytes a decision needs. */
export const SNIFF_MAX = Math.max(...METHODS.map((m) => m.length)) + 1;

export function sniff(buf: Uint8Array, off: number, len: number): Sniffed {
  if (len <= 0) return 'more';
  const b0 = buf[off];
  if (b0 === 0x16) {
    if (len < 3) return len === 1 || buf[off + 1] === 3 ? 'more' : 'none';
    return looksLikeTlsHandshake(buf, off, len) ? 'tls' : 'none';
  }
  if (b0 < 0x41 || b0 > 0x5a) return 'none';
  let prefixOfSome = false;
  for (const m of METHODS) {
    const n = Math.min(len, m.length + 1);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = buf[off + i] === (i < m.length ? m.charCodeAt(i) : 0x20);
    if (!ok) continue;
    if (len > m.length) return 'http';
    prefixOfSome = true;
  }
  return prefixOfSome ? 'more' : 'none';
}
