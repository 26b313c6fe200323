import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16le } from '../util/bytes.js';
import { EtherType } from './numbers.js';

const NFLOG_HLEN = 4;
const TLV_HLEN = 4;
const NFULA_PAYLOAD = 9;
const AF_INET = 2;
const AF_INET6 = 10;
/** A real NFLOG record has about a dozen TLVs; more is a hostile or broken record. */
const MAX_TLVS = 64;

/**
 * Linux NFLOG (LINKTYPE_NFLOG, 239): family, version, resource id, then TLVs whose length and type
 * are in the capturing host's byte order (little-endian in practice, as libpcap and Wireshark
 * assume). Length includes the 4-byte TLV header, padded to 4. NFULA_PAYLOAD holds the IP packet.
 */
export function decodeNflog(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  if (end - off < NFLOG_HLEN) return d.fail(AnomalyId['nflog.truncated']);
  d.counts[Stat.nflog]++;
  const b = p.buf;
  const family = b[off];
  let o = off + NFLOG_HLEN;
  for (let n = 0; n < MAX_TLVS && end - o >= TLV_HLEN; n++) {
    const len = u16le(b, o);
    const type = u16le(b, o + 2) & 0x7fff; // top bit: NLA_F_NESTED
    if (len < TLV_HLEN) return d.fail(AnomalyId['nflog.bad_tlv_length']);
    if (len > end - o) return d.partial && type === NFULA_PAYLOAD ? handOn(d, p, family, o + TLV_HLEN, end) : d.fail(AnomalyId['nflog.bad_tlv_length']);
    if (type === NFULA_PAYLOAD) return handOn(d, p, family, o + TLV_HLEN, o + len);
    o += (len + 3) & ~3;
  }
  // No payload TLV (a record of metadata only): nothing to decode.
  return true;
}

function handOn(d: Dispatcher, p: Packet, family: number, off: number, end: number): boolean {
  if (family === AF_INET) return d.etherType(p, EtherType.IPV4, off, end);
  if (family === AF_INET6) return d.etherType(p, EtherType.IPV6, off, end);
  return true;
}
