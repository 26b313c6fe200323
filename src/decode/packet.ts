import { Frame } from '../capture/frame.js';

/** Encapsulations a packet went through on its way to the innermost IP layer (bit flags). */
export const Encap = {
  VLAN: 1 << 0,
  MPLS: 1 << 1,
  GRE: 1 << 2,
  ERSPAN: 1 << 3,
  VXLAN: 1 << 4,
  IP_IN_IP: 1 << 5,
  PPPOE: 1 << 6,
  GENEVE: 1 << 7,
  TEREDO: 1 << 8,
  /** GTP-U (UDP 2152): mobile-core user-plane tunnel. */
  GTP: 1 << 9,
} as const;

/** Most VLAN tags kept per packet (802.1Q/802.1ad stacks deeper than this still decode). */
export const MAX_VLAN_TAGS = 3;

/**
 * The decoded view of one frame: what decoders found, as plain numbers, for the flow table and the
 * detectors. Like Suricata's Packet it is allocated once and reset per frame, so decoding allocates
 * nothing. When a packet is tunnelled, the L3/L4 fields describe the innermost flow (alerts name it).
 *
 * Addresses are four 32-bit words, network order: IPv6 fills all four, IPv4 uses word 3 only and
 * leaves 0..2 zero; `ipVersion` tells them apart.
 */
export class Packet {
  frame: Frame = new Frame();
  /** Same as frame.buf; decoders read `buf[off, end)`. */
  buf: Buffer = Buffer.alloc(0);
  /** One past the last captured byte of the frame in `buf`. */
  end = 0;

  /** Decoding depth so far (every layer counts), capped to stop hostile encapsulation chains. */
  layers = 0;
  /** Encap bit flags, see Encap. */
  encap = 0;
  vlanCount = 0;
  readonly vlan = new Uint16Array(MAX_VLAN_TAGS);

  /** 0 until an IP layer decoded, then 4 or 6 (of the innermost IP header). */
  ipVersion: 0 | 4 | 6 = 0;
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  /** Offset of the innermost IP header. */
  l3Off = 0;
  /** IP protocol number of the innermost transport (after IPv6 extension headers). */
  proto = 0;
  ttl = 0;
  /** IP total length claimed by the innermost header (IPv4 total length / IPv6 40 + payload length). */
  ipLen = 0;

  /** True for any IP fragment (offset > 0 or more-fragments set). */
  isFragment = false;
  /** Fragment offset in bytes (0 for the first fragment). */
  fragOffset = 0;
  moreFragments = false;
  /** IPv4 identification or IPv6 fragment identification. */
  fragId = 0;

  /** Offset of the transport header (-1 when there is none, e.g. a non-first fragment). */
  l4Off = -1;
  /** Transport ports; for ICMP/ICMPv6 the type and code (Community ID convention). */
  sport = 0;
  dport = 0;
  /** TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ECE=64 CWR=128). */
  tcpFlags = 0;
  tcpSeq = 0;
  tcpAck = 0;
  tcpWin = 0;

  /** Transport payload: offset in `buf` and captured length. */
  payOff = 0;
  payLen = 0;

  /** Prepare for a new frame. Only fields that later stages test are cleared. */
  reset(frame: Frame): void {
    this.frame = frame;
    this.buf = frame.buf;
    this.end = frame.off + frame.caplen;
    this.layers = 0;
    this.encap = 0;
    this.vlanCount = 0;
    this.ipVersion = 0;
    this.l3Off = 0;
    this.clearIpLayer();
  }

  /**
   * Clear everything an IP header and its transport fill in. Called per frame, and again before each
   * IP header of a tunnelled packet: the innermost IP layer wins, and nothing of an outer transport
   * (ports, TCP flags, payload) may survive into an inner packet whose protocol has no ports.
   */
  clearIpLayer(): void {
    const s = this.src;
    const d = this.dst;
    s[0] = s[1] = s[2] = s[3] = 0;
    d[0] = d[1] = d[2] = d[3] = 0;
    this.proto = 0;
    this.ttl = 0;
    this.ipLen = 0;
    this.isFragment = false;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.fragId = 0;
    this.l4Off = -1;
    this.sport = 0;
    this.dport = 0;
    this.tcpFlags = 0;
    this.tcpSeq = 0;
    this.tcpAck = 0;
    this.tcpWin = 0;
    this.payOff = 0;
    this.payLen = 0;
  }
}

export const TcpFlag = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32, ECE: 64, CWR: 128 } as const;
export const IpProto = { ICMP: 1, IPIP: 4, TCP: 6, UDP: 17, IPV6: 41, GRE: 47, ESP: 50, ICMPV6: 58, SCTP: 132 } as const;
