import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';

const IPNET_HLEN = 24;
const IPH_AF_INET = 2;
/** Solaris' AF_INET6. */
const IPH_AF_INET6 = 26;

/**
 * Solaris ipnet (LINKTYPE_IPNET, 226; snoop/tcpdump on Solaris 11 "ipnet" devices): version, address
 * family, htype, packet length, interface and zone ids, 24 bytes in all, then the IP packet.
 */
export function decodeIpnet(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < IPNET_HLEN) return d.fail(AnomalyId['ipnet.truncated']);
  d.counts[Stat.ipnet]++;
  const family = p.buf[off + 1];
  if (family === IPH_AF_INET) return d.etherType(p, EtherType.IPV4, off + IPNET_HLEN, end);
  if (family === IPH_AF_INET6) return d.etherType(p, EtherType.IPV6, off + IPNET_HLEN, end);
  return true;
}
