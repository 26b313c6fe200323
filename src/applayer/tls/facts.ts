import type { ClientHelloFacts } from '../events.js';
import type { ClientHello } from './client-hello.js';
import { isGrease } from './grease.js';
import { ja3 } from './ja3.js';
import { ja4 } from './ja4.js';

/** The ClientHello as an event reports it, with its JA3 and JA4 fingerprints. */
export function clientHelloFacts(h: ClientHello, quic: boolean): ClientHelloFacts {
  const j3 = ja3(h);
  return {
    sni: h.sni,
    alpn: h.alpn,
    versions: h.supportedVersions.filter((v) => !isGrease(v)),
    legacyVersion: h.legacyVersion,
    ja3: j3.md5,
    ja3String: j3.text,
    ja4: ja4(h, quic),
  };
}
