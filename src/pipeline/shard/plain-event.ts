import type { AppEvent } from '../../applayer/events.js';
import type { ClientHello } from '../../applayer/tls/client-hello.js';
import { QuicClientHelloEvent, TlsClientHelloEvent } from '../../applayer/tls/facts.js';

/**
 * An app-layer fact as plain data that can cross to the merge point: parsers hand out objects that
 * point into buffers they reuse (DNS answer words) or classes that compute fingerprints on demand
 * (ClientHello events: their toJSON() gives every field a detector reads). Copied when recorded, so a
 * later packet cannot change it, and without typed-array views (a structured clone of a view copies
 * the whole buffer behind it).
 */
export function plainEvent(ev: AppEvent): unknown {
  // A ClientHello goes as the parsed hello, and becomes the same event class again at the merge point
  // (reviveEvent): its fingerprints (an MD5 and two SHA-256) are then computed only for the hellos a
  // rule asks about, as in one pipeline, not for every hello in every worker.
  if (ev instanceof TlsClientHelloEvent) return { kind: ev.kind, hello: plain(ev.parsed, 0) };
  if (ev instanceof QuicClientHelloEvent) return { kind: ev.kind, quicVersion: ev.quicVersion, hello: plain(ev.parsed, 0) };
  return plain(ev, 0);
}

/** The event a worker sent (plainEvent), as the detect engine expects it. */
export function reviveEvent(o: unknown): AppEvent {
  const e = o as { kind: string; hello?: ClientHello; quicVersion?: number };
  if (e.hello !== undefined) {
    if (e.kind === 'tls-client-hello') return new TlsClientHelloEvent(e.hello);
    if (e.kind === 'quic-client-hello') return new QuicClientHelloEvent(e.hello, e.quicVersion ?? 0);
  }
  return o as AppEvent;
}

/** Facts are shallow (a hello's lists, a DNS answer's records); the bound only keeps a bug from recursing. */
const MAX_DEPTH = 8;

function plain(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (depth > MAX_DEPTH) return undefined;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return v.map((x) => plain(x, depth + 1));
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plain(x, depth + 1)]));
  if (v instanceof Set) return new Set([...v].map((x) => plain(x, depth + 1)));
  const withJson = v as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return plain(withJson.toJSON(), depth + 1);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x, depth + 1);
  return out;
}
