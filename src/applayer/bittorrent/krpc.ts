/**
 * KRPC, the Mainline DHT's message format (BEP 5): one bencoded dictionary per UDP datagram,
 *
 *   t  transaction id (string)        y  'q' query, 'r' response, 'e' error
 *   v  client version (4-byte string: a BEP 20 client code and two version bytes)
 *   q  method + a  arguments {id, target | info_hash, port, implied_port, token}
 *   r  response {id, nodes (26-byte contacts), nodes6 (38, BEP 32), values (6/18-byte peers),
 *      token, samples/num/interval (BEP 51 sample_infohashes)}
 *   e  [code, message]
 *
 * A message needs `y` and its part (a query needs `q` and `a` with a 20-byte `id`; a response `r`
 * with a 20-byte `id`; an error a list starting with an integer code). A message without `t` is still
 * one (Suricata logs it too) but is counted as malformed. Wrong-length node lists are skipped, also
 * counted; nothing else is guessed.
 */
import { AppAnomaly } from '../anomalies.js';
import { bytesAt, decodeBencode, dictAt, intAt, listAt, type BDict } from './bencode.js';
import { compactNodeCount, contactAt, MAX_PEERS_PER_MESSAGE } from './compact.js';
import type { BtDhtEvent, BtPeerAddress } from './events.js';
import { boundedText, hex } from './text.js';

export type KrpcMessage = Omit<BtDhtEvent, 'kind' | 'dir'>;

/** A message with `soft` = an anomaly id to count (or -1), or a message that is not KRPC. */
export type KrpcResult = { msg: KrpcMessage; soft: number } | { error: number };

/** Longest transaction id reported (real ones are 2-4 bytes). */
export const MAX_TID = 16;
/** Longest method name accepted (BEP 5/44/51 names are under 20 characters). */
export const MAX_METHOD = 32;
export const MAX_ERROR_TEXT = 128;

/** Whether a datagram could be KRPC at all (a dictionary whose first key is a short string): the cheap first test. */
export function mayBeKrpc(b: Uint8Array, off: number, len: number): boolean {
  return len >= 12 && b[off] === 0x64 && b[off + 1] >= 0x31 && b[off + 1] <= 0x39 && b[off + 2] === 0x3a;
}

const ID_LEN = 20;

function id20(d: BDict, key: string): string | undefined {
  const v = bytesAt(d, key);
  return v && v.length === ID_LEN ? hex(v) : undefined;
}

function printableName(b: Uint8Array): boolean {
  if (b.length === 0 || b.length > MAX_METHOD) return false;
  for (let i = 0; i < b.length; i++) if (b[i] < 0x21 || b[i] > 0x7e) return false;
  return true;
}

export function parseKrpc(buf: Uint8Array, off: number, len: number): KrpcResult {
  const r = decodeBencode(buf, off, off + len);
  if ('error' in r) return { error: AppAnomaly[r.error] };
  const top = r.value;
  if (!(top instanceof Map)) return { error: AppAnomaly['bittorrent.bad_krpc'] };
  const y = bytesAt(top, 'y');
  if (!y || y.length !== 1 || (y[0] !== 0x71 && y[0] !== 0x72 && y[0] !== 0x65)) return { error: AppAnomaly['bittorrent.bad_krpc'] };
  let soft = r.unsorted ? AppAnomaly['bittorrent.bad_bencode'] : -1;
  const msg: KrpcMessage = { y: y[0] === 0x71 ? 'q' : y[0] === 0x72 ? 'r' : 'e', values: [], nodes: 0 };

  const t = bytesAt(top, 't');
  if (t) msg.t = hex(t, 0, Math.min(t.length, MAX_TID));
  else soft = AppAnomaly['bittorrent.bad_krpc'];
  const v = bytesAt(top, 'v');
  if (v && v.length > 0) {
    msg.v = hex(v, 0, Math.min(v.length, MAX_TID));
    if (v.length >= 2 && isCodeChar(v[0]) && isCodeChar(v[1])) msg.vCode = String.fromCharCode(v[0], v[1]);
  }

  if (msg.y === 'q') {
    const q = bytesAt(top, 'q');
    const a = dictAt(top, 'a');
    if (!q || !printableName(q) || !a) return { error: AppAnomaly['bittorrent.bad_krpc'] };
    msg.q = String.fromCharCode(...q);
    msg.id = id20(a, 'id');
    if (msg.id === undefined) return { error: AppAnomaly['bittorrent.bad_krpc'] };
    msg.target = id20(a, 'target');
    msg.infoHash = id20(a, 'info_hash');
    const port = intAt(a, 'port');
    if (port !== undefined && port >= 0 && port <= 65535) msg.port = port;
    const implied = intAt(a, 'implied_port');
    if (implied !== undefined) msg.impliedPort = implied !== 0;
  } else if (msg.y === 'r') {
    const resp = dictAt(top, 'r');
    if (!resp) return { error: AppAnomaly['bittorrent.bad_krpc'] };
    msg.id = id20(resp, 'id');
    if (msg.id === undefined) return { error: AppAnomaly['bittorrent.bad_krpc'] };
    for (const [key, v6] of [['nodes', false], ['nodes6', true]] as const) {
      const n = bytesAt(resp, key);
      if (!n) continue;
      const c = compactNodeCount(n, v6);
      if (c < 0) soft = AppAnomaly['bittorrent.bad_krpc'];
      else msg.nodes += c;
    }
    const values = listAt(resp, 'values');
    if (values) {
      const peers: BtPeerAddress[] = [];
      for (const p of values) {
        if (!(p instanceof Uint8Array) || (p.length !== 6 && p.length !== 18)) {
          soft = AppAnomaly['bittorrent.bad_krpc'];
          continue;
        }
        if (peers.length < MAX_PEERS_PER_MESSAGE) peers.push(contactAt(p, 0, p.length === 18));
      }
      msg.values = peers;
    }
    const samples = bytesAt(resp, 'samples');
    if (samples && samples.length % ID_LEN === 0) msg.samples = samples.length / ID_LEN;
  } else {
    const e = listAt(top, 'e');
    if (!e || typeof e[0] !== 'number') return { error: AppAnomaly['bittorrent.bad_krpc'] };
    msg.errorCode = e[0];
    const text = e[1];
    if (text instanceof Uint8Array) msg.errorMessage = boundedText(text, 0, text.length, MAX_ERROR_TEXT);
  }
  return { msg, soft };
}

function isCodeChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x7e || c === 0x2d;
}
