import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { partialTransport } from './transport-partial.js';

/** SCTP common header: ports, verification tag, checksum (RFC 9260). Chunks are the payload. */
const SCTP_HLEN = 12;

export function decodeSctp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < SCTP_HLEN) return partialTransport(d, p, off, end, Stat.sctp, AnomalyId['sctp.truncated']);
  d.counts[Stat.sctp]++;
  p.l4Off = off;
  p.sport = u16(p.buf, off);
  p.dport = u16(p.buf, off + 2);
  p.payOff = off + SCTP_HLEN;
  p.payLen = end - p.payOff;
  return true;
}
