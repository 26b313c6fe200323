import type { ClientHelloFacts } from '../../applayer/events.js';
import { tlsVersionText } from '../../applayer/tls/grease.js';
import type { TlsFacts } from '../detection.js';

/** A ClientHello's facts in the detection's terms (the alert builder maps them to ECS). */
export function tlsFactsOf(h: ClientHelloFacts): TlsFacts {
  const offered = h.versions.map(tlsVersionText).filter((v): v is string => v !== undefined);
  return {
    sni: h.sni,
    alpn: h.alpn.length ? h.alpn : undefined,
    offeredVersions: offered.length ? offered : undefined,
    ja3: h.ja3,
    ja3String: h.ja3String,
    ja4: h.ja4,
  };
}
