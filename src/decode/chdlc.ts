import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const CHDLC_HLEN = 4;

/**
 * Cisco HDLC (LINKTYPE_C_HDLC, 104): address (0x0f unicast, 0x8f broadcast), control, and an
 * ethertype. SLARP (0x8035) keepalives are not IP and end up as an unknown ethertype.
 */
export function decodeChdlc(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < CHDLC_HLEN) return d.fail(AnomalyId['chdlc.truncated']);
  d.counts[Stat.chdlc]++;
  return d.etherType(p, u16(p.buf, off + 2), off + CHDLC_HLEN, end);
}
