/**
 * Decoder counters (Suricata's `decoder.*` stats): packets seen per protocol/layer, unknown numbers,
 * fragment-table activity. Counted into a Float64Array by index so the hot path allocates nothing;
 * names are materialized only when someone asks (`toObject`).
 */
export const STAT_NAMES = [
  'pkts',
  'bytes',
  /** Packets that ended in a fatal anomaly (decode() returned false because of it). */
  'invalid',
  // link layer
  'ethernet',
  'llc',
  'vlan',
  'sll',
  'sll2',
  'null',
  'raw',
  'ppp',
  'pppoe',
  'pppoe_discovery',
  'chdlc',
  'nflog',
  'ppi',
  'pktap',
  'ipnet',
  'frame_relay',
  'mpls',
  'arp',
  // IP and transport
  'ipv4',
  'ipv6',
  'tcp',
  'udp',
  'icmpv4',
  'icmpv6',
  'sctp',
  'esp',
  // tunnels
  'gre',
  'erspan',
  'vxlan',
  'geneve',
  'teredo',
  'gtp',
  'ipip',
  // fragments
  'fragments',
  'frag_first',
  'frag_joined',
  'frag_evicted',
  // transport header cut short by the snap length or an enclosing fragment (ports kept)
  'l4_partial',
  // unknowns (not errors)
  'unknown_ethertype',
  'unknown_ip_protocol',
  'too_many_layers',
] as const;

export type StatName = (typeof STAT_NAMES)[number];

/** Index of each counter, e.g. `Stat.ipv4`. */
export const Stat: Readonly<Record<StatName, number>> = Object.freeze(
  Object.fromEntries(STAT_NAMES.map((n, i) => [n, i])) as Record<StatName, number>,
);

export class DecodeStats {
  readonly counts = new Float64Array(STAT_NAMES.length);

  /** Non-zero counters as { name: count }. */
  toObject(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < STAT_NAMES.length; i++) if (this.counts[i] > 0) out[STAT_NAMES[i]] = this.counts[i];
    return out;
  }
}
