import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType, UdpPort } from './numbers.js';

const VXLAN_HLEN = 8;
const FLAG_I = 0x08;

/**
 * VXLAN (RFC 7348, UDP port 4789): flags (I = VNI valid), reserved, 24-bit VNI, reserved, then an
 * Ethernet frame. The port is only a guess, so a header that is too short or lacks the I flag is
 * noted and the packet stays the plain UDP flow it is. Some encapsulators (and Wireshark) use 4789 as
 * the source port with another destination port; then the reserved bytes must be zero as well,
 * because a random ephemeral source port 4789 is not rare.
 */
export function decodeVxlan(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < VXLAN_HLEN) {
    d.note(AnomalyId['vxlan.truncated']);
    return true;
  }
  if ((p.buf[off] & FLAG_I) === 0) {
    d.note(AnomalyId['vxlan.bad_flags']);
    return true;
  }
  const b = p.buf;
  if (p.dport !== UdpPort.VXLAN && (b[off + 1] | b[off + 2] | b[off + 3] | b[off + 7]) !== 0) return true;
  d.counts[Stat.vxlan]++;
  p.encap |= Encap.VXLAN;
  return d.etherType(p, EtherType.TEB, off + VXLAN_HLEN, end);
}

const GPE_FLAG_P = 0x04;
const GPE_IPV4 = 1;
const GPE_IPV6 = 2;
const GPE_ETHERNET = 3;

/**
 * VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe, UDP destination port 4790): the VXLAN header with version 0,
 * a P flag and a next-protocol byte (1 IPv4, 2 IPv6, 3 Ethernet; 4 NSH and others are not followed).
 * Without P the payload is Ethernet, as in VXLAN.
 */
export function decodeVxlanGpe(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < VXLAN_HLEN) {
    d.note(AnomalyId['vxlan.truncated']);
    return true;
  }
  const b = p.buf;
  const flags = b[off];
  if ((flags & FLAG_I) === 0 || (flags & 0xf0) !== 0) {
    d.note(AnomalyId['vxlan.bad_flags']);
    return true;
  }
  let type: number = EtherType.TEB;
  if (flags & GPE_FLAG_P) {
    const next = b[off + 3];
    if (next === GPE_IPV4) type = EtherType.IPV4;
    else if (next === GPE_IPV6) type = EtherType.IPV6;
    else if (next !== GPE_ETHERNET) return true;
  }
  d.counts[Stat.vxlan]++;
  p.encap |= Encap.VXLAN;
  return d.etherType(p, type, off + VXLAN_HLEN, end);
}
