/**
 * Per host, the phases of a Snowflake connection seen so far, each the latest of its kind with its
 * time (tor-snowflake decides when they fall within minutes of each other):
 *   rendezvous: a name of Snowflake's broker, its front domains or AMP cache in DNS, TLS SNI, HTTP
 *     Host or a connection to an address DNS gave for one;
 *   stun: a STUN Binding request to a server (an ICE server of Tor's list when its name is known);
 *   dtls: a WebRTC DTLS handshake (after ICE checks) whose hello is pion/dtls's, Snowflake's library.
 * Plain values only, a few per host: this crosses workers when the pipeline is sharded.
 */
export interface RendezvousPhase {
  ms: number;
  name: string;
  /** Where the name was seen: dns, tls, http, quic, resolved (a connection to an address DNS gave for it). */
  how: string;
  /** broker, front, amp-cache (bridges' NameEntry role). */
  role: string;
  /** The name is Snowflake's own (a broker URL host, snowflake-broker.*), not a front shared with the web. */
  distinctive: boolean;
  list: string;
}

export interface StunPhase {
  ms: number;
  /** The STUN server, "ip:port". */
  server: string;
  /** Its name when DNS gave the address earlier, and whether that name is on a Snowflake ICE list. */
  name?: string;
  iceList: boolean;
  /** The host's reflexive address the server reported, when its answer was seen. */
  mapped?: string;
}

export interface DtlsPhase {
  ms: number;
  /** The peer (a Snowflake proxy), "ip:port". */
  peer: string;
  /** The pion/dtls message this host sent: its ServerHello (the client's usual role) or its ClientHello. */
  hello: 'server' | 'client';
  flowId: number;
}

export class SnowflakePhases {
  rendezvous: RendezvousPhase | undefined;
  stun: StunPhase | undefined;
  dtls: DtlsPhase | undefined;
  /** When tor-snowflake last fired for this host (one alert per host per SNOWFLAKE_REALERT_MS). */
  alertedMs = -Infinity;
}
