import { createHash } from 'node:crypto';
import type { ServerHello } from './server-hello.js';

const VERSION: Readonly<Record<number, string>> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3' };

/**
 * JA4S (FoxIO, JA4+ spec, TLS server response fingerprint), e.g. d12_0400_c02b_0f5d1a5a0b6c:
 *  a = protocol (t TCP, q QUIC, d DTLS) + negotiated version + extension count (two digits) + first and
 *      last character of the chosen ALPN (00 without);
 *  b = the chosen cipher suite (4 hex digits);
 *  c = first 12 hex digits of SHA-256 over the extension types in wire order (4-digit hex, comma-joined).
 * A server's answer depends on what the client offered, so it names an implementation only together
 * with the ClientHello it answered.
 */
export function ja4s(h: ServerHello, proto: 't' | 'q' | 'd'): string {
  const version = VERSION[h.version] ?? '00';
  const n = String(Math.min(h.extensions.length, 99)).padStart(2, '0');
  const a = h.alpn && h.alpn.length ? h.alpn[0] + h.alpn[h.alpn.length - 1] : '00';
  const exts = h.extensions.map((e) => e.toString(16).padStart(4, '0')).join(',');
  const c = createHash('sha256').update(exts).digest('hex').slice(0, 12);
  return `${proto}${version}${n}${a}_${h.cipher.toString(16).padStart(4, '0')}_${c}`;
}
