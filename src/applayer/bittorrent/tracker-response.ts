/**
 * A tracker's answer over HTTP (BEP 3, BEP 23 compact peers, BEP 7 `peers6`, BEP 48 scrape): the
 * server side of a connection whose request was a tracker request is read (bounded) instead of being
 * discarded. One response: the status line and headers (at most MAX_HEAD bytes), the body framed by
 * Content-Length, chunked encoding or the connection's end (at most MAX_BODY bytes), decompressed
 * when gzip or deflate (at most MAX_INFLATED bytes out: a bomb stops there), then read as bencode:
 *
 *   failure reason | interval, complete, incomplete, peers (compact string, or a list of {ip, port})
 *   and peers6 (18-byte entries) | files {info_hash: {complete, incomplete, downloaded}} for a scrape
 *
 * Reported as a `bt-tracker-response` fact; anything unreadable is the anomaly
 * bittorrent.bad_tracker_response. Memory is reserved from the app-layer budget as bytes arrive.
 */
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Flow } from '../../flow/flow.js';
import { latin1 } from '../../util/bytes.js';
import { parseIp } from '../../util/ip.js';
import { AppAnomaly } from '../anomalies.js';
import type { AppContext } from '../context.js';
import { headEnd } from '../http/request.js';
import { DIR_DONE, type DirParser } from '../parser.js';
import { bytesAt, decodeBencode, dictAt, intAt, listAt } from './bencode.js';
import { compactPeers, MAX_PEERS_PER_MESSAGE } from './compact.js';
import type { BtPeerAddress, BtTrackerResponseEvent } from './events.js';
import { boundedText } from './text.js';

export const MAX_HEAD = 8 * 1024;
export const MAX_BODY = 64 * 1024;
export const MAX_INFLATED = 256 * 1024;
const MAX_FAILURE_TEXT = 128;

const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_DATA = 3;
const S_CHUNK_CRLF = 4;
const S_DONE = 5;

export class TrackerResponseDirection implements DirParser {
  next: DirParser | null = null;
  private state = S_HEAD;
  /** The head so far, and the body so far (chunk framing removed): copies, reserved from the budget. */
  private head: Uint8Array[] = [];
  private headLen = 0;
  private body: Uint8Array[] = [];
  private bodyLen = 0;
  /** Body (or chunk) bytes still to come; -1: up to the connection's end. */
  private left = -1;
  private encoding = '';
  private chunkLine = '';

  constructor(private readonly ctx: AppContext, private readonly flow: Flow, private readonly dir: number) {}

  push(buf: Uint8Array, off: number, len: number): number {
    if (this.state !== S_HEAD) return this.bodyBytes(buf, off, len) ? len : DIR_DONE;
    const kept = Math.min(len, MAX_HEAD);
    if (!this.keep(buf.subarray(off, off + kept), true)) return DIR_DONE;
    const all = this.head.length === 1 ? this.head[0] : Buffer.concat(this.head, this.headLen);
    this.head = [all];
    const e = headEnd(all, 0, Math.min(all.length, MAX_HEAD));
    if (e < 0) return all.length >= MAX_HEAD ? this.fail() : len;
    const ok = this.readHead(latin1(all, 0, e));
    // What followed the head in this chunk: where it lies in the chunk, not in the copy.
    const restOff = off + kept - (all.length - e);
    this.dropHead();
    if (ok === 'other') {
      // A redirect or an error page: an answer, just not a tracker's.
      this.state = S_DONE;
      return DIR_DONE;
    }
    if (!ok) return this.fail();
    return restOff >= off + len || this.bodyBytes(buf, restOff, off + len - restOff) ? len : DIR_DONE;
  }

  close(): void {
    // A body framed by the connection's end is complete when the stream is.
    if (this.state === S_BODY && this.left < 0) this.decode();
    this.state = S_DONE;
    this.dropHead();
    this.dropBody();
  }

  private dropHead(): void {
    if (this.headLen) this.ctx.budget.release(this.headLen);
    this.head = [];
    this.headLen = 0;
  }

  private dropBody(): void {
    if (this.bodyLen) this.ctx.budget.release(this.bodyLen);
    this.body = [];
    this.bodyLen = 0;
  }

  /** Copy `b` into the head or the body, reserving it first; false (and done) when the budget refuses. */
  private keep(b: Uint8Array, head: boolean): boolean {
    if (b.length === 0) return true;
    if (!this.ctx.budget.reserve(b.length)) {
      this.ctx.counters.anomaly(AppAnomaly['stream.memcap']);
      this.close();
      return false;
    }
    if (head) {
      this.head.push(b.slice());
      this.headLen += b.length;
    } else {
      this.body.push(b.slice());
      this.bodyLen += b.length;
    }
    return true;
  }

  private fail(): number {
    this.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_tracker_response']);
    this.state = S_DONE;
    this.dropHead();
    this.dropBody();
    return DIR_DONE;
  }

  /** true: a 2xx head, body framing known; 'other': a well-formed non-2xx status; false: not HTTP. */
  private readHead(text: string): boolean | 'other' {
    const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
    const status = /^HTTP\/\d\.\d (\d)\d\d( |$)/.exec(lines[0]);
    if (!status) return false;
    if (status[1] !== '2') return 'other';
    let chunked = false;
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c <= 0) continue;
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim().toLowerCase();
      if (name === 'content-length') {
        if (!/^\d{1,9}$/.test(value)) return false;
        this.left = Number(value);
      } else if (name === 'transfer-encoding' && value.endsWith('chunked')) {
        chunked = true;
      } else if (name === 'content-encoding') {
        this.encoding = value;
      }
    }
    this.state = chunked ? S_CHUNK_SIZE : S_BODY;
    if (chunked) this.left = -1;
    if (this.state === S_BODY && this.left === 0) this.decode();
    return true;
  }

  /** Body bytes (chunk-framed when chunked); false when no more are wanted. */
  private bodyBytes(buf: Uint8Array, off: number, len: number): boolean {
    let p = off;
    const end = off + len;
    while (p < end && this.state !== S_DONE) {
      if (this.state === S_BODY || this.state === S_CHUNK_DATA) {
        const n = this.left >= 0 ? Math.min(this.left, end - p) : end - p;
        if (this.bodyLen + n > MAX_BODY) return this.fail() !== DIR_DONE;
        if (!this.keep(buf.subarray(p, p + n), false)) return false;
        p += n;
        if (this.left >= 0) this.left -= n;
        if (this.left !== 0) continue;
        if (this.state === S_BODY) {
          this.decode();
          return false;
        }
        this.state = S_CHUNK_CRLF;
        this.chunkLine = '';
        continue;
      }
      const c = buf[p++];
      if (c !== 0x0a) {
        if (this.chunkLine.length > 32) return this.fail() !== DIR_DONE;
        this.chunkLine += String.fromCharCode(c);
        continue;
      }
      const line = this.chunkLine.replace(/\r$/, '');
      this.chunkLine = '';
      if (this.state === S_CHUNK_CRLF) {
        if (line !== '') return this.fail() !== DIR_DONE;
        this.state = S_CHUNK_SIZE;
        continue;
      }
      const m = /^([0-9a-fA-F]{1,8})(;.*)?$/.exec(line);
      if (!m) return this.fail() !== DIR_DONE;
      const size = parseInt(m[1], 16);
      if (size === 0) {
        this.decode();
        return false;
      }
      this.left = size;
      this.state = S_CHUNK_DATA;
    }
    return this.state !== S_DONE;
  }

  private decode(): void {
    if (this.state === S_DONE) return;
    this.state = S_DONE;
    let body: Uint8Array = this.body.length === 1 ? this.body[0] : Buffer.concat(this.body, this.bodyLen);
    this.dropBody();
    try {
      if (this.encoding === 'gzip' || this.encoding === 'x-gzip') body = gunzipSync(body, { maxOutputLength: MAX_INFLATED });
      else if (this.encoding === 'deflate') body = inflateAny(body);
    } catch {
      this.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_tracker_response']);
      return;
    }
    // An inflated body is held while it is read: reserved like the bytes that arrived.
    const inflated = this.encoding ? body.length : 0;
    if (!this.ctx.budget.reserve(inflated)) {
      this.ctx.counters.anomaly(AppAnomaly['stream.memcap']);
      return;
    }
    const facts = trackerBodyFacts(body);
    this.ctx.budget.release(inflated);
    if (!facts) {
      this.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_tracker_response']);
      return;
    }
    this.ctx.emit(this.flow, { kind: 'bt-tracker-response', transport: 'http', dir: this.dir, ...facts });
  }
}

/** "deflate" is zlib-wrapped by the RFC, raw in some servers' hands. */
function inflateAny(body: Uint8Array): Uint8Array {
  try {
    return inflateSync(body, { maxOutputLength: MAX_INFLATED });
  } catch {
    return inflateRawSync(body, { maxOutputLength: MAX_INFLATED });
  }
}

export type TrackerResponseFacts = Omit<BtTrackerResponseEvent, 'kind' | 'transport' | 'dir'>;

/** A tracker's bencoded answer, or undefined when it is not one. */
export function trackerBodyFacts(body: Uint8Array): TrackerResponseFacts | undefined {
  const r = decodeBencode(body, 0, body.length);
  if ('error' in r || !(r.value instanceof Map)) return undefined;
  const d = r.value;
  const failure = bytesAt(d, 'failure reason');
  if (failure) return { action: 'error', peers: [], peerCount: 0, failure: boundedText(failure, 0, failure.length, MAX_FAILURE_TEXT) };
  const files = dictAt(d, 'files');
  if (files) {
    let seeders = 0;
    let leechers = 0;
    for (const v of files.values()) {
      if (!(v instanceof Map)) continue;
      seeders += intAt(v, 'complete') ?? 0;
      leechers += intAt(v, 'incomplete') ?? 0;
    }
    return { action: 'scrape', seeders, leechers, peers: [], peerCount: 0 };
  }
  const interval = intAt(d, 'interval');
  const peers: BtPeerAddress[] = [];
  let peerCount = 0;
  const compact = bytesAt(d, 'peers');
  if (compact) {
    const c = compactPeers(compact, 6);
    if (!c) return undefined;
    peers.push(...c.peers);
    peerCount += c.count;
  } else {
    for (const p of listAt(d, 'peers') ?? []) {
      if (!(p instanceof Map)) continue;
      const ip = bytesAt(p, 'ip');
      const port = intAt(p, 'port');
      if (!ip || ip.length > 64 || port === undefined || port < 0 || port > 65535) continue;
      const a = parseIp(latin1(ip, 0, ip.length));
      if (!a) continue;
      peerCount++;
      if (peers.length < MAX_PEERS_PER_MESSAGE) peers.push({ version: a.version, words: [...a.words], port });
    }
  }
  const p6 = bytesAt(d, 'peers6');
  if (p6) {
    const c = compactPeers(p6, 18, MAX_PEERS_PER_MESSAGE - peers.length);
    if (c) {
      peers.push(...c.peers);
      peerCount += c.count;
    }
  }
  if (interval === undefined && !compact && !d.has('peers') && !p6) return undefined;
  const out: TrackerResponseFacts = { action: 'announce', peers, peerCount };
  if (interval !== undefined) out.interval = interval;
  const seeders = intAt(d, 'complete');
  const leechers = intAt(d, 'incomplete');
  if (seeders !== undefined) out.seeders = seeders;
  if (leechers !== undefined) out.leechers = leechers;
  return out;
}
