import { Encap, MAX_VLAN_TAGS, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';

const VLAN_HLEN = 4;

/**
 * One 802.1Q / 802.1ad (QinQ, 0x88a8, legacy 0x9100/0x9200) tag: TCI (PCP, DEI, 12-bit VLAN id) and
 * the inner ethertype. Tags are recorded outermost first, also when they sit inside a tunnel (as
 * Suricata does, the tunnelled packet inherits the outer tags). Tags past MAX_VLAN_TAGS are counted
 * as vlan.too_many_tags but decoding goes on: the flow is still right, only the extra ids are lost.
 * Each tag is one dispatcher layer, so an endless tag stack ends at decoder.too_many_layers.
 */
export function decodeVlan(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < VLAN_HLEN) return d.fail(AnomalyId['vlan.truncated']);
  d.counts[Stat.vlan]++;
  p.encap |= Encap.VLAN;
  if (p.vlanCount < MAX_VLAN_TAGS) p.vlan[p.vlanCount++] = u16(p.buf, off) & 0x0fff;
  else d.note(AnomalyId['vlan.too_many_tags']);
  return d.etherType(p, u16(p.buf, off + 2), off + VLAN_HLEN, end);
}
