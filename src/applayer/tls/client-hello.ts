import { ByteCursor } from '../../util/bytes.js';
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

const cur = new ByteCursor();
const ext = new ByteCursor();

/**
 * Parse a ClientHello body `buf[off, end)` (after the 4-byte handshake header). Returns undefined when
 * the body is malformed: a length that lies about what follows, a list with an odd byte count.
 */
export function parseClientHello(buf: Uint8Array, off: number, end: number): ClientHello | undefined {
  const c = cur.reset(buf, off, end);
  const hello: ClientHello = { legacyVersion: c.u16(), ciphers: [], extensions: [], alpn: [], supportedVersions: [], groups: [], pointFormats: [], sigAlgs: [], malformed: false };
  c.skip(32); // random
  c.skip(c.u8()); // legacy_session_id (<= 32, not checked: only skipped)
  const cipherLen = c.u16();
  if ((cipherLen & 1) !== 0 || cipherLen === 0) return undefined;
  const outer = c.enter(cipherLen);
  while (c.has(2)) pushCapped(hello.ciphers, c.u16());
  c.leave(outer);
  c.skip(c.u8()); // compression methods
  if (c.err) return undefined;
  if (c.remaining === 0) return hello; // no extensions block (SSL 3.0 / early TLS clients)
  const extLen = c.u16();
  // A block longer than what is there: read what is there, and say the hello was malformed.
  c.enter(Math.min(extLen, c.remaining));
  if (c.err) return undefined;
  if (extLen > c.remaining) hello.malformed = true;
  while (c.remaining > 0) {
    const type = c.u16();
    const len = c.u16();
    const at = c.take(len);
    if (c.err) {
      hello.malformed = true;
      break;
    }
    pushCapped(hello.extensions, type);
    if (!extension(hello, type, buf, at, at + len)) hello.malformed = true;
  }
  return hello;
}

function pushCapped(list: number[], v: number): void {
  if (list.length < MAX_LIST) list.push(v);
}

function extension(h: ClientHello, type: number, buf: Uint8Array, off: number, end: number): boolean {
  const e = ext.reset(buf, off, end);
  switch (type) {
    case TlsExt.SERVER_NAME: {
      if (e.remaining === 0) return true; // empty in a ServerHello echo; tolerated here too
      const o = e.enter(e.u16());
      while (e.remaining > 0 && !e.err) {
        const nameType = e.u8();
        const n = e.u16();
        const text = e.latin1(n);
        if (nameType === 0 && h.sni === undefined && !e.err) h.sni = text;
      }
      e.leave(o);
      break;
    }
    case TlsExt.ALPN: {
      const o = e.enter(e.u16());
      while (e.remaining > 0 && !e.err && h.alpn.length < MAX_LIST) h.alpn.push(e.latin1(e.u8()));
      e.leave(o);
      break;
    }
    case TlsExt.SUPPORTED_VERSIONS: {
      const o = e.enter(e.u8());
      while (e.has(2)) pushCapped(h.supportedVersions, e.u16());
      e.leave(o);
      break;
    }
    case TlsExt.SUPPORTED_GROUPS: {
      const o = e.enter(e.u16());
      while (e.has(2)) pushCapped(h.groups, e.u16());
      e.leave(o);
      break;
    }
    case TlsExt.EC_POINT_FORMATS: {
      const o = e.enter(e.u8());
      while (e.has(1)) pushCapped(h.pointFormats, e.u8());
      e.leave(o);
      break;
    }
    case TlsExt.SIGNATURE_ALGORITHMS: {
      const o = e.enter(e.u16());
      while (e.has(2)) pushCapped(h.sigAlgs, e.u16());
      e.leave(o);
      break;
    }
    default:
      return true;
  }
  return !e.err;
}
