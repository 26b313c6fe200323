import { latin1 } from '../../util/bytes.js';

/**
 * An HTTP/1.x request head (RFC 9112 3 and 5): request line, then header fields up to the empty line.
 * Reports the method, the request target, the Host header, and what the body framing is, so that the
 * next request on a persistent connection can be found. Header names are matched case-insensitively;
 * obsolete line folding and bare LF line ends are tolerated (as servers do); anything else that does
 * not parse is refused with a named anomaly.
 */
export interface HttpRequestHead {
  method: string;
  target: string;
  /** "HTTP/1.1" etc. */
  version: string;
  /** The Host header's value as sent (may carry a port). */
  host?: string;
  /** The User-Agent header's value as sent (the head is at most MAX_HEAD bytes; events bound it further). */
  userAgent?: string;
  contentLength?: number;
  chunked: boolean;
}

export type HttpHeadResult = { head: HttpRequestHead } | { error: 'http.bad_request_line' | 'http.bad_header' };

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Offset just past the empty line ending the head in `buf[off, end)`, or -1 if not there yet. */
export function headEnd(buf: Uint8Array, off: number, end: number): number {
  for (let i = off; i < end; i++) {
    if (buf[i] !== 0x0a) continue;
    // LF followed by LF, or by CR LF.
    if (i + 1 < end && buf[i + 1] === 0x0a) return i + 2;
    if (i + 2 < end && buf[i + 1] === 0x0d && buf[i + 2] === 0x0a) return i + 3;
  }
  return -1;
}

/** Parse a complete head `buf[off, end)` (as found by headEnd). */
export function parseRequestHead(buf: Uint8Array, off: number, end: number): HttpHeadResult {
  const lines = latin1(buf, off, end - off).split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const first = lines[0].split(' ');
  if (first.length !== 3 || !TCHAR.test(first[0]) || first[1].length === 0 || !/^HTTP\/\d\.\d$/.test(first[2])) {
    return { error: 'http.bad_request_line' };
  }
  const head: HttpRequestHead = { method: first[0], target: first[1], version: first[2], chunked: false };
  let last: string | undefined;
  const fields: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') break;
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      fields[fields.length - 1][1] += ' ' + line.trim(); // obs-fold
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || !TCHAR.test(line.slice(0, colon))) return { error: 'http.bad_header' };
    last = line.slice(0, colon).toLowerCase();
    fields.push([last, line.slice(colon + 1).trim()]);
  }
  for (const [name, value] of fields) {
    if (name === 'host' && head.host === undefined) head.host = value;
    else if (name === 'user-agent' && head.userAgent === undefined) head.userAgent = value;
    else if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return { error: 'http.bad_header' };
      head.contentLength = Number(value);
    } else if (name === 'transfer-encoding' && /(^|,)\s*chunked\s*$/i.test(value)) head.chunked = true;
  }
  return { head };
}

/**
 * The host name in a Host value or an authority ("example.com:8080", "[2001:db8::1]:80"), lowercased,
 * without port, brackets or a trailing dot; undefined when empty.
 */
export function hostOfAuthority(authority: string): string | undefined {
  let h = authority.trim();
  const at = h.lastIndexOf('@');
  if (at >= 0) h = h.slice(at + 1);
  if (h.startsWith('[')) {
    const close = h.indexOf(']');
    h = close > 0 ? h.slice(1, close) : h.slice(1);
  } else {
    const colon = h.indexOf(':');
    if (colon >= 0 && h.indexOf(':', colon + 1) < 0) h = h.slice(0, colon);
  }
  h = h.toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h || undefined;
}

/** The host of an absolute-form target ("http://example.com/x"), for requests through a proxy. */
export function hostOfAbsoluteTarget(target: string): string | undefined {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(target);
  return m ? hostOfAuthority(m[1]) : undefined;
}
