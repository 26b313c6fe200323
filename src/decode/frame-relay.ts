import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { AnomalyId } from './anomalies.js';
import { Stat } from './stats.js';
import { u16 } from '../util/bytes.js';
import { EtherType } from './numbers.js';

const MAX_ADDRESS_LEN = 4;
const Q922_UI = 0x03;
const NLPID_PAD = 0x00;
const NLPID_IPV4 = 0xcc;
const NLPID_IPV6 = 0x8e;
const NLPID_SNAP = 0x80;

/**
 * Frame Relay (LINKTYPE_FRELAY, 107): a Q.922 address of 2-4 bytes (EA bit ends it), then either
 * RFC 2427 multiprotocol encapsulation (control 0x03, optional pad, NLPID: 0xcc IPv4, 0x8e IPv6,
 * 0x80 SNAP with an ethertype) or Cisco's encapsulation (an ethertype right after the address).
 */
export function decodeFrameRelay(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  const b = p.buf;
  let o = off;
  for (let n = 0; ; n++) {
    if (n === MAX_ADDRESS_LEN || o >= end) return d.fail(AnomalyId['frame_relay.truncated']);
    if (b[o++] & 1) break;
  }
  if (end - o < 2) return d.fail(AnomalyId['frame_relay.truncated']);
  d.counts[Stat.frame_relay]++;
  if (b[o] !== Q922_UI) return d.etherType(p, u16(b, o), o + 2, end);
  o++;
  if (b[o] === NLPID_PAD) o++;
  if (end - o < 1) return d.fail(AnomalyId['frame_relay.truncated']);
  switch (b[o]) {
    case NLPID_IPV4:
      return d.etherType(p, EtherType.IPV4, o + 1, end);
    case NLPID_IPV6:
      return d.etherType(p, EtherType.IPV6, o + 1, end);
    case NLPID_SNAP:
      // SNAP: OUI (3) + PID (2); OUI 0 means the PID is an ethertype.
      if (end - o < 6) return d.fail(AnomalyId['frame_relay.truncated']);
      if (b[o + 1] === 0 && b[o + 2] === 0 && b[o + 3] === 0) return d.etherType(p, u16(b, o + 4), o + 6, end);
      return true;
    default:
      return true;
  }
}
