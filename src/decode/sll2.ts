import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const SLL2_HLEN = 20;
const ARPHRD_NETLINK = 824;

/**
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276; what `tcpdump -i any` writes since libpcap
 * 1.10): protocol first, reserved, interface index, ARPHRD type, packet type, address length,
 * 8 address bytes.
 */
export function decodeSll2(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < SLL2_HLEN) return d.fail(AnomalyId['sll2.truncated']);
  d.counts[Stat.sll2]++;
  const proto = u16(p.buf, off);
  const hatype = u16(p.buf, off + 8);
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) return true;
  return d.etherType(p, proto, off + SLL2_HLEN, end);
}
