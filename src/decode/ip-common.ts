import { IpProto, type Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';

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
