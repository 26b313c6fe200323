import { TCP_PROTOCOLS, type TcpProtocol } from './tcp-protocols.js';
import { looksLikeTlsHandshake } from './tls/record.js';

/**
 * Which parser a TCP byte stream needs, from its first bytes, whatever the port (TLS on 9001, 9030,
 * 443 or anywhere else; HTTP on any port): a TLS handshake record header (0x16 0x03 0x00..0x04), an
 * HTTP/1.x request method followed by a space, or the first bytes of a protocol in TCP_PROTOCOLS.
 * 'more' when the bytes so far are a prefix of any of them; 'none' when they are none of them (the
 * stream is then measured as an opaque stream, see opaque/observer.ts).
 */
export type Sniffed = 'tls' | 'http' | 'none' | 'more' | TcpProtocol;

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'CONNECT', 'PATCH', 'TRACE', 'PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'SEARCH', 'REPORT'];
/** The most bytes a decision needs: the longest method + space, or a protocol's fixed prefix. */
export const SNIFF_MAX = Math.max(...METHODS.map((m) => m.length + 1), ...TCP_PROTOCOLS.map((p) => p.sniffBytes));

export function sniff(buf: Uint8Array, off: number, len: number): Sniffed {
  if (len <= 0) return 'more';
  const builtin = sniffTlsHttp(buf, off, len);
  if (builtin === 'tls' || builtin === 'http') return builtin;
  let more = builtin === 'more';
  for (const p of TCP_PROTOCOLS) {
    const r = p.sniff(buf, off, len);
    if (r === 'yes') return p;
    if (r === 'more') more = true;
  }
  return more ? 'more' : 'none';
}

function sniffTlsHttp(buf: Uint8Array, off: number, len: number): 'tls' | 'http' | 'none' | 'more' {
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
