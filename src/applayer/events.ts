/**
 * Facts the app-layer parsers report about a flow. Detectors decide what they mean; nothing here knows
 * rules or ECS. Names are as seen on the wire (case kept); detectors normalise.
 */

import type { QuicClientHelloEvent, TlsClientHelloEvent } from './tls/facts.js';

/** TLS ClientHello facts shared by TLS over TCP and QUIC (fingerprints computed when first read). */
export interface ClientHelloFacts {
  /** server_name host_name, if sent. */
  readonly sni?: string;
  /** ALPN protocols offered, in order. */
  readonly alpn: string[];
  /** supported_versions offered (GREASE removed), as numbers (0x0304 = TLS 1.3). */
  readonly versions: number[];
  /** ClientHello legacy_version. */
  readonly legacyVersion: number;
  /** supported_groups offered (GREASE included), in order. */
  readonly groups: number[];
  readonly ja3: string;
  readonly ja3String: string;
  readonly ja4: string;
}

export type AppEvent =
  /** A DNS message's question names (queries and responses both carry them). */
  | { kind: 'dns-query'; names: string[]; qtypes: number[]; response: boolean; id: number; transport: 'udp' | 'tcp' }
  /** The A/AAAA addresses a DNS response gave for its (first) question name, after any CNAME chain; ttl is the smallest. */
  | { kind: 'dns-answer'; name: string; addrs: string[]; ttl: number }
  | TlsClientHelloEvent
  | { kind: 'tls-server-hello'; version: number; cipher: number; alpn?: string }
  /** The server's leaf certificate names (TLS <= 1.2: sent in the clear). */
  | { kind: 'tls-certificate'; subjectCN?: string; issuerCN?: string; version: number }
  /**
   * Inspection of the flow's TLS handshake is over (certificate read, TLS 1.3 reached, stream ended or
   * given up): anything a detector was waiting for that has not come will not come.
   */
  | { kind: 'tls-done'; clientHello: boolean; serverHello: boolean; certificate: boolean }
  | { kind: 'http-request'; method: string; target: string; version: string; host?: string; connectHost?: string; targetHost?: string }
  | QuicClientHelloEvent
  /** The flow's responder address was answered by DNS earlier for this name (still live in the cache). */
  | { kind: 'resolved-destination'; name: string };

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
