import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const SLL_HLEN = 16;
const ARPHRD_NETLINK = 824;

/**
 * Linux "cooked" capture v1 (LINKTYPE_LINUX_SLL, 113): packet type, ARPHRD type, address length,
 * 8 address bytes, protocol. The protocol is an ethertype except for netlink captures and the
 * small Linux ETH_P_* pseudo values (< 0x0600: 802.3/802.2 frames), which are not IP.
 */
export function decodeSll(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < SLL_HLEN) return d.fail(AnomalyId['sll.truncated']);
  d.counts[Stat.sll]++;
  const hatype = u16(p.buf, off + 2);
  const proto = u16(p.buf, off + 14);
  if (hatype === ARPHRD_NETLINK || proto < 0x0600) return true;
  return d.etherType(p, proto, off + SLL_HLEN, end);
}
