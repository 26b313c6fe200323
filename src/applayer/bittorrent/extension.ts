/**
 * The extension protocol (BEP 10): message id 20, then an extended id; extended id 0 is the extension
 * handshake, a bencoded dictionary with `m` (extension name -> the id the sender wants to receive it
 * under), `v` (client name and version, UTF-8), `p` (listen port), `yourip`, `reqq`. Peer exchange
 * (BEP 11) is the extension named `ut_pex`: a dictionary whose `added` / `added6` are compact peers.
 */
import { bytesAt, decodeBencode, dictAt, intAt } from './bencode.js';
import { compactPeers } from './compact.js';
import type { BtPeerAddress } from './events.js';
import { boundedText } from './text.js';

/** Longest client name kept (`v`); real ones are under 40 bytes. */
export const MAX_CLIENT_NAME = 64;
/** Extension names reported per handshake. */
export const MAX_EXT_NAMES = 16;

export interface ExtHandshake {
  client?: string;
  port?: number;
  /** Extension names from `m` (at most MAX_EXT_NAMES, printable ones only). */
  names: string[];
  /** The id this side wants ut_pex messages sent under (0 or absent: none). */
  pexId?: number;
}

/** The extension handshake's payload (after the extended id byte), or undefined when it is not one. */
export function parseExtHandshake(buf: Uint8Array, off: number, len: number): ExtHandshake | undefined {
  const r = decodeBencode(buf, off, off + len);
  if ('error' in r || !(r.value instanceof Map)) return undefined;
  const d = r.value;
  const out: ExtHandshake = { names: [] };
  const m = dictAt(d, 'm');
  if (m) {
    for (const [name, v] of m) {
      if (out.names.length < MAX_EXT_NAMES && /^[\x21-\x7e]{1,32}$/.test(name)) out.names.push(name);
      if (name === 'ut_pex' && typeof v === 'number' && v > 0 && v < 256) out.pexId = v;
    }
  }
  const v = bytesAt(d, 'v');
  if (v && v.length) out.client = boundedText(v, 0, v.length, MAX_CLIENT_NAME);
  const p = intAt(d, 'p');
  if (p !== undefined && p > 0 && p <= 65535) out.port = p;
  return out;
}

/** A ut_pex message's payload: the peers added (IPv4 and IPv6), or undefined when it is not PEX. */
export function parsePex(buf: Uint8Array, off: number, len: number): BtPeerAddress[] | undefined {
  const r = decodeBencode(buf, off, off + len);
  if ('error' in r || !(r.value instanceof Map)) return undefined;
  const d = r.value;
  const added = bytesAt(d, 'added');
  const added6 = bytesAt(d, 'added6');
  if (!added && !added6 && !d.has('dropped') && !d.has('dropped6')) return undefined;
  const peers: BtPeerAddress[] = [];
  if (added) peers.push(...(compactPeers(added, 6)?.peers ?? []));
  if (added6) peers.push(...(compactPeers(added6, 18)?.peers ?? []));
  return peers;
}
