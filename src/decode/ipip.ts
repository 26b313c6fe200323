import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';

/**
 * IP-in-IP (IP protocol 4: IPv4 inside, RFC 2003; 41: IPv6 inside, 6in4/6in6): no header of its
 * own; marks the tunnel and hands the inner datagram to the IP decoder, whose tuple then replaces
 * the outer one.
 */
export function decodeIpInIpv4(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  d.counts[Stat.ipip]++;
  p.encap |= Encap.IP_IN_IP;
  return d.etherType(p, EtherType.IPV4, off, end);
}

export function decodeIpInIpv6(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  d.counts[Stat.ipip]++;
  p.encap |= Encap.IP_IN_IP;
  return d.etherType(p, EtherType.IPV6, off, end);
}
