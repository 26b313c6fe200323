import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { EtherType } from './numbers.js';

export const GreFlag = {
  CHECKSUM: 0x8000,
  ROUTING: 0x4000,
  KEY: 0x2000,
  SEQ: 0x1000,
  STRICT_ROUTE: 0x0800,
  RECUR: 0x0700,
  /** GRE v1 (PPTP): acknowledgment number present. */
  ACK: 0x0080,
  VERSION: 0x0007,
} as const;

const GRE_BASE_LEN = 4;

/**
 * GRE (IP protocol 47). Version 0 (RFC 2784 + RFC 2890): optional checksum+reserved, key and
 * sequence number words; the protocol field is an ethertype (0x6558 = Ethernet, 0x88be/0x22eb =
 * ERSPAN, IPv4, IPv6, MPLS...). RFC 1701 source routing / recursion bits are refused
 * (gre.bad_flags), as RFC 2784 tells receivers that don't implement RFC 1701 to do.
 * Version 1 is PPTP's enhanced GRE (RFC 2637): key (payload length + call id) mandatory, optional
 * sequence and acknowledgment numbers, PPP payload.
 * The flags word is passed on in `d.greFlags` for ERSPAN, whose type I vs II depends on the S bit.
 */
export function decodeGre(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < GRE_BASE_LEN) return d.fail(AnomalyId['gre.truncated']);
  const b = p.buf;
  const flags = u16(b, off);
  const proto = u16(b, off + 2);
  let hlen = GRE_BASE_LEN;
  const version = flags & GreFlag.VERSION;
  if (version === 0) {
    if (flags & (GreFlag.ROUTING | GreFlag.STRICT_ROUTE | GreFlag.RECUR)) return d.fail(AnomalyId['gre.bad_flags']);
    if (flags & GreFlag.CHECKSUM) hlen += 4;
    if (flags & GreFlag.KEY) hlen += 4;
    if (flags & GreFlag.SEQ) hlen += 4;
  } else if (version === 1) {
    if (flags & (GreFlag.CHECKSUM | GreFlag.ROUTING | GreFlag.STRICT_ROUTE | GreFlag.RECUR) ||
        !(flags & GreFlag.KEY) || proto !== EtherType.PPP) return d.fail(AnomalyId['gre.bad_flags']);
    hlen += 4;
    if (flags & GreFlag.SEQ) hlen += 4;
    if (flags & GreFlag.ACK) hlen += 4;
  } else {
    return d.fail(AnomalyId['gre.bad_version']);
  }
  if (end - off < hlen) return d.fail(AnomalyId['gre.truncated']);
  d.counts[Stat.gre]++;
  p.encap |= Encap.GRE;
  d.greFlags = flags;
  return d.etherType(p, proto, off + hlen, end);
}
