import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { partialTransport } from './transport-partial.js';

/** Type, code, checksum and 4 bytes of message body are in every ICMPv6 message (RFC 4443). */
const ICMPV6_HLEN = 8;

/** ICMPv6: type and code become sport and dport, as for ICMPv4 (see icmp.ts). */
export function decodeIcmpv6(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < ICMPV6_HLEN) return partialTransport(d, p, off, end, Stat.icmpv6, AnomalyId['icmpv6.truncated'], 2);
  d.counts[Stat.icmpv6]++;
  p.l4Off = off;
  p.sport = p.buf[off];
  p.dport = p.buf[off + 1];
  p.payOff = off + ICMPV6_HLEN;
  p.payLen = end - p.payOff;
  return true;
}
