import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u32le } from '../util/bytes.js';

const PKTAP_MIN_HLEN = 12;
const PTH_TYPE_PACKET = 1;

/**
 * Apple PKTAP (LINKTYPE_PKTAP, 258; `tcpdump -k` / `-i pktap` on macOS): header length, record type,
 * DLT of the frame that follows (host order, little-endian on every Mac), then interface and process
 * metadata we skip. Packet records are handed on by link type; other record types carry no frame.
 */
export function decodePktap(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < PKTAP_MIN_HLEN) return d.fail(AnomalyId['pktap.truncated']);
  const hlen = u32le(p.buf, off);
  if (hlen < PKTAP_MIN_HLEN || hlen > end - off) return d.fail(AnomalyId['pktap.truncated']);
  d.counts[Stat.pktap]++;
  if (u32le(p.buf, off + 4) !== PTH_TYPE_PACKET) return true;
  return d.link(p, u32le(p.buf, off + 8), off + hlen, end);
}
