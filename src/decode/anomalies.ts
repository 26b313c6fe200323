/**
 * Named decoder anomalies (Zeek's "weird", Suricata's decoder events). A malformed or truncated header
 * never throws: the decoder records one of these and, for a header it cannot trust, stops decoding the
 * packet. A few are notes on a packet that still decodes (vlan.too_many_tags, ip.tiny_first_fragment,
 * *.frag_overlap_header, null.unknown_family, and short VXLAN/Geneve/Teredo/GTP headers behind a port
 * that was only a guess). Unknown protocol numbers are not anomalies: they count in decoder stats.
 *
 * Names are stable strings (they appear in the run summary and in metrics); add new ones here so the
 * full list is in one place.
 */
export const ANOMALIES = [
  // link layer
  'link.unsupported_linktype',
  'ethernet.truncated',
  'vlan.truncated',
  'vlan.too_many_tags',
  'sll.truncated',
  'sll2.truncated',
  'null.truncated',
  'null.unknown_family',
  'ppp.truncated',
  'pppoe.truncated',
  'pppoe.bad_header',
  'mpls.truncated',
  'mpls.too_many_labels',
  'mpls.unknown_payload',
  'chdlc.truncated',
  'raw.bad_version',
  'nflog.truncated',
  'nflog.bad_tlv_length',
  'ppi.truncated',
  'pktap.truncated',
  'ipnet.truncated',
  'frame_relay.truncated',
  // IP
  'ipv4.truncated',
  'ipv4.bad_version',
  'ipv4.bad_header_length',
  'ipv4.bad_total_length',
  'ipv4.frag_without_first',
  'ipv4.frag_overlap_header',
  'ipv6.truncated',
  'ipv6.bad_version',
  'ipv6.bad_payload_length',
  'ipv6.ext_header_truncated',
  'ipv6.too_many_ext_headers',
  'ipv6.frag_without_first',
  'ipv6.frag_overlap_header',
  /** A first fragment too short to hold the whole transport header (RFC 1858 tiny fragment); ports still used. */
  'ip.tiny_first_fragment',
  // transport
  'tcp.truncated',
  'tcp.bad_header_length',
  'udp.truncated',
  'udp.bad_length',
  'icmp.truncated',
  'icmpv6.truncated',
  'sctp.truncated',
  // tunnels
  'gre.truncated',
  'gre.bad_version',
  'gre.bad_flags',
  'erspan.truncated',
  'erspan.bad_version',
  'vxlan.truncated',
  'vxlan.bad_flags',
  'geneve.truncated',
  'geneve.bad_version',
  'teredo.truncated',
  'gtp.truncated',
  'gtp.too_many_ext_headers',
  // generic
  'decoder.too_many_layers',
  /** An exception inside a decoder (a bug): caught so it never escapes the stage. */
  'decoder.internal_error',
] as const;

export type AnomalyName = (typeof ANOMALIES)[number];

/** Index of an anomaly name; counters are an array indexed by this, so counting allocates nothing. */
export const AnomalyId: Readonly<Record<AnomalyName, number>> = Object.freeze(
  Object.fromEntries(ANOMALIES.map((n, i) => [n, i])) as Record<AnomalyName, number>,
);

/** Per-run anomaly counters. */
export class AnomalyCounters {
  readonly counts = new Float64Array(ANOMALIES.length);

  add(id: number): void {
    this.counts[id]++;
  }

  /** Non-zero counters as { name: count }, for the run summary and metrics. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < ANOMALIES.length; i++) if (this.counts[i] > 0) out[ANOMALIES[i]] = this.counts[i];
    return out;
  }
}
