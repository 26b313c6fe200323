import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u32, u32le } from '../util/bytes.js';
import { EtherType } from './numbers.js';

const NULL_HLEN = 4;
const AF_INET = 2;

/**
 * BSD loopback: LINKTYPE_NULL (0, family in the capturing host's byte order) and LINKTYPE_LOOP
 * (108, network order). Captures move between hosts, so both byte orders are accepted for both link
 * types: a family is a small number, whichever reading is < 256 is the right one.
 * AF_INET6 differs per OS: 24 (NetBSD/OpenBSD/BSD/OS), 28 (FreeBSD/DragonFly), 30 (macOS/iOS).
 */
export function decodeNullLoopback(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < NULL_HLEN) return d.fail(AnomalyId['null.truncated']);
  d.counts[Stat.null]++;
  let family = u32le(p.buf, off);
  if (family > 0xff) family = u32(p.buf, off);
  switch (family) {
    case AF_INET:
      return d.etherType(p, EtherType.IPV4, off + NULL_HLEN, end);
    case 24:
    case 28:
    case 30:
      return d.etherType(p, EtherType.IPV6, off + NULL_HLEN, end);
    default:
      // Other families (AppleTalk, IPX, OSI...) are not IP; an unknown value is worth a name.
      d.note(AnomalyId['null.unknown_family']);
      return true;
  }
}
