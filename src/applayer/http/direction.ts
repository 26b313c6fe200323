import { growFor } from '../grow.js';
import { AppAnomaly } from '../anomalies.js';
import { DIR_DONE, type DirParser } from '../parser.js';
import { headEnd, parseRequestHead, type HttpRequestHead } from './request.js';

export interface HttpHooks {
  request(head: HttpRequestHead, dir: number): void;
  /** A CONNECT request: returns the parser for the client's side of the tunnel that follows. */
  tunnel(dir: number): DirParser | null;
  anomaly(id: number): void;
  reserve(n: number): boolean;
  release(n: number): void;
}

/** Longest request head buffered (Suricata/Apache default limits are of this order). */
export const MAX_HEAD = 8192;
/** Requests read per connection (keep-alive); the stream depth bounds it too. */
export const MAX_REQUESTS = 32;

/**
 * The client side of an HTTP/1.x connection: request heads, one after another on a persistent
 * connection, skipping bodies framed by Content-Length. A chunked body ends inspection (rare in
 * requests; following it is not worth the code); CONNECT hands the direction to the tunnel's parser.
 */
export class HttpRequestDirection implements DirParser {
  next: DirParser | null = null;
  private head: Uint8Array | null = null;
  private fill = 0;
  private bodyLeft = 0;
  private requests = 0;

  constructor(private readonly hooks: HttpHooks, readonly dir: number) {}

  push(buf: Uint8Array, off: number, len: number): number {
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, end - p);
        this.bodyLeft -= n;
        p += n;
        continue;
      }
      if (this.fill === 0) {
        const e = headEnd(buf, p, Math.min(end, p + MAX_HEAD));
        if (e >= 0) {
          const r = this.onHead(buf, p, e);
          if (r === DIR_DONE) return DIR_DONE;
          p = e;
          if (r === HANDOVER) return p - off;
          continue;
        }
        if (end - p >= MAX_HEAD) return this.tooLong();
      }
      const n = Math.min(MAX_HEAD - this.fill, end - p);
      const grown = growFor(this.head, this.fill, this.fill + n, MAX_HEAD, (k) => this.hooks.reserve(k));
      if (!grown) {
        this.hooks.anomaly(AppAnomaly['stream.memcap']);
        return DIR_DONE;
      }
      const head = (this.head = grown);
      head.set(buf.subarray(p, p + n), this.fill);
      const from = Math.max(0, this.fill - 2);
      const before = this.fill;
      this.fill += n;
      const e = headEnd(head, from, this.fill);
      if (e < 0) {
        p += n;
        if (this.fill === MAX_HEAD) return this.tooLong();
        continue;
      }
      p += e - before;
      const r = this.onHead(head, 0, e);
      this.drop();
      if (r === DIR_DONE) return DIR_DONE;
      if (r === HANDOVER) return p - off;
    }
    return len;
  }

  close(): void {
    this.drop();
  }

  private drop(): void {
    if (this.head) this.hooks.release(this.head.length);
    this.head = null;
    this.fill = 0;
  }

  private tooLong(): number {
    this.hooks.anomaly(AppAnomaly['http.header_too_long']);
    return DIR_DONE;
  }

  private onHead(buf: Uint8Array, off: number, end: number): number {
    const r = parseRequestHead(buf, off, end);
    if ('error' in r) {
      this.hooks.anomaly(AppAnomaly[r.error]);
      return DIR_DONE;
    }
    const h = r.head;
    this.hooks.request(h, this.dir);
    if (h.method === 'CONNECT') {
      this.next = this.hooks.tunnel(this.dir);
      return this.next ? HANDOVER : DIR_DONE;
    }
    if (h.chunked || ++this.requests >= MAX_REQUESTS) return DIR_DONE;
    this.bodyLeft = h.contentLength ?? 0;
    return CONTINUE;
  }
}

const CONTINUE = 0;
const HANDOVER = 1;

/**
 * The server side of a CONNECT tunnel: skips the proxy's response head and, on a 2xx, hands over to
 * `then` (the parser for the tunnelled bytes); any other status ends inspection of this side.
 */
export class HttpConnectResponse implements DirParser {
  next: DirParser | null = null;
  private head: Uint8Array | null = null;
  private fill = 0;

  constructor(private readonly hooks: HttpHooks, private readonly then: () => DirParser) {}

  push(buf: Uint8Array, off: number, len: number): number {
    const n = Math.min(MAX_HEAD - this.fill, len);
    const grown = growFor(this.head, this.fill, this.fill + n, MAX_HEAD, (k) => this.hooks.reserve(k));
    if (!grown) return DIR_DONE;
    this.head = grown;
    this.head.set(buf.subarray(off, off + n), this.fill);
    const before = this.fill;
    this.fill += n;
    const e = headEnd(this.head, Math.max(0, before - 2), this.fill);
    if (e < 0) return this.fill === MAX_HEAD ? DIR_DONE : len;
    const status = /^HTTP\/\d\.\d (\d{3})/.exec(String.fromCharCode(...this.head.subarray(0, Math.min(e, 16))));
    if (!status || status[1][0] !== '2') return DIR_DONE;
    this.next = this.then();
    return e - before;
  }

  close(): void {
    if (this.head) this.hooks.release(this.head.length);
    this.head = null;
  }
}

/** Consumes and ignores one direction (kept alive only so a later CONNECT can take it over). */
export class DiscardDirection implements DirParser {
  next: DirParser | null = null;
  push(_buf: Uint8Array, _off: number, len: number): number {
    return len;
  }
  close(): void {}
}
