/**
 * Facts the BitTorrent parsers report (part of the AppEvent union in ../events.ts). Plain data only:
 * numbers, strings, booleans, arrays and plain objects, so they can cross worker threads. Hashes and
 * ids are lowercase hex; anything a peer chose (client names, peer ids, error messages) is bounded and
 * printable (text.ts) before it gets here.
 */

/** A peer or node contact from a compact list (BEP 3/5/23/32): the address as four 32-bit words (IPv4 in words[3]). */
export interface BtPeerAddress {
  version: 4 | 6;
  words: number[];
  port: number;
}

/** When something happened: the packet time and its 1-based index in its input (copied, not the reused EventTime). */
export interface BtStamp {
  tsSec: number;
  tsNsec: number;
  packet: number;
}

/** One side's BEP 3 handshake, and its BEP 10 extension handshake when one followed. */
export interface BtPeerSide {
  /** 40 hex digits. */
  infoHash: string;
  /** The 20-byte peer id as text (printable bytes kept, others %XX), absent when the stream ended first. */
  peerId?: string;
  /** The 8 reserved bytes, 16 hex digits. */
  reserved: string;
  /** Reserved bits: extension protocol (BEP 10), DHT (BEP 5), fast extension (BEP 6), v2 upgrade (BEP 52). */
  ltep: boolean;
  dht: boolean;
  fast: boolean;
  v2: boolean;
  /** Where in its direction's byte stream the handshake began (0, or after an MSE key exchange). */
  offset: number;
  /** BEP 10 handshake: `v` (client name and version), `p` (listen port), extension names in `m`. */
  extClient?: string;
  extPort?: number;
  extNames?: string[];
  /** Messages read after the handshake (capped). */
  messages: number;
}

/** A DHT KRPC message (BEP 5, with BEP 32 IPv6 and BEP 51 sample_infohashes). */
export interface BtDhtEvent {
  kind: 'bt-dht';
  /** Direction index that sent it (0 = the flow's initiator). */
  dir: number;
  /** 'q' query, 'r' response, 'e' error. */
  y: 'q' | 'r' | 'e';
  /** The query method (queries), as sent (bounded, printable). */
  q?: string;
  /** Transaction id, hex (absent: the message had none, a protocol error). */
  t?: string;
  /** `v`: the sender's client version, hex of the raw bytes and the two-letter code when printable. */
  v?: string;
  vCode?: string;
  /** The sender's node id (hex). */
  id?: string;
  infoHash?: string;
  target?: string;
  /** announce_peer: the port and implied_port. */
  port?: number;
  impliedPort?: boolean;
  /** Peers (get_peers `values`), capped. */
  values: BtPeerAddress[];
  /** How many nodes the answer gave (compact `nodes` and `nodes6`; DHT nodes, not peers: counted only). */
  nodes: number;
  /** sample_infohashes: how many hashes, `num` and `interval`. */
  samples?: number;
  errorCode?: number;
  errorMessage?: string;
}

/** A tracker request (HTTP announce/scrape with info_hash, or the UDP tracker protocol, BEP 15). */
export interface BtTrackerEvent {
  kind: 'bt-tracker';
  transport: 'http' | 'udp';
  /** Direction index of the client. */
  dir: number;
  action: 'announce' | 'scrape' | 'connect';
  infoHashes: string[];
  peerId?: string;
  /** The client's listen port as announced. */
  port?: number;
  /** started, completed, stopped, or empty/none. */
  event?: string;
  numwant?: number;
  compact?: boolean;
  /** HTTP: the request target (bounded), its path, the Host and the User-Agent. */
  target?: string;
  path?: string;
  host?: string;
  userAgent?: string;
  /** When the request was seen (the connect request's time for a connect-only UDP session). */
  at: BtStamp;
}

/** What a tracker answered: the interval, swarm counts and the peers it gave (capped). */
export interface BtTrackerResponseEvent {
  kind: 'bt-tracker-response';
  transport: 'http' | 'udp';
  /** Direction index of the tracker. */
  dir: number;
  action: 'announce' | 'scrape' | 'error';
  interval?: number;
  seeders?: number;
  leechers?: number;
  peers: BtPeerAddress[];
  /** Peers in the response before the cap. */
  peerCount: number;
  failure?: string;
}

/** A Local Service Discovery announcement (BEP 14). */
export interface BtLsdEvent {
  kind: 'bt-lsd';
  dir: number;
  host: string;
  port: number;
  infoHashes: string[];
  cookie?: string;
}

/**
 * A BitTorrent peer connection: the handshakes of either side (over TCP, inside uTP, or in the clear
 * after an MSE key exchange that chose plaintext), or a uTP connection proven over several packets.
 * Reported once per flow, when both sides' handshakes (and extension handshakes) are known, or when
 * the flow ends; `at` is when the first handshake (or the first uTP packet) was seen.
 */
export interface BtPeerWireEvent {
  kind: 'bt-peer-wire';
  transport: 'tcp' | 'utp';
  /** 'handshake': a handshake at the start of the stream; 'mse-plaintext': after an MSE exchange; 'utp': uTP alone. */
  via: 'handshake' | 'mse-plaintext' | 'utp';
  sides: [BtPeerSide | null, BtPeerSide | null];
  /** uTP: connections and packets that proved it. */
  utpConnections?: number;
  utpPackets?: number;
  at: BtStamp;
}

/** Peers a peer gave over PEX (BEP 11), capped. */
export interface BtPexEvent {
  kind: 'bt-pex';
  dir: number;
  peers: BtPeerAddress[];
}

/**
 * A TCP direction that began mid-stream (no SYN seen) and reads as peer-wire messages: a chain of
 * length-prefixed messages with valid ids and lengths for their ids.
 */
export interface BtPeerMessagesEvent {
  kind: 'bt-peer-messages';
  dir: number;
  /** Messages in the chain, and the distinct ids among them (sorted). */
  messages: number;
  ids: number[];
}

export type BitTorrentEvent =
  | BtDhtEvent
  | BtTrackerEvent
  | BtTrackerResponseEvent
  | BtLsdEvent
  | BtPeerWireEvent
  | BtPexEvent
  | BtPeerMessagesEvent;
