/**
 * HTTP tracker requests (BEP 3 "Trackers", BEP 48 scrape): a GET whose query carries `info_hash`, the
 * torrent's 20-byte hash percent-encoded, with (for an announce) `peer_id` (20 bytes) and `port`, and
 * optionally `event`, `numwant`, `compact`. The path is the tracker's business (`/announce` is only
 * a habit), so the decision rests on the parameters: a URL that merely says "announce" is not a
 * tracker request, and neither is an info_hash that does not decode to 20 bytes.
 */
import type { Flow } from '../../flow/flow.js';
import { AppStat } from '../anomalies.js';
import type { AppContext } from '../context.js';
import type { HttpRequestHead } from '../http/request.js';
import type { DirParser } from '../parser.js';
import type { BtTrackerEvent } from './events.js';
import { stampOf } from './stamp.js';
import { boundString, hex, peerIdText } from './text.js';
import { TrackerResponseDirection } from './tracker-response.js';

/** Longest request target and User-Agent carried in a fact. */
export const MAX_TARGET = 1024;
export const USER_AGENT_MAX = 256;
/** Query parameters read, and info hashes kept (a scrape may name many). */
const MAX_PARAMS = 64;
const MAX_HASHES = 16;

export type TrackerRequest = Omit<BtTrackerEvent, 'kind' | 'dir' | 'at'>;

/** Percent-decode a query value to bytes (at most `max`); undefined on a bad escape or when longer. */
export function percentBytes(s: string, max: number): Uint8Array | undefined {
  const out = new Uint8Array(max);
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    if (n >= max) return undefined;
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const h = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out[n++] = parseInt(h, 16);
      i += 2;
    } else if (c > 0x20 && c < 0x7f) {
      out[n++] = c;
    } else {
      return undefined;
    }
  }
  return out.subarray(0, n);
}

function queryOf(target: string): { path: string; params: [string, string][] } {
  let t = target;
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/?#]*/.exec(t);
  if (m) t = t.slice(m[0].length) || '/';
  const hash = t.indexOf('#');
  if (hash >= 0) t = t.slice(0, hash);
  const q = t.indexOf('?');
  const path = q >= 0 ? t.slice(0, q) : t;
  const params: [string, string][] = [];
  if (q >= 0) {
    for (const part of t.slice(q + 1).split('&', MAX_PARAMS)) {
      const eq = part.indexOf('=');
      if (eq > 0) params.push([part.slice(0, eq), part.slice(eq + 1)]);
    }
  }
  return { path, params };
}

/** The tracker request in an HTTP request head, or undefined when it is not one. */
export function trackerRequestOf(h: HttpRequestHead): TrackerRequest | undefined {
  if (h.method !== 'GET' || !h.target.includes('info_hash=')) return undefined;
  const { path, params } = queryOf(h.target);
  const hashes: string[] = [];
  let peerId: string | undefined;
  let port: number | undefined;
  let event: string | undefined;
  let numwant: number | undefined;
  let compact: boolean | undefined;
  for (const [k, v] of params) {
    if (k === 'info_hash') {
      const b = percentBytes(v, 20);
      if (!b || b.length !== 20) return undefined;
      if (hashes.length < MAX_HASHES) hashes.push(hex(b));
    } else if (k === 'peer_id') {
      const b = percentBytes(v, 20);
      if (b && b.length === 20) peerId = peerIdText(b, 0, 20);
    } else if (k === 'port' && /^\d{1,5}$/.test(v) && Number(v) <= 65535) {
      port = Number(v);
    } else if (k === 'event' && /^[a-z]{0,16}$/.test(v)) {
      event = v;
    } else if (k === 'numwant' && /^-?\d{1,6}$/.test(v)) {
      numwant = Number(v);
    } else if (k === 'compact' && (v === '0' || v === '1')) {
      compact = v === '1';
    }
  }
  if (!hashes.length) return undefined;
  const last = path.slice(path.lastIndexOf('/') + 1);
  const scrape = last.startsWith('scrape');
  // An announce identifies the peer; a scrape needs only hashes.
  if (!scrape && (peerId === undefined || port === undefined)) return undefined;
  const out: TrackerRequest = {
    transport: 'http',
    action: scrape ? 'scrape' : 'announce',
    infoHashes: hashes,
    target: boundString(h.target, MAX_TARGET),
    path: boundString(path, MAX_TARGET),
  };
  if (peerId !== undefined) out.peerId = peerId;
  if (port !== undefined) out.port = port;
  if (event !== undefined) out.event = event;
  if (numwant !== undefined) out.numwant = numwant;
  if (compact !== undefined) out.compact = compact;
  if (h.host !== undefined) out.host = boundString(h.host, 255);
  if (h.userAgent !== undefined) out.userAgent = boundString(h.userAgent, USER_AGENT_MAX);
  return out;
}

/**
 * An HTTP request head seen on `flow` (direction `dir`): when it is a tracker request, report it and
 * return the reader for the tracker's answer (for the opposite direction); else undefined.
 */
export function httpTrackerRequest(ctx: AppContext, flow: Flow, h: HttpRequestHead, dir: number): DirParser | undefined {
  const t = trackerRequestOf(h);
  if (!t) return undefined;
  ctx.counters.stat(AppStat.bt_tracker_messages);
  ctx.emit(flow, { kind: 'bt-tracker', dir, at: stampOf(ctx), ...t });
  return new TrackerResponseDirection(ctx, flow, 1 - dir);
}
