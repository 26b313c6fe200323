import type { DnsAnswerRef } from '../applayer/events.js';
import type { Flow } from '../flow/flow.js';
import type { RuleDef, Severity } from './catalog.js';

/**
 * What a detector found: facts in torwatch's own terms. Only the alert builder (src/alert/) turns this
 * into ECS. Detectors never build ECS fields.
 */
export interface Detection {
  rule: RuleDef;
  flow: Flow;
  /** Time of the packet that made the flow match. */
  tsSec: number;
  tsNsec: number;
  /** 1-based number of that packet in its input, and the input's name (set by the engine), for analysts. */
  packet: number;
  input: string;
  /** One sentence for `message`. */
  message: string;
  /** Overrides of the rule's default severity (e.g. tor-exit risk levels). */
  severity?: Severity;
  /** Confidence of the match (ECS-style words): e.g. High on IP+ORPort, Medium on IP only. */
  confidence?: 'low' | 'medium' | 'high';
  /** Extra labels (ECS `labels`, keyword values). */
  labels?: Record<string, string>;
  /** Indicators that matched (relay list, threat intel) -> threat.enrichments. */
  indicators?: IndicatorMatch[];
  /** A hostname behind the detection and where it was seen. */
  hostname?: HostnameFact;
  /** Destination name learned from an earlier DNS answer in the capture. */
  destinationDomain?: string;
  /** The DNS answer that gave destinationDomain (to the flow's initiator): torwatch.dns_answer.*. */
  resolvedBy?: DnsAnswerRef;
  /** TLS facts (JA3/JA4, versions, certificate names), filled by the TLS parser. */
  tls?: TlsFacts;
  /** The HTTP request behind the detection. */
  http?: HttpFacts;
  /** BitTorrent facts (peer wire, DHT, tracker, LSD). */
  bittorrent?: BitTorrentFacts;
  /** A Tor bridge or pluggable transport: which one, from which list, and the evidence (torwatch.transport.*). */
  transport?: TransportFacts;
  /** A DTLS ClientHello behind the detection (WebRTC, Snowflake): torwatch.dtls.* */
  dtls?: DtlsFacts;
}

/** What a detector hands to `ctx.fire`: the engine adds the name of the input being read. */
export type Finding = Omit<Detection, 'input'>;

export interface HttpFacts {
  method: string;
  /** The request target as sent (origin, absolute or authority form). */
  target: string;
  /** Its path and query, the Host it named, the User-Agent. */
  path?: string;
  query?: string;
  domain?: string;
  userAgent?: string;
}

/** A BitTorrent client program, as named on the wire (see rules/torrent-clients.ts). */
export interface ClientFact {
  name: string;
  version?: string;
  /** Where the name came from. */
  source: 'peer_id' | 'extension' | 'dht_version' | 'user_agent';
  /** Seed 003's words found in the name (torrent, vuze, azureus), if any. */
  seedWords?: string[];
}

/** One end of a BitTorrent peer connection: what its handshake said. */
export interface BtEndpointFacts {
  peerId?: string;
  client?: ClientFact;
  /** Reserved bits set: ltep (BEP 10), dht, fast (BEP 6), v2 (BEP 52). */
  extensions?: string[];
  /** The extension handshake's listen port (`p`). */
  listenPort?: number;
}

/** What tied an encrypted or mid-stream connection to BitTorrent. */
export interface BtEvidenceFact {
  /** dht / tracker / pex (the peer was given to the host), lsd / announce / peer (the endpoint is a listen port), host (the host did BitTorrent). */
  via: string;
  /** The informant's address. */
  from?: string;
  /** When it was learned (ISO 8601). */
  at: string;
}

export interface BitTorrentFacts {
  transport: 'tcp' | 'utp' | 'udp' | 'http';
  infoHashes?: string[];
  /** The client this alert names: the home side's when both are known. */
  client?: ClientFact;
  /** Peer connections: each end's handshake. */
  source?: BtEndpointFacts;
  destination?: BtEndpointFacts;
  /** 'handshake', 'mse-plaintext', 'utp', 'association' (encrypted, tied by evidence), 'midstream'. */
  via?: string;
  encrypted?: boolean;
  evidence?: BtEvidenceFact[];
  utp?: { connections: number; packets: number };
  dht?: { type: 'query' | 'response' | 'error'; query?: string; transactionId?: string; nodeId?: string; version?: string; target?: string; port?: number; peers?: number; nodes?: number; errorCode?: number; errorMessage?: string };
  tracker?: { action: string; event?: string; port?: number; numwant?: number; peerId?: string };
  lsd?: { port: number; cookie?: string };
}

export interface HostnameFact {
  name: string;
  /**
   * Where the name was seen: a DNS question, TLS or QUIC SNI, an HTTP Host/target, or 'resolved': the
   * flow's destination address was answered by DNS for this name earlier (the name is destination.domain).
   */
  source: 'dns' | 'tls' | 'http' | 'quic' | 'resolved';
  /** What about the name matched (e.g. '.onion', 'tor2web:onion.to', 'torrent'). */
  match?: string;
}

export interface TlsFacts {
  /** Negotiated version, ECS style ("1.2"), when the ServerHello was seen. */
  version?: string;
  sni?: string;
  /** ALPN protocols the client offered. */
  alpn?: string[];
  /** supported_versions the client offered, ECS style ("1.3", "1.2"). */
  offeredVersions?: string[];
  ja3?: string;
  ja3String?: string;
  ja4?: string;
  certSubject?: string;
  certIssuer?: string;
}

/**
 * What an indicator matched, in the detection's own words: the flow's initiator or responder address,
 * or a name it carries (a DNS question, a TLS/QUIC SNI, an HTTP Host, the responder's name from an
 * earlier DNS answer). Detectors know these; only the alert builder knows the ECS field each becomes.
 */
export type MatchedOn = 'initiator-address' | 'responder-address' | 'dns-question' | 'sni' | 'http-host' | 'resolved-name';

/** One matched indicator, e.g. a relay-list entry or a threat-intel record. */
export interface IndicatorMatch {
  /** STIX-ish type: ipv4-addr, ipv6-addr, domain-name. */
  type: 'ipv4-addr' | 'ipv6-addr' | 'domain-name';
  /** The atomic value that matched (address or domain). */
  value: string;
  /** What of the detection it matched; the alert builder names the field (threat.enrichments.matched.field). */
  on: MatchedOn;
  port?: number;
  provider?: string;
  description?: string;
  confidence?: number;
  firstSeen?: string;
  lastSeen?: string;
  /** ECS threat.indicator.marking.tlp */
  tlp?: string;
  /** Display name (a relay's nickname, an indicator's name). */
  name?: string;
  /** A page about the indicator (Tor Metrics relay page). */
  reference?: string;
  /** When the list or record behind the indicator was last updated (ISO 8601). */
  modifiedAt?: string;
  /** Free-form facts about the indicator (roles, nickname, fingerprint, list age): torwatch.* */
  details?: Record<string, string | number | boolean | string[]>;
}

/**
 * What a bridge or pluggable-transport rule found (tor-bridge, tor-obfs4, tor-snowflake, tor-meek). ECS
 * has no fields for these; the alert builder puts them under torwatch.transport.
 */
export interface TransportFacts {
  /** The transport: obfs4, meek_lite, snowflake, webtunnel, vanilla (a plain bridge), ... */
  name: string;
  /** The list that named the bridge or the name: 'builtin' (Tor Browser's) or a --bridges file. */
  list?: string;
  /** Built-in entries: in Tor Browser's newest list ('current') or only in older ones ('past'). */
  listStatus?: 'current' | 'past';
  /** When the list was compiled (built-in) or last modified (a file), ISO 8601. */
  listDate?: string;
  /** The bridge's identity fingerprint, when the list gives it. */
  fingerprint?: string;
  /** What was seen, in the order it was seen (one short phrase each; no absolute times: see `times`). */
  evidence?: string[];
  /** When each piece of evidence was seen (ISO 8601), by name: packet times, kept apart from the facts. */
  times?: Record<string, string>;
  /** Figures behind the decision (flows, seconds, sizes), by name. */
  details?: Record<string, string | number | boolean | string[] | number[]>;
}

/** A DTLS ClientHello (RFC 6347 / 9147) as a fingerprint: JA4 with protocol 'd', and the lists it hashes. */
export interface DtlsFacts {
  /** JA4 of the ClientHello (protocol letter 'd'), when it was seen. */
  ja4?: string;
  /** JA4S-style fingerprint of the ServerHello, when it was seen. */
  ja4s?: string;
  /** DTLS version offered (legacy_version), as text: "1.2", "1.0". */
  version?: string;
  /** The ClientHello's cipher suites and supported groups in wire order, as 4-digit hex. */
  ciphers?: string[];
  groups?: string[];
  /** The ServerHello's chosen cipher and extension types in wire order. */
  serverCipher?: string;
  serverExtensions?: number[];
  /** The implementation the hello matches, when known ('pion' for Go's pion/dtls). */
  implementation?: string;
}
