/** Protocol numbers the decoders and their registration share (one place, no magic numbers). */

/** LINKTYPE_* values (https://www.tcpdump.org/linktypes.html); DLT_RAW is 12 or 14 depending on the OS. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  PPP_HDLC: 50,
  RAW: 101,
  C_HDLC: 104,
  FRELAY: 107,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  PPI: 192,
  IPNET: 226,
  NFLOG: 239,
  PKTAP: 258,
  LINUX_SLL2: 276,
} as const;

export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** Transparent Ethernet Bridging: the payload is an Ethernet frame (GRE, Geneve, MPLS pseudowire). */
  TEB: 0x6558,
  ERSPAN_III: 0x22eb,
  RARP: 0x8035,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  /** PPP (GRE v1/PPTP payload; PPPoE hands its payload on under this number too). */
  PPP: 0x880b,
  MPLS_UC: 0x8847,
  MPLS_MC: 0x8848,
  PPPOE_DISC: 0x8863,
  PPPOE_SESS: 0x8864,
  QINQ: 0x88a8,
  ERSPAN_II: 0x88be,
  QINQ_9100: 0x9100,
  QINQ_9200: 0x9200,
} as const;

export const UdpPort = {
  TEREDO: 3544,
  VXLAN: 4789,
  VXLAN_GPE: 4790,
  GENEVE: 6081,
  GTP_U: 2152,
} as const;

/** IP protocol numbers beyond packet.ts's IpProto that only the decoder needs. */
export const IpProtoExt = {
  HOPOPTS: 0,
  ROUTING: 43,
  FRAGMENT: 44,
  AH: 51,
  NONE: 59,
  DSTOPTS: 60,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
  MPLS_IN_IP: 137,
} as const;
