/**
 * BitTorrent's UDP protocols as the app layer's UdpProtocol entries (../udp-protocols.ts lists them
 * after QUIC), each claiming a flow by its first datagram: a valid KRPC message (DHT), the UDP tracker
 * connect request's protocol id, an LSD `BT-SEARCH`, or a well-formed uTP header (the weakest claim:
 * the session decides over more packets). All open the same session, since a client's one UDP socket
 * carries them all.
 */
import type { UdpProtocol } from '../udp-session.js';
import { mayBeKrpc, parseKrpc } from './krpc.js';
import { isLsd } from './lsd.js';
import { isConnectRequest } from './udp-tracker.js';
import { BtUdpSession } from './udp-session.js';
import { mayBeUtp } from './utp.js';

const open: UdpProtocol['open'] = (flow, ctx) => new BtUdpSession(flow, ctx);

export const BITTORRENT_UDP: readonly UdpProtocol[] = [
  { name: 'bittorrent-dht', claims: (b, o, l) => mayBeKrpc(b, o, l) && !('error' in parseKrpc(b, o, l)), open },
  { name: 'bittorrent-udp-tracker', claims: isConnectRequest, open },
  { name: 'bittorrent-lsd', claims: isLsd, open },
  { name: 'bittorrent-utp', claims: mayBeUtp, open },
];
