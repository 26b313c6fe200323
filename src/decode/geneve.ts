import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const GENEVE_HLEN = 8;

/**
 * Geneve (RFC 8926, UDP destination port 6081): version 0, options length in 4-byte words,
 * O/C flags, protocol type (an ethertype: 0x6558 Ethernet, or IPv4/IPv6 directly), VNI, then the
 * options. As for VXLAN the port is a guess: a short header or another version is noted and the
 * packet stays plain UDP.
 */
export function decodeGeneve(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off < GENEVE_HLEN) {
    d.note(AnomalyId['geneve.truncated']);
    return true;
  }
  if (b[off] >> 6 !== 0) {
    d.note(AnomalyId['geneve.bad_version']);
    return true;
  }
  const hlen = GENEVE_HLEN + ((b[off] & 0x3f) << 2);
  if (end - off < hlen) {
    d.note(AnomalyId['geneve.truncated']);
    return true;
  }
  d.counts[Stat.geneve]++;
  p.encap |= Encap.GENEVE;
  return d.etherType(p, u16(b, off + 2), off + hlen, end);
}
