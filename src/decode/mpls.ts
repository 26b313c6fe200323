import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';

const LABEL_LEN = 4;
const PW_CW_LEN = 4;
/** Real label stacks are 1-4 deep (VPN, TE, FRR); 16 is generous and stops 100-label floods. */
export const MAX_MPLS_LABELS = 16;
const LABEL_IPV4_EXPLICIT_NULL = 0;
const LABEL_IPV6_EXPLICIT_NULL = 2;

/**
 * MPLS label stack (ethertype 0x8847/0x8848, PPP 0x0281, IP protocol 137): 4-byte entries until the
 * bottom-of-stack bit, capped at MAX_MPLS_LABELS. MPLS does not say what it carries, so, like
 * Suricata and Wireshark's heuristics:
 *  - a bottom label of 0 / 2 (IPv4 / IPv6 explicit null) names the payload;
 *  - otherwise the first payload nibble decides: 4 = IPv4, 6 = IPv6,
 *    0 = a pseudowire control word (RFC 4385, 4 bytes) followed by an Ethernet frame;
 *  - anything else (e.g. an Ethernet pseudowire without control word) is mpls.unknown_payload.
 */
export function decodeMpls(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  d.counts[Stat.mpls]++;
  p.encap |= Encap.MPLS;
  let label = 0;
  for (let n = 0; ; n++) {
    if (n === MAX_MPLS_LABELS) return d.fail(AnomalyId['mpls.too_many_labels']);
    if (end - off < LABEL_LEN) return d.fail(AnomalyId['mpls.truncated']);
    label = (b[off] << 12) | (b[off + 1] << 4) | (b[off + 2] >> 4);
    const bottom = b[off + 2] & 1;
    off += LABEL_LEN;
    if (bottom) break;
  }
  if (label === LABEL_IPV4_EXPLICIT_NULL) return d.etherType(p, EtherType.IPV4, off, end);
  if (label === LABEL_IPV6_EXPLICIT_NULL) return d.etherType(p, EtherType.IPV6, off, end);
  if (end - off < 1) return d.fail(AnomalyId['mpls.truncated']);
  switch (b[off] >> 4) {
    case 4:
      return d.etherType(p, EtherType.IPV4, off, end);
    case 6:
      return d.etherType(p, EtherType.IPV6, off, end);
    case 0:
      if (end - off < PW_CW_LEN) return d.fail(AnomalyId['mpls.truncated']);
      return d.etherType(p, EtherType.TEB, off + PW_CW_LEN, end);
    default:
      return d.fail(AnomalyId['mpls.unknown_payload']);
  }
}
