/**
 * Facts the app-layer parsers report about a flow. Detectors decide what they mean; nothing here knows
 * rules or ECS. Names are as seen on the wire (case kept); detectors normalise.
 */

import type { BitTorrentEvent } from './bittorrent/events.js';
import type { PayloadStats } from './opaque/payload-stats.js';
import type { QuicClientHelloEvent, TlsClientHelloEvent } from './tls/facts.js';

// ClientHelloFacts lives in tls/client-hello-facts.ts (a leaf), so tls/facts.ts can implement it
// without importing this file, which imports tls/facts.ts for its event classes.
export type { ClientHelloFacts } from './tls/client-hello-facts.js';

export type AppEvent =
  /** A DNS message's question names (queries and responses both carry them). */
  | { kind: 'dns-query'; names: string[]; qtypes: number[]; response: boolean; id: number; transport: 'udp' | 'tcp' }
  /**
   * The A/AAAA addresses a DNS response gave for its (first) question name, after any CNAME chain:
   * as text (`addrs`) and as words with each record's TTL (`records`); `ttl` is the smallest.
   */
  | DnsAnswerEvent
  | TlsClientHelloEvent
  | { kind: 'tls-server-hello'; version: number; cipher: number; alpn?: string }
  /** The server's leaf certificate names (TLS <= 1.2: sent in the clear). */
  | { kind: 'tls-certificate'; subjectCN?: string; issuerCN?: string; version: number }
  /**
   * Inspection of the flow's TLS handshake is over (certificate read, TLS 1.3 reached, stream ended or
   * given up): anything a detector was waiting for that has not come will not come.
   */
  | { kind: 'tls-done'; clientHello: boolean; serverHello: boolean; certificate: boolean }
  /** An HTTP/1.x request head; `userAgent` bounded (USER_AGENT_MAX) and marked when cut. */
  | { kind: 'http-request'; method: string; target: string; version: string; host?: string; connectHost?: string; targetHost?: string; userAgent?: string }
  | QuicClientHelloEvent
  /**
   * A TCP stream of no protocol we read: how random each direction's first payload looks (`first`,
   * by direction index, 0 = initiator) and the sizes of the first flights (bytes one side sent before
   * the other answered), starting with `firstDir`. `synSeen` bit i: direction i started at its SYN, so
   * its first payload is the connection's. `complete`: all OPAQUE_MAX_FLIGHTS flights were seen (else
   * the stream or the flow ended first). Reported once per flow.
   */
  | { kind: 'opaque-stream'; firstDir: number; flights: number[]; bytes: [number, number]; first: [PayloadStats | undefined, PayloadStats | undefined]; synSeen: number; complete: boolean }
  /**
   * A STUN message on a UDP flow (a WebRTC flow multiplexes STUN and DTLS, RFC 7983): its class
   * (0 request, 1 indication, 2 success, 3 error) and method (1 = Binding), whether it carries ICE's
   * connectivity-check attributes (USERNAME, PRIORITY, ICE-CONTROLLING...), the reflexive address a
   * server reported ("ip:port"), and SOFTWARE (at most 128 bytes, escaped, marked when cut). The first
   * message of each (direction, class, ice) kind on a flow is reported, at most a few per flow.
   */
  | { kind: 'stun-message'; dir: number; cls: number; method: number; ice: boolean; mapped?: string; software?: string }
  | DtlsClientHelloEvent
  /**
   * The DTLS ServerHello answering a flow's ClientHello: the negotiated version and cipher, the
   * extension types in wire order, and its JA4S-style fingerprint ('d' protocol letter). WebRTC's
   * answerer usually takes the DTLS client role, so on a Snowflake client's flow this is the client's
   * own (pion/dtls) message. `afterStun`/`iceChecks` as for the ClientHello.
   */
  | { kind: 'dtls-server-hello'; dir: number; version: number; cipher: number; extensions: number[]; ja4s: string; afterStun: boolean; iceChecks: boolean }
  /**
   * Not from a parser: the detect stage's host state says the flow's responder address was answered by
   * DNS earlier for this name (still live). Told to detectors when the flow starts.
   */
  | { kind: 'resolved-destination'; name: string; answer: DnsAnswerRef }
  /** BitTorrent: peer wire, uTP, DHT, trackers, LSD (bittorrent/events.ts). */
  | BitTorrentEvent;

/**
 * A DTLS ClientHello (WebRTC's media and data channels, or plain DTLS): what it offered, in wire order
 * (GREASE included; the JA4 leaves it out), with JA4's DTLS form (protocol letter 'd'). `afterStun`:
 * the same flow carried STUN before it; `iceChecks`: some of that STUN was ICE connectivity checks
 * (WebRTC's way of opening a peer-to-peer path). Plain data, one per flow.
 */
export interface DtlsClientHelloEvent {
  kind: 'dtls-client-hello';
  dir: number;
  /** legacy_version: 0xfefd DTLS 1.2, 0xfeff DTLS 1.0. */
  version: number;
  ciphers: number[];
  extensions: number[];
  groups: number[];
  /** supported_versions (DTLS 1.3 clients), GREASE removed. */
  versions: number[];
  sni?: string;
  alpn: string[];
  ja4: string;
  afterStun: boolean;
  iceChecks: boolean;
}

/** The answer behind a cached name: what the alert says named the address. */
export interface DnsAnswerRef {
  readonly name: string;
  /** The resolver that sent the answer (its address as text). */
  readonly resolver: string;
  /** When the answer was seen (packet time). */
  readonly tsSec: number;
  readonly tsNsec: number;
  /** Whether the query it answered was seen on its flow (false: asymmetric capture, or no query sent). */
  readonly querySeen: boolean;
}

/**
 * The A/AAAA addresses a DNS response gave for its (first) question name, after any CNAME chain, and
 * who it was for: the `client` that received it (the names it gives are only that host's names), the
 * `resolver` that sent it, and whether the query it answers was seen on the flow.
 */
export interface DnsAnswerEvent {
  kind: 'dns-answer';
  name: string;
  addrs: string[];
  records: DnsAddressRecord[];
  ttl: number;
  client: DnsAddressRecord;
  resolver: string;
  querySeen: boolean;
}

/** One A/AAAA record of a DNS answer: the address as four 32-bit words (IPv4 in words[3]). */
export interface DnsAddressRecord {
  version: 4 | 6;
  words: ArrayLike<number>;
  ttl: number;
}

export type AppEventKind = AppEvent['kind'];

/**
 * When an event happened: the packet that completed it (time and 1-based index in its input). Filled
 * in place and reused: copy the values to keep them. `packet` is 0 for events at flow end.
 */
export interface EventTime {
  tsSec: number;
  tsNsec: number;
  packet: number;
}
