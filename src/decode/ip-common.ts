import { IpProto, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';

/**
 * Clear the L3/L4 fields before an IP header is decoded. With tunnels the innermost IP layer wins:
 * an inner header overwrites the outer one's tuple, and nothing of the outer transport (ports, TCP
 * flags, payload) may survive into a packet whose inner protocol has no ports.
 */
export function beginIpLayer(p: Packet): void {
  p.src[0] = p.src[1] = p.src[2] = p.src[3] = 0;
  p.dst[0] = p.dst[1] = p.dst[2] = p.dst[3] = 0;
  p.proto = 0;
  p.ttl = 0;
  p.ipLen = 0;
  p.isFragment = false;
  p.fragOffset = 0;
  p.moreFragments = false;
  p.fragId = 0;
  p.l4Off = -1;
  p.sport = 0;
  p.dport = 0;
  p.tcpFlags = 0;
  p.tcpSeq = 0;
  p.tcpAck = 0;
  p.tcpWin = 0;
  p.payOff = 0;
  p.payLen = 0;
}

/** TCP header bytes that a non-first fragment must not overlap (RFC 1858 overlapping-fragment attack). */
const TCP_MIN_HLEN = 20;

/**
 * A non-first fragment (offset > 0): it has no transport header, so it joins the flow its first
 * fragment recorded (see FragmentTracker) and carries its bytes as payload. Without a known first
 * fragment the packet cannot be attributed: `withoutFirst` anomaly, false.
 * `p.proto` must hold the fragmented datagram's protocol (IPv6: the Fragment header's next header).
 */
export function joinLaterFragment(
  d: Dispatcher,
  p: Packet,
  off: number,
  end: number,
  withoutFirst: number,
  overlapHeader: number,
): boolean {
  if (p.proto === IpProto.TCP && p.fragOffset < TCP_MIN_HLEN) d.note(overlapHeader);
  if (!d.frags.join(p, p.ipVersion, p.src, p.dst, p.proto, p.fragId)) return d.fail(withoutFirst);
  p.l4Off = -1;
  p.payOff = off;
  p.payLen = end - off;
  return true;
}
