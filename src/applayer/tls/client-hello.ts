import { latin1, u16 } from '../../util/bytes.js';
import { CUT, NAME_MAX } from '../../util/bound.js';
import { TlsExt } from './grease.js';

/**
 * The ClientHello body (RFC 8446 4.1.2; RFC 5246 7.4.1.2), as the fingerprints and rules need it:
 * version, cipher suites and extension types in wire order (GREASE included; JA3/JA4 drop it), SNI
 * (RFC 6066 3), ALPN (RFC 7301), supported_versions, supported_groups, ec_point_formats,
 * signature_algorithms. Used for TLS over TCP and for the ClientHello inside QUIC CRYPTO frames.
 */
export interface ClientHello {
  legacyVersion: number;
  ciphers: number[];
  /** Extension types in wire order. */
  extensions: number[];
  sni?: string;
  alpn: string[];
  supportedVersions: number[];
  groups: number[];
  pointFormats: number[];
  sigAlgs: number[];
  /**
   * The extensions block was cut short or lied about a length: what came before the fault is kept
   * (as nDPI and Wireshark do), so the SNI of a slightly broken hello is still seen.
   */
  malformed: boolean;
}

/** Most list entries read per list (cipher suites, groups...): real ClientHellos have under 100. */
const MAX_LIST = 512;

/**
 * Parse a ClientHello body `buf[off, end)` (after the 4-byte handshake header). Returns undefined when
 * the part before the extensions is malformed (a length that lies about what follows, an odd cipher
 * list); a fault inside the extensions keeps what came before it and sets `malformed`.
 * Plain index arithmetic, every read checked against the enclosing length: this runs once per TLS
 * connection, mostly before the JIT has optimised it, so it is kept to few calls.
 * `dtls`: a DTLS ClientHello (RFC 6347 4.2.1, RFC 9147 5.3), which has a cookie after the session id.
 */
export function parseClientHello(buf: Uint8Array, off: number, end: number, dtls = false): ClientHello | undefined {
  let p = off;
  if (end - p < 35) return undefined;
  const legacyVersion = u16(buf, p);
  p += 34; // version, random
  p += 1 + buf[p]; // legacy_session_id
  if (dtls) {
    if (end - p < 1) return undefined;
    p += 1 + buf[p]; // cookie
  }
  if (end - p < 2) return undefined;
  const cipherLen = u16(buf, p);
  p += 2;
  if ((cipherLen & 1) !== 0 || cipherLen === 0 || end - p < cipherLen) return undefined;
  const ciphers: number[] = [];
  for (let i = p; i < p + cipherLen && ciphers.length < MAX_LIST; i += 2) ciphers.push(u16(buf, i));
  p += cipherLen;
  if (end - p < 1 || end - p - 1 < buf[p]) return undefined;
  p += 1 + buf[p]; // compression methods
  const hello: ClientHello = { legacyVersion, ciphers, extensions: [], alpn: [], supportedVersions: [], groups: [], pointFormats: [], sigAlgs: [], malformed: false };
  if (p === end) return hello; // no extensions block (SSL 3.0 / early TLS clients)
  if (end - p < 2) return undefined;
  let extEnd = p + 2 + u16(buf, p);
  p += 2;
  // A block longer than what is there: read what is there, and say the hello was malformed.
  if (extEnd > end) {
    hello.malformed = true;
    extEnd = end;
  }
  while (p < extEnd) {
    if (extEnd - p < 4) {
      hello.malformed = true;
      break;
    }
    const type = u16(buf, p);
    const len = u16(buf, p + 2);
    p += 4;
    if (extEnd - p < len) {
      hello.malformed = true;
      break;
    }
    if (hello.extensions.length < MAX_LIST) hello.extensions.push(type);
    if (!extension(hello, type, buf, p, p + len)) hello.malformed = true;
    p += len;
  }
  return hello;
}

/** u16 list with a `lenBytes`-byte length prefix at `off`, into `out`; false when the length lies. */
function u16List(buf: Uint8Array, off: number, end: number, lenBytes: 1 | 2, out: number[]): boolean {
  if (end - off < lenBytes) return false;
  const n = lenBytes === 1 ? buf[off] : u16(buf, off);
  const start = off + lenBytes;
  if (end - start < n) return false;
  for (let i = start; i + 1 < start + n && out.length < MAX_LIST; i += 2) out.push(u16(buf, i));
  return true;
}

function extension(h: ClientHello, type: number, buf: Uint8Array, off: number, end: number): boolean {
  switch (type) {
    case TlsExt.SERVER_NAME: {
      if (end === off) return true; // empty in a ServerHello echo; tolerated here too
      if (end - off < 2) return false;
      const listEnd = off + 2 + u16(buf, off);
      if (listEnd > end) return false;
      for (let q = off + 2; q < listEnd; ) {
        if (listEnd - q < 3) return false;
        const n = u16(buf, q + 1);
        if (listEnd - q - 3 < n) return false;
        // Bounded before any string is made: only the rightmost NAME_MAX bytes of a longer name are read.
        if (buf[q] === 0 && h.sni === undefined) h.sni = n > NAME_MAX ? CUT + latin1(buf, q + 3 + n - NAME_MAX, NAME_MAX) : latin1(buf, q + 3, n);
        q += 3 + n;
      }
      return true;
    }
    case TlsExt.ALPN: {
      if (end - off < 2) return false;
      const listEnd = off + 2 + u16(buf, off);
      if (listEnd > end) return false;
      for (let q = off + 2; q < listEnd && h.alpn.length < MAX_LIST; ) {
        const n = buf[q];
        if (listEnd - q - 1 < n) return false;
        h.alpn.push(latin1(buf, q + 1, n));
        q += 1 + n;
      }
      return true;
    }
    case TlsExt.SUPPORTED_VERSIONS:
      return u16List(buf, off, end, 1, h.supportedVersions);
    case TlsExt.SUPPORTED_GROUPS:
      return u16List(buf, off, end, 2, h.groups);
    case TlsExt.SIGNATURE_ALGORITHMS:
      return u16List(buf, off, end, 2, h.sigAlgs);
    case TlsExt.EC_POINT_FORMATS: {
      if (end - off < 1 || end - off - 1 < buf[off]) return false;
      for (let i = off + 1; i < off + 1 + buf[off] && h.pointFormats.length < MAX_LIST; i++) h.pointFormats.push(buf[i]);
      return true;
    }
    default:
      return true;
  }
}
