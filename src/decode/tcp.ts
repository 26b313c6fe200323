import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16, u32 } from '../util/bytes.js';
import { partialTransport } from './transport-partial.js';

const TCP_MIN_HLEN = 20;

/**
 * TCP (RFC 9293): ports, sequence and acknowledgment numbers, flags byte, window, data offset;
 * options are skipped, the payload is what follows the header up to the IP payload end.
 */
export function decodeTcp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  const avail = end - off;
  if (avail < TCP_MIN_HLEN) return partialTransport(d, p, off, end, Stat.tcp, AnomalyId['tcp.truncated']);
  const hlen = (b[off + 12] >> 4) << 2;
  if (hlen < TCP_MIN_HLEN) return d.fail(AnomalyId['tcp.bad_header_length']);
  if (hlen > avail && !d.partial) return d.fail(AnomalyId['tcp.truncated']);
  d.counts[Stat.tcp]++;
  p.l4Off = off;
  p.sport = u16(b, off);
  p.dport = u16(b, off + 2);
  p.tcpSeq = u32(b, off + 4);
  p.tcpAck = u32(b, off + 8);
  p.tcpFlags = b[off + 13];
  p.tcpWin = u16(b, off + 14);
  if (hlen > avail) {
    // Options cut off by the snap length or the end of a first fragment: header fields are known,
    // the payload is not.
    if (p.isFragment) d.note(AnomalyId['ip.tiny_first_fragment']);
    else d.counts[Stat.l4_partial]++;
    p.payOff = end;
    p.payLen = 0;
    return true;
  }
  p.payOff = off + hlen;
  p.payLen = end - p.payOff;
  return true;
}
