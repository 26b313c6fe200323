import { Encap, MAX_VLAN_TAGS, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';
import { u16 } from '../util/bytes.js';

const ERSPAN_II_HLEN = 8;
const ERSPAN_III_HLEN = 12;
const ERSPAN_III_PLATFORM_LEN = 8;
const GRE_SEQ = 0x1000;
const FT_ETHERNET = 0;
const FT_IP = 2;

/**
 * ERSPAN over GRE protocol 0x88be. Type II has an 8-byte header (version 1, VLAN, COS, session id,
 * index) before the mirrored Ethernet frame. Type I has no header at all; like Wireshark, a GRE
 * header without the sequence bit means type I (type II always sets it).
 *
 * The header's VLAN is the mirrored frame's original VLAN when the switch stripped the tag; like
 * Suricata, a non-zero one is recorded as the packet's next VLAN id.
 */
export function decodeErspanII(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const greFlags = d.greFlagsBelow;
  if (greFlags !== -1 && (greFlags & GRE_SEQ) === 0) {
    d.counts[Stat.erspan]++;
    p.encap |= Encap.ERSPAN;
    return d.etherType(p, EtherType.TEB, off, end);
  }
  if (end - off < ERSPAN_II_HLEN) return d.fail(AnomalyId['erspan.truncated']);
  if (p.buf[off] >> 4 !== 1) return d.fail(AnomalyId['erspan.bad_version']);
  d.counts[Stat.erspan]++;
  p.encap |= Encap.ERSPAN;
  recordVlan(d, p, u16(p.buf, off) & 0x0fff);
  return d.etherType(p, EtherType.TEB, off + ERSPAN_II_HLEN, end);
}

/**
 * ERSPAN type III (GRE protocol 0x22eb): 12-byte header (version 2, VLAN, COS, BSO, T, session id,
 * timestamp, SGT, P, frame type FT, hardware id, D, granularity, O) and, when O is set, an 8-byte
 * platform-specific subheader. FT 0 is an Ethernet frame, FT 2 an IP packet; others are not followed.
 */
export function decodeErspanIII(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < ERSPAN_III_HLEN) return d.fail(AnomalyId['erspan.truncated']);
  const b = p.buf;
  if (b[off] >> 4 !== 2) return d.fail(AnomalyId['erspan.bad_version']);
  let hlen = ERSPAN_III_HLEN;
  if (b[off + 11] & 0x01) hlen += ERSPAN_III_PLATFORM_LEN;
  if (end - off < hlen) return d.fail(AnomalyId['erspan.truncated']);
  d.counts[Stat.erspan]++;
  p.encap |= Encap.ERSPAN;
  recordVlan(d, p, u16(b, off) & 0x0fff);
  const ft = (b[off + 10] >> 2) & 0x1f;
  const inner = off + hlen;
  if (ft === FT_ETHERNET) return d.etherType(p, EtherType.TEB, inner, end);
  if (ft === FT_IP && end - inner >= 1) {
    const v = b[inner] >> 4;
    if (v === 4) return d.etherType(p, EtherType.IPV4, inner, end);
    if (v === 6) return d.etherType(p, EtherType.IPV6, inner, end);
  }
  return true;
}

function recordVlan(d: Dispatcher, p: Packet, vlan: number): void {
  if (vlan === 0) return;
  if (p.vlanCount < MAX_VLAN_TAGS) p.vlan[p.vlanCount++] = vlan;
  else d.note(AnomalyId['vlan.too_many_tags']);
}
