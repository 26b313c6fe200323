/**
 * Compact contact lists: peers as 6 bytes (IPv4 address, port; BEP 23) or 18 bytes (IPv6, BEP 7/32),
 * DHT nodes as a 20-byte node id followed by such a contact (26 or 38 bytes, BEP 5/32). Used by DHT
 * responses, tracker responses (HTTP and UDP) and PEX.
 */
import { u16, u32 } from '../../util/bytes.js';
import type { BtPeerAddress } from './events.js';

/** Peers kept from one list: enough to tie later connections to it, and a fixed cost per message. */
export const MAX_PEERS_PER_MESSAGE = 200;

/** The contact at `off` (6 or 18 bytes). Port 0 contacts are kept: the caller decides. */
export function contactAt(b: Uint8Array, off: number, v6: boolean): BtPeerAddress {
  if (!v6) return { version: 4, words: [0, 0, 0, u32(b, off)], port: u16(b, off + 4) };
  return { version: 6, words: [u32(b, off), u32(b, off + 4), u32(b, off + 8), u32(b, off + 12)], port: u16(b, off + 16) };
}

/**
 * Peers from a compact string of `size`-byte entries (6 or 18); undefined when the length is not a
 * multiple of the entry size. At most `max` are returned; `count` says how many there were.
 */
export function compactPeers(b: Uint8Array, size: 6 | 18, max = MAX_PEERS_PER_MESSAGE): { peers: BtPeerAddress[]; count: number } | undefined {
  if (b.length % size !== 0) return undefined;
  const count = b.length / size;
  const peers: BtPeerAddress[] = [];
  for (let i = 0; i < count && peers.length < max; i++) peers.push(contactAt(b, i * size, size === 18));
  return { peers, count };
}

/** How many nodes a compact node string holds (26- or 38-byte entries), or -1 when its length is wrong. */
export function compactNodeCount(b: Uint8Array, v6: boolean): number {
  const size = v6 ? 38 : 26;
  return b.length % size === 0 ? b.length / size : -1;
}
