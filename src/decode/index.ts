import { IpProto, type Packet } from './packet.js';
import { AnomalyId, type AnomalyCounters } from './anomalies.js';
import { Dispatcher, type LayerDecoder } from './dispatch.js';
import type { FragmentOptions, FragmentTracker } from './fragments.js';
import { Stat } from './stats.js';
import { EtherType, IpProtoExt, LinkType, UdpPort } from './numbers.js';
import { decodeEthernet } from './ethernet.js';
import { decodeVlan } from './vlan.js';
import { decodeSll } from './sll.js';
import { decodeSll2 } from './sll2.js';
import { decodeNullLoopback } from './null-loopback.js';
import { decodeRawIp, decodeRawIpv4, decodeRawIpv6 } from './raw-ip.js';
import { decodePpp, decodePppLink } from './ppp.js';
import { decodePppoeDiscovery, decodePppoeSession } from './pppoe.js';
import { decodeChdlc } from './chdlc.js';
import { decodeNflog } from './nflog.js';
import { decodeArp } from './arp.js';
import { decodeMpls } from './mpls.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeIpInIpv4, decodeIpInIpv6 } from './ipip.js';
import { decodeTcp } from './tcp.js';
import { decodeUdp } from './udp.js';
import { decodeIcmp } from './icmp.js';
import { decodeIcmpv6 } from './icmpv6.js';
import { decodeSctp } from './sctp.js';
import { decodeEsp } from './esp.js';
import { decodeGre } from './gre.js';
import { decodeErspanII, decodeErspanIII } from './erspan.js';
import { decodeVxlan, decodeVxlanGpe } from './vxlan.js';
import { decodeGeneve } from './geneve.js';
import { decodeTeredo } from './teredo.js';
import { decodeGtpU } from './gtp.js';
import { decodePpi } from './ppi.js';
import { decodePktap } from './pktap.js';
import { decodeIpnet } from './ipnet.js';
import { decodeFrameRelay } from './frame-relay.js';

export interface DecoderOptions {
  /** Most layers decoded per packet (default 16, Suricata's decoder.max-layers). */
  maxLayers?: number;
  /** Size and timeout of the IP fragment table. */
  fragments?: FragmentOptions;
}

/** Where the tables go: a Dispatcher, or a test that wraps each decoder (test/fuzz records every layer's bytes). */
export type DecoderRegistry = Pick<Dispatcher, 'registerLinkType' | 'registerEtherType' | 'registerIpProto' | 'registerUdpPort' | 'registerUdpHeuristic'>;

/** The protocol tables: which decoder handles which link type, ethertype, IP protocol and UDP port. */
export function registerDecoders(d: DecoderRegistry): void {
  const link: Array<[number, LayerDecoder]> = [
    [LinkType.ETHERNET, decodeEthernet],
    [LinkType.NULL, decodeNullLoopback],
    [LinkType.LOOP, decodeNullLoopback],
    [LinkType.RAW_DLT12, decodeRawIp],
    [LinkType.RAW_DLT14, decodeRawIp],
    [LinkType.RAW, decodeRawIp],
    [LinkType.IPV4, decodeRawIpv4],
    [LinkType.IPV6, decodeRawIpv6],
    [LinkType.LINUX_SLL, decodeSll],
    [LinkType.LINUX_SLL2, decodeSll2],
    [LinkType.PPP, decodePppLink],
    [LinkType.PPP_HDLC, decodePppLink],
    [LinkType.C_HDLC, decodeChdlc],
    [LinkType.NFLOG, decodeNflog],
    [LinkType.PPI, decodePpi],
    [LinkType.PKTAP, decodePktap],
    [LinkType.IPNET, decodeIpnet],
    [LinkType.FRELAY, decodeFrameRelay],
  ];
  for (const [n, fn] of link) d.registerLinkType(n, fn);

  const ether: Array<[number, LayerDecoder]> = [
    [EtherType.IPV4, decodeIpv4],
    [EtherType.IPV6, decodeIpv6],
    [EtherType.VLAN, decodeVlan],
    [EtherType.QINQ, decodeVlan],
    [EtherType.QINQ_9100, decodeVlan],
    [EtherType.QINQ_9200, decodeVlan],
    [EtherType.MPLS_UC, decodeMpls],
    [EtherType.MPLS_MC, decodeMpls],
    [EtherType.PPPOE_SESS, decodePppoeSession],
    [EtherType.PPPOE_DISC, decodePppoeDiscovery],
    [EtherType.PPP, decodePpp],
    [EtherType.TEB, decodeEthernet],
    [EtherType.ERSPAN_II, decodeErspanII],
    [EtherType.ERSPAN_III, decodeErspanIII],
    [EtherType.ARP, decodeArp],
    [EtherType.RARP, decodeArp],
  ];
  for (const [n, fn] of ether) d.registerEtherType(n, fn);

  const ip: Array<[number, LayerDecoder]> = [
    [IpProto.TCP, decodeTcp],
    [IpProto.UDP, decodeUdp],
    [IpProto.ICMP, decodeIcmp],
    [IpProto.ICMPV6, decodeIcmpv6],
    [IpProto.SCTP, decodeSctp],
    [IpProto.ESP, decodeEsp],
    [IpProto.GRE, decodeGre],
    [IpProto.IPIP, decodeIpInIpv4],
    [IpProto.IPV6, decodeIpInIpv6],
    [IpProtoExt.MPLS_IN_IP, decodeMpls],
  ];
  for (const [n, fn] of ip) d.registerIpProto(n, fn);

  d.registerUdpPort(UdpPort.VXLAN, decodeVxlan, true);
  d.registerUdpPort(UdpPort.VXLAN_GPE, decodeVxlanGpe);
  d.registerUdpPort(UdpPort.GENEVE, decodeGeneve);
  d.registerUdpPort(UdpPort.TEREDO, decodeTeredo, true);
  d.registerUdpPort(UdpPort.GTP_U, decodeGtpU, true);
  d.registerUdpHeuristic(decodeTeredo);
}

/**
 * Entry point of the decode stage: link layer -> (tunnels) -> IP -> transport. One instance per
 * pipeline; decode() allocates nothing. See dispatch.ts for how layers hand on and fragments.ts for
 * how IP fragments join their flow.
 */
export class PacketDecoder {
  private readonly d: Dispatcher;
  /** The last exception caught at this stage's boundary (a bug): kept so tests and the fuzzer can say where. */
  lastInternalError: unknown;

  constructor(
    readonly anomalies: AnomalyCounters,
    opts: DecoderOptions = {},
  ) {
    this.d = new Dispatcher(anomalies, opts);
    registerDecoders(this.d);
  }

  /** The IP fragment table (capacity, live entries), for metrics and tests. */
  get fragments(): FragmentTracker {
    return this.d.frags;
  }

  /** Packets decoded per protocol/layer, e.g. { ethernet: 10, ipv4: 10, tcp: 7 } (Suricata's decoder.* stats); non-zero counters only. */
  get stats(): Record<string, number> {
    return this.d.stats.toObject();
  }

  /**
   * Decode `p` (already `reset()` to a frame). Returns true when the packet carries an IP flow tuple
   * (ipVersion, src, dst, proto, sport, dport) that the flow table can use; false otherwise (non-IP,
   * malformed: an anomaly was counted, or a fragment whose first fragment was never seen).
   * With tunnels the tuple is the innermost IP layer that decoded.
   */
  decode(p: Packet): boolean {
    const d = this.d;
    const c = d.counts;
    c[Stat.pkts]++;
    c[Stat.bytes] += p.frame.caplen;
    let ok: boolean;
    try {
      d.begin(p);
      ok = d.link(p, p.frame.linktype, p.frame.off, p.end);
    } catch (err) {
      // A decoder bug must not take the pipeline down; it is counted and the packet skipped.
      d.note(AnomalyId['decoder.internal_error']);
      this.lastInternalError = err;
      ok = false;
    }
    if (!ok) {
      c[Stat.invalid]++;
      return false;
    }
    if (p.ipVersion === 0) return false;
    d.frags.commit(p);
    return true;
  }
}
