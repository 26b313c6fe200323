import { createHash } from 'node:crypto';
import type { ClientHello } from './client-hello.js';
import { isGrease, TlsExt } from './grease.js';

/**
 * JA4 (FoxIO, JA4+ spec, TLS client fingerprint), e.g. t13d1516h2_8daaf6152771_e5627efa2ab1:
 *  a = protocol (t TCP, q QUIC, d DTLS) + version (highest non-GREASE supported_versions entry, else the
 *      legacy version: 13 12 11 10 s3) + d/i (SNI present or not) + cipher count + extension count
 *      (two digits each, GREASE left out, capped at 99) + first and last character of the first ALPN
 *      value (00 without ALPN; when either is not alphanumeric, the first hex digit of its first byte
 *      and the last hex digit of its last byte);
 *  b = first 12 hex digits of SHA-256 over the sorted cipher suites (4-digit hex, comma-joined);
 *  c = first 12 hex digits of SHA-256 over the sorted extensions without SNI and ALPN, then '_' and
 *      the signature algorithms in wire order (no '_' when there are none).
 * An empty list hashes to twelve zeros.
 */
const VERSION: Readonly<Record<number, string>> = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2', 0xfeff: 'd1', 0xfefd: 'd2', 0xfefc: 'd3' };

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function two(n: number): string {
  return String(Math.min(n, 99)).padStart(2, '0');
}

function hash12(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 12);
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function alpnChars(h: ClientHello): string {
  const a = h.alpn[0];
  if (a === undefined || a.length === 0) return '00';
  const first = a.charCodeAt(0);
  const last = a.charCodeAt(a.length - 1);
  if (isAlnum(first) && isAlnum(last)) return a[0] + a[a.length - 1];
  return first.toString(16).padStart(2, '0')[0] + last.toString(16).padStart(2, '0')[1];
}

/** `quic`: true for QUIC ('q'), false for TLS over TCP ('t'), or 'd' for DTLS (JA4's protocol letter). */
export function ja4(h: ClientHello, quic: boolean | 'd'): string {
  let best = 0;
  for (const v of h.supportedVersions) if (!isGrease(v) && v > best && VERSION[v]) best = v;
  const version = VERSION[best || h.legacyVersion] ?? '00';
  const ciphers = h.ciphers.filter((v) => !isGrease(v));
  const exts = h.extensions.filter((v) => !isGrease(v));
  const a = `${quic === 'd' ? 'd' : quic ? 'q' : 't'}${version}${h.sni !== undefined ? 'd' : 'i'}${two(ciphers.length)}${two(exts.length)}${alpnChars(h)}`;
  const b = ciphers.length ? hash12(ciphers.map(hex4).sort().join(',')) : '000000000000';
  const rest = exts.filter((v) => v !== TlsExt.SERVER_NAME && v !== TlsExt.ALPN).map(hex4).sort();
  let c = '000000000000';
  if (rest.length) {
    const sig = h.sigAlgs.filter((v) => !isGrease(v)).map(hex4).join(',');
    c = hash12(sig ? `${rest.join(',')}_${sig}` : rest.join(','));
  }
  return `${a}_${b}_${c}`;
}
