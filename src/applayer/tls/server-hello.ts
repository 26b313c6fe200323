import { ByteCursor } from '../../util/bytes.js';
import { TlsExt } from './grease.js';

/**
 * The ServerHello body (RFC 8446 4.1.3; RFC 5246 7.4.1.3): the negotiated version (supported_versions
 * when present, which is how TLS 1.3 and its HelloRetryRequest say so), the cipher suite, and the
 * ALPN protocol the server chose (visible in TLS <= 1.2 only; TLS 1.3 moves it into encrypted
 * EncryptedExtensions).
 */
export interface ServerHello {
  legacyVersion: number;
  /** supported_versions' selected version, else legacyVersion. */
  version: number;
  cipher: number;
  alpn?: string;
  /** Extension types in wire order (at most 64): a DTLS ServerHello fingerprint (JA4S-style). */
  extensions: number[];
}

const cur = new ByteCursor();

export function parseServerHello(buf: Uint8Array, off: number, end: number): ServerHello | undefined {
  const c = cur.reset(buf, off, end);
  const legacyVersion = c.u16();
  c.skip(32);
  c.skip(c.u8());
  const cipher = c.u16();
  c.skip(1);
  if (c.err) return undefined;
  const hello: ServerHello = { legacyVersion, version: legacyVersion, cipher, extensions: [] };
  if (c.remaining === 0) return hello;
  const outer = c.enter(c.u16());
  while (c.remaining > 0 && !c.err) {
    const type = c.u16();
    const len = c.u16();
    const at = c.take(len);
    if (c.err) break;
    if (hello.extensions.length < 64) hello.extensions.push(type);
    if (type === TlsExt.SUPPORTED_VERSIONS && len === 2) hello.version = (buf[at] << 8) | buf[at + 1];
    else if (type === TlsExt.ALPN && len >= 3) {
      const n = buf[at + 2];
      if (3 + n <= len) hello.alpn = String.fromCharCode(...buf.subarray(at + 3, at + 3 + n));
    }
  }
  c.leave(outer);
  return c.err ? undefined : hello;
}
