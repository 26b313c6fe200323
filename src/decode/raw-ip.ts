import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';

/**
 * Raw IP link types with no link header. LINKTYPE_RAW (101, and DLT_RAW 12 / 14 as some systems
 * write it) says nothing about the version: the first nibble decides. LINKTYPE_IPV4 (228) and
 * LINKTYPE_IPV6 (229) name it, and the IP decoder checks the nibble.
 */
export function decodeRawIp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < 1) return d.fail(AnomalyId['raw.bad_version']);
  d.counts[Stat.raw]++;
  const v = p.buf[off] >> 4;
  if (v === 4) return d.etherType(p, EtherType.IPV4, off, end);
  if (v === 6) return d.etherType(p, EtherType.IPV6, off, end);
  return d.fail(AnomalyId['raw.bad_version']);
}

export function decodeRawIpv4(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  d.counts[Stat.raw]++;
  return d.etherType(p, EtherType.IPV4, off, end);
}

export function decodeRawIpv6(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  d.counts[Stat.raw]++;
  return d.etherType(p, EtherType.IPV6, off, end);
}
