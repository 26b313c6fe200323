import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { EtherType } from './numbers.js';

const PPPOE_HLEN = 6;

/**
 * PPPoE session stage (ethertype 0x8864, RFC 2516): version/type 0x11, code 0, session id, length;
 * the payload is a PPP frame (protocol field without address/control) that is handed on under the
 * PPP ethertype. The length field bounds the payload (Ethernet padding follows short frames).
 */
export function decodePppoeSession(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < PPPOE_HLEN) return d.fail(AnomalyId['pppoe.truncated']);
  const b = p.buf;
  if (b[off] !== 0x11 || b[off + 1] !== 0x00) return d.fail(AnomalyId['pppoe.bad_header']);
  d.counts[Stat.pppoe]++;
  p.encap |= Encap.PPPOE;
  const len = u16(b, off + 4);
  const payEnd = off + PPPOE_HLEN + len;
  if (payEnd > end) {
    if (!d.partial) return d.fail(AnomalyId['pppoe.truncated']);
  } else end = payEnd;
  return d.etherType(p, EtherType.PPP, off + PPPOE_HLEN, end);
}

/** PPPoE discovery (0x8863): session set-up, never IP; counted so it is not an "unknown ethertype". */
export function decodePppoeDiscovery(d: Dispatcher, _p: Packet, _off: number, _end: number): boolean {
  d.counts[Stat.pppoe_discovery]++;
  return true;
}
