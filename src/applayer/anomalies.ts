/**
 * Named anomalies of the app-layer parsers (Suricata's app-layer events, Zeek's weirds): malformed or
 * truncated DNS/TLS/HTTP/QUIC data becomes one of these counters, never an exception. Names are stable
 * strings (run summary, metrics); the full list is here so it is in one place. Decoder anomalies live
 * in src/decode/anomalies.ts; the run summary reports both under `anomalies`.
 */
export const APP_ANOMALIES = [
  // TCP stream reassembly
  /** A hole in the stream that later data never filled: inspection of that direction stopped. */
  'stream.gap',
  /** Too many (or too large) out-of-order segments waiting for a hole: inspection stopped. */
  'stream.reorder_overflow',
  /** The app-layer memory budget was exhausted: inspection of the flow stopped. */
  'stream.memcap',
  /** The flow held app-layer memory longest when the pool was full (or its host's share was): its inspection stopped to make room. */
  'stream.memcap_evicted',
  /** IP fragments of a datagram given up: overlapping pieces, past 64 KiB or 64 fragments, or memory refused. */
  'ip.reassembly_dropped',
  // DNS
  'dns.truncated',
  'dns.bad_label',
  /** A compression pointer outside the message. */
  'dns.bad_pointer',
  /** A compression pointer back to a place the same name already visited. */
  'dns.pointer_loop',
  'dns.too_many_pointers',
  'dns.too_many_labels',
  /** A name longer than 255 octets on the wire (RFC 1035 2.3.4). */
  'dns.name_too_long',
  'dns.bad_rdata',
  /** More records than the parser reads in one message (the rest is skipped). */
  'dns.too_many_records',
  /** A DNS-over-TCP length prefix of 0 or shorter than a DNS header. */
  'dns.tcp_bad_length',
  /** An answer on a flow whose queries were seen, matching none of them (id and name): not cached. */
  'dns.unsolicited_answer',
  // TLS
  /** Bytes where a TLS record header was expected that are not one (type, version or length). */
  'tls.bad_record',
  'tls.bad_handshake',
  /** A handshake message longer than the parser buffers (ClientHello/ServerHello), or a record layer that lies. */
  'tls.handshake_too_long',
  'tls.bad_client_hello',
  'tls.bad_server_hello',
  'tls.bad_certificate',
  // HTTP
  'http.bad_request_line',
  'http.header_too_long',
  'http.bad_header',
  // QUIC
  'quic.bad_header',
  'quic.decrypt_failed',
  'quic.bad_frame',
  /** CRYPTO data beyond the reassembly buffer, or too many holes in it. */
  'quic.crypto_overflow',
  'quic.bad_client_hello',
  // BitTorrent
  /** Bytes that are not strict bencode (BEP 3): bad lengths or integers, unsorted or repeated keys, trailing bytes. */
  'bittorrent.bad_bencode',
  /** Bencode nested deeper, or with more items, than the decoder reads. */
  'bittorrent.bencode_limit',
  /** A bencoded dictionary that is not a KRPC message (BEP 5): no `y`, or a query/response without its parts. */
  'bittorrent.bad_krpc',
  /** A peer-wire handshake whose protocol string is not BitTorrent's. */
  'bittorrent.bad_handshake',
  /** A peer-wire message with an unknown id or a length its id does not allow. */
  'bittorrent.bad_message',
  /** A uTP packet (BEP 29) with a bad version, type, extension chain or payload for its type. */
  'bittorrent.bad_utp',
  /** A UDP tracker message (BEP 15) with a bad length or action. */
  'bittorrent.bad_udp_tracker',
  /** A BT-SEARCH datagram (BEP 14) without a valid Port or Infohash. */
  'bittorrent.bad_lsd',
  /** A tracker's HTTP response that could not be read: status line, framing, compression or body. */
  'bittorrent.bad_tracker_response',
  // STUN, DTLS (WebRTC)
  /** A STUN message whose attributes run past its length. */
  'stun.malformed',
  /** A datagram that should start with a plaintext DTLS record does not. */
  'dtls.bad_record',
  /** A DTLS handshake fragment that lies about its lengths, or a ClientHello that cannot be put together. */
  'dtls.bad_handshake',
  'dtls.bad_client_hello',
  // generic
  /** An exception inside an app-layer parser (a bug): caught so it never escapes the stage. */
  'applayer.internal_error',
] as const;

export type AppAnomalyName = (typeof APP_ANOMALIES)[number];

export const AppAnomaly: Readonly<Record<AppAnomalyName, number>> = Object.freeze(
  Object.fromEntries(APP_ANOMALIES.map((n, i) => [n, i])) as Record<AppAnomalyName, number>,
);

/** What the app layer did (not anomalies): for the run summary. */
export const APP_STATS = [
  'flows_inspected',
  'tcp_sniff_tls',
  'tcp_sniff_http',
  'tcp_sniff_none',
  /** TCP streams recognised as a protocol of TCP_PROTOCOLS (BitTorrent, ...). */
  'tcp_sniff_other',
  /** TCP streams of no known protocol whose shape was measured (opaque/observer.ts). */
  'tcp_opaque_streams',
  'dns_messages',
  'dns_answers_cached',
  /** Answers cached without a query seen on their flow (asymmetric capture): bound to their receiver all the same. */
  'dns_answers_without_query',
  'tls_client_hellos',
  'tls_server_hellos',
  'tls_certificates',
  'http_requests',
  'quic_initials_decrypted',
  'quic_client_hellos',
  'stun_messages',
  'dtls_client_hellos',
  'stream_depth_reached',
  /** Fragments of protocols other than TCP and UDP (not reassembled). */
  'ip_fragments_skipped',
  /** IP datagrams put back together from fragments and read like any packet. */
  'ip_datagrams_reassembled',
  /** BitTorrent: peer-wire handshakes read (TCP, uTP, after MSE), DHT messages, uTP packets, tracker and LSD messages. */
  'bt_handshakes',
  'bt_dht_messages',
  'bt_utp_packets',
  'bt_tracker_messages',
  'bt_lsd_messages',
] as const;

export type AppStatName = (typeof APP_STATS)[number];

export const AppStat: Readonly<Record<AppStatName, number>> = Object.freeze(
  Object.fromEntries(APP_STATS.map((n, i) => [n, i])) as Record<AppStatName, number>,
);

/** Counters by index (no allocation when counting). */
export class AppCounters {
  readonly anomalies = new Float64Array(APP_ANOMALIES.length);
  readonly stats = new Float64Array(APP_STATS.length);

  anomaly(id: number): void {
    this.anomalies[id]++;
  }

  stat(id: number, n = 1): void {
    this.stats[id] += n;
  }

  anomaliesObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < APP_ANOMALIES.length; i++) if (this.anomalies[i] > 0) out[APP_ANOMALIES[i]] = this.anomalies[i];
    return out;
  }

  statsObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < APP_STATS.length; i++) if (this.stats[i] > 0) out[APP_STATS[i]] = this.stats[i];
    return out;
  }

  count(name: AppAnomalyName): number {
    return this.anomalies[AppAnomaly[name]];
  }
}
