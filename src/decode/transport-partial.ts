import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

/**
 * A transport header shorter than its fixed part. When the packet's bytes are known to be cut short
 * (snap length, or the end of a first fragment: RFC 1858's tiny fragment), the two port fields, if
 * present, still name the flow, so keep them and no more; otherwise the header is truncated and the
 * packet is dropped with `truncated`.
 * `portBytes` is 4 for TCP/UDP/SCTP (two 16-bit ports) and 2 for ICMP (type, code as ports).
 */
export function partialTransport(
  d: Dispatcher,
  p: Packet,
  off: number,
  end: number,
  stat: number,
  truncated: number,
  portBytes = 4,
): boolean {
  if (!d.partial || end - off < portBytes) return d.fail(truncated);
  d.counts[stat]++;
  if (p.isFragment) d.note(AnomalyId['ip.tiny_first_fragment']);
  else d.counts[Stat.l4_partial]++;
  p.l4Off = off;
  if (portBytes === 4) {
    p.sport = u16(p.buf, off);
    p.dport = u16(p.buf, off + 2);
  } else {
    p.sport = p.buf[off];
    p.dport = p.buf[off + 1];
  }
  p.payOff = end;
  p.payLen = 0;
  return true;
}
