import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { partialTransport } from './transport-partial.js';

const UDP_HLEN = 8;

/**
 * UDP (RFC 768). The length field bounds the payload (bytes after it inside the IP payload are
 * ignored); a length below 8, or beyond the captured bytes of a whole frame, is udp.bad_length.
 * Length 0 over IPv6 is a jumbogram's (RFC 2675): the IP payload is the datagram. The payload is
 * offered to the UDP tunnel decoders (VXLAN, VXLAN-GPE, Geneve, Teredo, GTP-U).
 */
export function decodeUdp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  const avail = end - off;
  if (avail < UDP_HLEN) return partialTransport(d, p, off, end, Stat.udp, AnomalyId['udp.truncated']);
  const len = u16(b, off + 4);
  let udpEnd = end;
  if (len < UDP_HLEN) {
    if (len !== 0 || p.ipVersion !== 6) return d.fail(AnomalyId['udp.bad_length']);
  } else if (len <= avail) udpEnd = off + len;
  else if (!d.partial) return d.fail(AnomalyId['udp.bad_length']);
  d.counts[Stat.udp]++;
  const sport = u16(b, off);
  const dport = u16(b, off + 2);
  p.l4Off = off;
  p.sport = sport;
  p.dport = dport;
  p.payOff = off + UDP_HLEN;
  p.payLen = udpEnd - p.payOff;
  return d.udpPayload(p, sport, dport, off + UDP_HLEN, udpEnd);
}
