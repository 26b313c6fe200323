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
