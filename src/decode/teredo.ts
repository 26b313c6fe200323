import { Encap, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { EtherType, IpProtoExt, UdpPort } from './numbers.js';

const IPV6_HLEN = 40;
const ORIGIN_LEN = 8;
/** Authentication indicator: 0x0001, id-len, au-len, client id, auth value, nonce (8), confirmation (1). */
const AUTH_FIXED_LEN = 4 + 8 + 1;

/**
 * Teredo (RFC 4380): IPv6 in UDP, optionally preceded by an authentication indicator and/or an origin
 * indication. Teredo has no magic number, so, like Suricata, the payload is taken as Teredo only when
 * it is an IPv6 header whose payload length matches the datagram exactly (or runs past the captured
 * bytes of a snapped frame); anything else stays plain UDP.
 * Registered on port 3544 (server) either way, and as the UDP heuristic for other ports: data between
 * a Teredo client and a relay uses arbitrary ports. There, one of the IPv6 addresses must also be a
 * Teredo address (2001:0::/32), which random UDP payloads practically never satisfy.
 */
export function decodeTeredo(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  const onPort = p.sport === UdpPort.TEREDO || p.dport === UdpPort.TEREDO;
  let o = off;
  if (end - o >= 2 && b[o] === 0 && b[o + 1] === 1) {
    if (end - o < AUTH_FIXED_LEN) return noteTruncated(d, onPort);
    o += AUTH_FIXED_LEN + b[o + 2] + b[o + 3];
  }
  if (end - o >= 2 && b[o] === 0 && b[o + 1] === 0) {
    if (end - o < ORIGIN_LEN) return noteTruncated(d, onPort);
    o += ORIGIN_LEN;
  }
  if (end - o < IPV6_HLEN || b[o] >> 4 !== 6) return true;
  const plen = u16(b, o + 4);
  const nh = b[o + 6];
  const hopLimit = b[o + 7];
  // "No next header" with a payload, or hop limit 0 on anything but a bubble (an empty packet with no
  // next header, which Teredo sends with hop limit 0): not a real IPv6 packet, just UDP that looks so.
  const bubble = nh === IpProtoExt.NONE && plen === 0;
  if ((nh === IpProtoExt.NONE && plen !== 0) || (hopLimit === 0 && !bubble)) return true;
  if (!onPort && !teredoAddress(b, o + 8) && !teredoAddress(b, o + 24)) return true;
  const claimed = IPV6_HLEN + plen;
  if (claimed !== end - o && !(d.partial && claimed > end - o)) return true;
  d.counts[Stat.teredo]++;
  p.encap |= Encap.TEREDO;
  return d.etherType(p, EtherType.IPV6, o, end);
}

/** Only on the Teredo port is a short header worth a name; elsewhere it is just not Teredo. */
function noteTruncated(d: Dispatcher, onPort: boolean): boolean {
  if (onPort) d.note(AnomalyId['teredo.truncated']);
  return true;
}

/** 2001:0000::/32, the Teredo prefix. */
function teredoAddress(b: Uint8Array, o: number): boolean {
  return b[o] === 0x20 && b[o + 1] === 0x01 && b[o + 2] === 0 && b[o + 3] === 0;
}
