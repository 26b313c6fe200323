/**
 * BitTorrent facts for alerts, from the app layer's events (shared by the torrent-* rules): each side
 * of a peer connection, the client program named on the wire, and how a flow is described in a message.
 */
import type { BtPeerSide, BtStamp } from '../../applayer/bittorrent/events.js';
import type { Flow } from '../../flow/flow.js';
import type { BtEndpointFacts, ClientFact } from '../detection.js';
import { clientFromExtension, clientFromPeerId, clientLabel } from './torrent-clients.js';

/** The client a handshake names: the peer id's program, else the extension handshake's `v`. */
export function clientOfSide(s: BtPeerSide): ClientFact | undefined {
  return (s.peerId !== undefined ? clientFromPeerId(s.peerId) : undefined) ?? (s.extClient !== undefined ? clientFromExtension(s.extClient) : undefined);
}

export function endpointFacts(s: BtPeerSide): BtEndpointFacts {
  const out: BtEndpointFacts = {};
  if (s.peerId !== undefined) out.peerId = s.peerId;
  const c = clientOfSide(s);
  if (c) out.client = c;
  const ext = [s.ltep && 'ltep', s.dht && 'dht', s.fast && 'fast', s.v2 && 'v2'].filter((x): x is string => typeof x === 'string');
  if (ext.length) out.extensions = ext;
  if (s.extPort !== undefined) out.listenPort = s.extPort;
  return out;
}

/** Of two ends' clients, the one to name: the home side's, else the initiator's, else the other. */
export function homeClient(flow: Flow, src: ClientFact | undefined, dst: ClientFact | undefined): ClientFact | undefined {
  if (flow.bHome && !flow.aHome) return dst ?? src;
  return src ?? dst;
}

/** "198.51.100.5:6881" or "[2001:db8::5]:6881". */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function responderText(flow: Flow): string {
  return endpointText(flow.dstIp(), flow.bPort);
}

/** The finding's time fields from a stamp an event carried. */
export function stampFields(at: BtStamp): { tsSec: number; tsNsec: number; packet: number } {
  return { tsSec: at.tsSec, tsNsec: at.tsNsec, packet: at.packet };
}

/** Packet-clock milliseconds as ISO 8601 (evidence times in alerts). */
export function isoMs(ms: number): string {
  return new Date(Math.round(ms)).toISOString();
}

/** " (Transmission 3.00)" for messages, or nothing. */
export function clientSuffix(c: ClientFact | undefined): string {
  return c ? ` (${clientLabel(c)})` : '';
}
