import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { partialTransport } from './transport-partial.js';

/** Every ICMP message has type, code, checksum and a 4-byte rest-of-header (RFC 792). */
const ICMP_HLEN = 8;

/**
 * ICMPv4: type and code become sport and dport (the Community ID convention; the flow table maps
 * request/reply pairs). The quoted datagram inside error messages is payload, NOT another layer:
 * the packet's flow is the ICMP one between the reporting router and the sender.
 */
export function decodeIcmp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < ICMP_HLEN) return partialTransport(d, p, off, end, Stat.icmpv4, AnomalyId['icmp.truncated'], 2);
  d.counts[Stat.icmpv4]++;
  p.l4Off = off;
  p.sport = p.buf[off];
  p.dport = p.buf[off + 1];
  p.payOff = off + ICMP_HLEN;
  p.payLen = end - p.payOff;
  return true;
}
