/**
 * The UDP tracker protocol (BEP 15). Requests (client -> tracker) and responses, all big-endian:
 *
 *   connect     request  protocol_id 0x41727101980 (8), action 0, transaction_id        = 16 bytes
 *               response action 0, transaction_id, connection_id (8)                     = 16 bytes
 *   announce    request  connection_id, action 1, transaction_id, info_hash (20), peer_id (20),
 *                        downloaded, left, uploaded (8 each), event, IP, key, num_want (4 each),
 *                        port (2)                                                         = 98 bytes (+ BEP 41 options)
 *               response action 1, transaction_id, interval, leechers, seeders, then peers of
 *                        6 bytes (IPv4) or 18 bytes (when the tracker was reached over IPv6)
 *   scrape      request  connection_id, action 2, transaction_id, info_hash * n
 *               response action 2, transaction_id, (seeders, completed, leechers) * n
 *   error       response action 3, transaction_id, message
 *
 * The connect request's fixed protocol id is what makes a flow a tracker flow; after that, each
 * response must carry the transaction id of a request the client sent.
 */
import { u16, u32 } from '../../util/bytes.js';
import { compactPeers } from './compact.js';
import type { BtPeerAddress } from './events.js';
import { boundedText, hex, peerIdText } from './text.js';

export const CONNECT_LEN = 16;
export const ANNOUNCE_LEN = 98;
const PROTOCOL_HI = 0x417;
const PROTOCOL_LO = 0x27101980;
const MAX_SCRAPE_HASHES = 74;
const MAX_ERROR_TEXT = 128;
export const EVENTS = ['none', 'completed', 'started', 'stopped'] as const;

export function isConnectRequest(b: Uint8Array, off: number, len: number): boolean {
  return len >= CONNECT_LEN && u32(b, off) === PROTOCOL_HI && u32(b, off + 4) === PROTOCOL_LO && u32(b, off + 8) === 0;
}

export type UdpTrackerRequest =
  | { action: 'connect'; tid: number }
  | { action: 'announce'; tid: number; infoHash: string; peerId: string; event: string; numwant: number; port: number }
  | { action: 'scrape'; tid: number; infoHashes: string[] };

export type UdpTrackerResponse =
  | { action: 'connect'; tid: number }
  | { action: 'announce'; tid: number; interval: number; leechers: number; seeders: number; peers: BtPeerAddress[]; peerCount: number }
  | { action: 'scrape'; tid: number; seeders: number; leechers: number }
  | { action: 'error'; tid: number; message: string };

/** A client datagram of a tracker flow, or undefined when it is none of the requests. */
export function parseUdpTrackerRequest(b: Uint8Array, off: number, len: number): UdpTrackerRequest | undefined {
  if (len < CONNECT_LEN) return undefined;
  const action = u32(b, off + 8);
  const tid = u32(b, off + 12);
  if (action === 0) return isConnectRequest(b, off, len) && len === CONNECT_LEN ? { action: 'connect', tid } : undefined;
  if (action === 1) {
    if (len < ANNOUNCE_LEN) return undefined;
    const ev = u32(b, off + 80);
    if (ev > 3) return undefined;
    const numwant = u32(b, off + 92) | 0;
    return {
      action: 'announce',
      tid,
      infoHash: hex(b, off + 16, 20),
      peerId: peerIdText(b, off + 36, 20),
      event: EVENTS[ev],
      numwant,
      port: u16(b, off + 96),
    };
  }
  if (action === 2) {
    const n = (len - CONNECT_LEN) / 20;
    if (!Number.isInteger(n) || n < 1 || n > MAX_SCRAPE_HASHES) return undefined;
    const infoHashes: string[] = [];
    for (let i = 0; i < n && i < 16; i++) infoHashes.push(hex(b, off + CONNECT_LEN + i * 20, 20));
    return { action: 'scrape', tid, infoHashes };
  }
  return undefined;
}

/** A tracker datagram; `v6`: the flow is IPv6 (announce peers are then 18 bytes each). */
export function parseUdpTrackerResponse(b: Uint8Array, off: number, len: number, v6: boolean): UdpTrackerResponse | undefined {
  if (len < 8) return undefined;
  const action = u32(b, off);
  const tid = u32(b, off + 4);
  if (action === 0) return len === CONNECT_LEN ? { action: 'connect', tid } : undefined;
  if (action === 1) {
    if (len < 20) return undefined;
    const c = compactPeers(b.subarray(off + 20, off + len), v6 ? 18 : 6);
    if (!c) return undefined;
    return { action: 'announce', tid, interval: u32(b, off + 8), leechers: u32(b, off + 12), seeders: u32(b, off + 16), peers: c.peers, peerCount: c.count };
  }
  if (action === 2) {
    if ((len - 8) % 12 !== 0) return undefined;
    let seeders = 0;
    let leechers = 0;
    for (let p = off + 8; p < off + len; p += 12) {
      seeders += u32(b, p);
      leechers += u32(b, p + 8);
    }
    return { action: 'scrape', tid, seeders, leechers };
  }
  if (action === 3) return { action: 'error', tid, message: boundedText(b, off + 8, len - 8, MAX_ERROR_TEXT) };
  return undefined;
}
