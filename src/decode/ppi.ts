import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16le, u32le } from '../util/bytes.js';

const PPI_MIN_HLEN = 8;

/**
 * Per-Packet Information (LINKTYPE_PPI, 192; AirPcap/Kismet): version, flags, header length and the
 * DLT of the frame that follows (all little-endian), then PPI fields we skip. The inner frame is
 * handed on by link type.
 */
export function decodePpi(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < PPI_MIN_HLEN) return d.fail(AnomalyId['ppi.truncated']);
  const hlen = u16le(p.buf, off + 2);
  if (hlen < PPI_MIN_HLEN || hlen > end - off) return d.fail(AnomalyId['ppi.truncated']);
  d.counts[Stat.ppi]++;
  return d.link(p, u32le(p.buf, off + 4), off + hlen, end);
}
