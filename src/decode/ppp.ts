import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { EtherType, LinkType } from './numbers.js';

/** PPP protocol numbers we follow, and the ethertype each is handed on as. */
const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
const PPP_MPLS_UC = 0x0281;
const PPP_MPLS_MC = 0x0283;

function pppToEtherType(proto: number): number {
  switch (proto) {
    case PPP_IPV4:
      return EtherType.IPV4;
    case PPP_IPV6:
      return EtherType.IPV6;
    case PPP_MPLS_UC:
      return EtherType.MPLS_UC;
    case PPP_MPLS_MC:
      return EtherType.MPLS_MC;
    default:
      return -1;
  }
}

/**
 * A PPP frame (RFC 1661): optional HDLC-like address/control bytes 0xff 0x03 (RFC 1662), then the
 * protocol field, 1 byte when compressed (PFC: the low bit of the first byte is set) or 2. This is
 * the payload decoder for PPPoE sessions and GRE v1 (PPTP), registered under ethertype 0x880b.
 * Control protocols (LCP, IPCP, ...) and VJ-compressed TCP are not followed.
 */
export function decodePpp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off >= 2 && b[off] === 0xff && b[off + 1] === 0x03) off += 2;
  if (end - off < 1) return d.fail(AnomalyId['ppp.truncated']);
  d.counts[Stat.ppp]++;
  let proto: number;
  if (b[off] & 1) {
    proto = b[off];
    off += 1;
  } else {
    if (end - off < 2) return d.fail(AnomalyId['ppp.truncated']);
    proto = u16(b, off);
    off += 2;
  }
  const type = pppToEtherType(proto);
  return type < 0 ? true : d.etherType(p, type, off, end);
}

/**
 * LINKTYPE_PPP (9) / LINKTYPE_PPP_HDLC (50). Cisco routers also write Cisco HDLC frames under this
 * link type (address 0x0f unicast / 0x8f broadcast, control 0); like Wireshark, hand those to the
 * C-HDLC decoder.
 */
export function decodePppLink(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off >= 2 && (b[off] === 0x0f || b[off] === 0x8f) && b[off + 1] === 0x00) {
    return d.link(p, LinkType.C_HDLC, off, end);
  }
  return decodePpp(d, p, off, end);
}
