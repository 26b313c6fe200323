import { createHash } from 'node:crypto';
import type { ClientHello } from './client-hello.js';
import { isGrease } from './grease.js';

/**
 * JA3 (Salesforce, 2017): "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats",
 * decimal values joined by '-', GREASE values (RFC 8701) left out, SSLVersion being the ClientHello's
 * legacy_version; the fingerprint is the MD5 of that string in hex. Same as Zeek's ja3 package,
 * Suricata's tls.ja3.hash, Wireshark's tls.handshake.ja3 and nDPI's JA3C.
 */
export interface Ja3 {
  text: string;
  md5: string;
}

function join(list: number[], grease: boolean): string {
  let s = '';
  for (const v of list) {
    if (grease && isGrease(v)) continue;
    s += s ? '-' + v : String(v);
  }
  return s;
}

export function ja3(h: ClientHello): Ja3 {
  const text = `${h.legacyVersion},${join(h.ciphers, true)},${join(h.extensions, true)},${join(h.groups, true)},${join(h.pointFormats, false)}`;
  return { text, md5: createHash('md5').update(text).digest('hex') };
}
