import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16, u32 } from '../util/bytes.js';
import { joinLaterFragment } from './ip-common.js';

const IPV4_MIN_HLEN = 20;
const MF = 0x2000;
const OFFSET_MASK = 0x1fff;

/**
 * IPv4 (RFC 791). Options are skipped by IHL, not interpreted. The payload ends at the total length,
 * so Ethernet padding or a trailing FCS never becomes transport payload; a total length that points
 * past the captured bytes is a lie (ipv4.bad_total_length) unless the frame was snapped or sits in a
 * first fragment. Total length 0 is what Linux records for TSO/GSO super-packets (Wireshark: "presumed
 * to be because of TCP segmentation offload"): the captured bytes are the datagram.
 *
 * Fragments: the first one (offset 0, MF) decodes its transport header and records its flow for the
 * later ones (FragmentTracker); later ones join that flow without decoding.
 */
export function decodeIpv4(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off < IPV4_MIN_HLEN) return d.fail(AnomalyId['ipv4.truncated']);
  const vihl = b[off];
  if (vihl >> 4 !== 4) return d.fail(AnomalyId['ipv4.bad_version']);
  const hlen = (vihl & 0x0f) << 2;
  if (hlen < IPV4_MIN_HLEN) return d.fail(AnomalyId['ipv4.bad_header_length']);
  if (end - off < hlen) return d.fail(AnomalyId['ipv4.truncated']);
  const total = u16(b, off + 2);
  let ipEnd = end;
  if (total !== 0) {
    if (total < hlen) return d.fail(AnomalyId['ipv4.bad_total_length']);
    if (total <= end - off) ipEnd = off + total;
    else if (!d.partial) return d.fail(AnomalyId['ipv4.bad_total_length']);
  }
  d.counts[Stat.ipv4]++;

  p.clearIpLayer();
  p.ipVersion = 4;
  p.l3Off = off;
  p.ipLen = total !== 0 ? total : end - off;
  p.ttl = b[off + 8];
  p.proto = b[off + 9];
  p.src[3] = u32(b, off + 12);
  p.dst[3] = u32(b, off + 16);

  const l4 = off + hlen;
  const flagsOffset = u16(b, off + 6);
  const fragOffset = (flagsOffset & OFFSET_MASK) << 3;
  const more = (flagsOffset & MF) !== 0;
  if (more || fragOffset !== 0) {
    d.counts[Stat.fragments]++;
    p.isFragment = true;
    p.moreFragments = more;
    p.fragOffset = fragOffset;
    p.fragId = u16(b, off + 4);
    if (fragOffset !== 0) {
      return joinLaterFragment(d, p, l4, ipEnd, AnomalyId['ipv4.frag_without_first'], AnomalyId['ipv4.frag_overlap_header']);
    }
    d.frags.markFirst(4, p.src, p.dst, p.proto, p.fragId);
    d.partial = true;
  }
  // Until a transport decoder says otherwise (unknown protocol, tunnel with an unknown payload), the
  // payload is the IP payload.
  p.payOff = l4;
  p.payLen = ipEnd - l4;
  return d.ipProto(p, p.proto, l4, ipEnd);
}
