import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { EtherType } from './numbers.js';
import { u16 } from '../util/bytes.js';

const GTP_HLEN = 8;
const GTP_OPT_LEN = 4;
const MSG_G_PDU = 0xff;
const FLAG_E = 0x04;
const FLAG_S = 0x02;
const FLAG_PN = 0x01;
/** Extension headers per packet: real traffic has one or two (PDU session container, UDP port). */
const MAX_EXT_HEADERS = 8;

/**
 * GTP-U (3GPP TS 29.281, UDP port 2152): version 1, PT 1, flags E/S/PN, message type, length, TEID;
 * with any of E/S/PN set, 4 more bytes (sequence, N-PDU, next extension type), then the extension
 * header chain (length in 4-byte units, last byte = next type; capped). A G-PDU (type 255) carries a
 * user IP packet, IPv4 or IPv6 by its first nibble. Other messages (echo, error indication...) and
 * GTP' / GTPv2 stay plain UDP.
 */
export function decodeGtpU(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  if (end - off < GTP_HLEN) return true;
  const flags = b[off];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[off + 1] !== MSG_G_PDU) return true;
  // The length field counts the bytes after the mandatory header; it bounds the user packet.
  const gtpEnd = off + GTP_HLEN + u16(b, off + 2);
  if (gtpEnd < end) end = gtpEnd;
  let o = off + GTP_HLEN;
  if (flags & (FLAG_E | FLAG_S | FLAG_PN)) {
    if (end - o < GTP_OPT_LEN) return noteTruncated(d);
    let next = flags & FLAG_E ? b[o + 3] : 0;
    o += GTP_OPT_LEN;
    for (let n = 0; next !== 0; n++) {
      if (n === MAX_EXT_HEADERS) {
        d.note(AnomalyId['gtp.too_many_ext_headers']);
        return true;
      }
      if (end - o < 1) return noteTruncated(d);
      const len = b[o] << 2;
      if (len === 0 || end - o < len) return noteTruncated(d);
      next = b[o + len - 1];
      o += len;
    }
  }
  if (end - o < 1) return noteTruncated(d);
  const v = b[o] >> 4;
  if (v !== 4 && v !== 6) return true;
  d.counts[Stat.gtp]++;
  p.encap |= Encap.GTP;
  return d.etherType(p, v === 4 ? EtherType.IPV4 : EtherType.IPV6, o, end);
}

function noteTruncated(d: Dispatcher): boolean {
  d.note(AnomalyId['gtp.truncated']);
  return true;
}
