import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16, u32 } from '../util/bytes.js';
import { IpProtoExt } from './numbers.js';
import { joinLaterFragment } from './ip-common.js';

const IPV6_HLEN = 40;
const EXT_MIN_LEN = 8;
const FRAG_HLEN = 8;
/**
 * Most extension headers followed per IPv6 header. A sane chain has at most ~6 (HBH, DST, RH, FH,
 * AH, DST); a longer one is an evasion attempt or a loop of tiny options headers.
 */
export const MAX_IPV6_EXT_HEADERS = 8;

/**
 * IPv6 (RFC 8200) and its extension-header chain: hop-by-hop, routing, destination options,
 * mobility, HIP, shim6 ((len + 1) * 8 bytes), AH ((len + 2) * 4 bytes) and the fragment header. The
 * chain ends at the first upper-layer protocol, which becomes p.proto and is handed on. ESP and
 * "no next header" (59) end it too. Payload length 0 with a hop-by-hop header is a jumbogram
 * (RFC 2675) or a GSO super-packet: the captured bytes are the datagram.
 */
export function decodeIpv6(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off < IPV6_HLEN) return d.fail(AnomalyId['ipv6.truncated']);
  if (b[off] >> 4 !== 6) return d.fail(AnomalyId['ipv6.bad_version']);
  const plen = u16(b, off + 4);
  let nh = b[off + 6];
  let ipEnd = end;
  if (plen !== 0 || nh !== IpProtoExt.HOPOPTS) {
    if (plen <= end - off - IPV6_HLEN) ipEnd = off + IPV6_HLEN + plen;
    else if (!d.partial) return d.fail(AnomalyId['ipv6.bad_payload_length']);
  }
  d.counts[Stat.ipv6]++;

  p.clearIpLayer();
  p.ipVersion = 6;
  p.l3Off = off;
  p.ipLen = plen !== 0 ? IPV6_HLEN + plen : end - off;
  p.ttl = b[off + 7];
  for (let i = 0; i < 4; i++) {
    p.src[i] = u32(b, off + 8 + 4 * i);
    p.dst[i] = u32(b, off + 24 + 4 * i);
  }

  let o = off + IPV6_HLEN;
  for (let n = 0; ; n++) {
    let len: number;
    switch (nh) {
      case IpProtoExt.HOPOPTS:
      case IpProtoExt.ROUTING:
      case IpProtoExt.DSTOPTS:
      case IpProtoExt.MOBILITY:
      case IpProtoExt.HIP:
      case IpProtoExt.SHIM6:
        if (ipEnd - o < EXT_MIN_LEN) return d.fail(AnomalyId['ipv6.ext_header_truncated']);
        len = (b[o + 1] + 1) << 3;
        break;
      case IpProtoExt.AH:
        if (ipEnd - o < EXT_MIN_LEN) return d.fail(AnomalyId['ipv6.ext_header_truncated']);
        len = (b[o + 1] + 2) << 2;
        break;
      case IpProtoExt.FRAGMENT:
        len = FRAG_HLEN;
        break;
      default:
        len = -1;
    }
    if (len < 0) break; // upper-layer protocol reached
    if (n === MAX_IPV6_EXT_HEADERS) return d.fail(AnomalyId['ipv6.too_many_ext_headers']);
    if (ipEnd - o < len) return d.fail(AnomalyId['ipv6.ext_header_truncated']);
    if (nh === IpProtoExt.FRAGMENT) {
      const fragNh = b[o];
      const offFlags = u16(b, o + 2);
      const fragOffset = offFlags & 0xfff8;
      const more = (offFlags & 1) !== 0;
      const id = u32(b, o + 4);
      o += FRAG_HLEN;
      nh = fragNh;
      // An "atomic fragment" (offset 0, M clear; RFC 6946) is a whole datagram: not a fragment.
      if (fragOffset === 0 && !more) continue;
      d.counts[Stat.fragments]++;
      p.isFragment = true;
      p.moreFragments = more;
      p.fragOffset = fragOffset;
      p.fragId = id;
      if (fragOffset !== 0) {
        p.proto = fragNh;
        return joinLaterFragment(d, p, o, ipEnd, AnomalyId['ipv6.frag_without_first'], AnomalyId['ipv6.frag_overlap_header']);
      }
      d.frags.markFirst(6, p.src, p.dst, fragNh, id);
      d.partial = true;
      continue;
    }
    nh = b[o];
    o += len;
  }
  p.proto = nh;
  // Until a transport decoder says otherwise, the payload is what follows the extension headers.
  p.payOff = o;
  p.payLen = ipEnd - o;
  if (nh === IpProtoExt.NONE) return true;
  return d.ipProto(p, nh, o, ipEnd);
}
