import { BITTORRENT_UDP } from './bittorrent/udp-protocols.js';
import { looksLikeQuicInitial, QuicSession } from './quic/session.js';
import type { UdpProtocol } from './udp-session.js';
import { claimsWebRtc, WebRtcSession } from './webrtc/session.js';

/**
 * UDP protocols read on any port (DNS on port 53 is handled before these), in the order they are asked
 * about a flow's first datagram with payload. The first that claims it gets the flow; a flow no one
 * claims is not inspected further.
 */
export const UDP_PROTOCOLS: readonly UdpProtocol[] = [
  {
    name: 'quic',
    claims: (buf, off, len) => looksLikeQuicInitial(buf, off, len),
    open: (flow, ctx) => new QuicSession(flow, ctx),
  },
  // DHT, UDP tracker, LSD, uTP (bittorrent/udp-protocols.ts), uTP last: its claim is the weakest.
  ...BITTORRENT_UDP,
  {
    // STUN and DTLS on one flow, as WebRTC multiplexes them (RFC 7983): ICE servers, peers, Snowflake.
    name: 'webrtc',
    claims: (buf, off, len) => claimsWebRtc(buf, off, len),
    open: (flow, ctx) => new WebRtcSession(flow, ctx),
  },
];
