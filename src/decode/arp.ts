import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { Stat } from './stats.js';

/** ARP / RARP: not IP, nothing to decode for flows; counted so they are not "unknown ethertypes". */
export function decodeArp(d: Dispatcher, _p: Packet, _off: number, _end: number): boolean {
  d.counts[Stat.arp]++;
  return true;
}
