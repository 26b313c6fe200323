import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate, gunzip } from 'node:zlib';

export interface HttpGetOptions {
  /** Conditional request headers from the cached copy. */
  etag?: string;
  lastModified?: string;
  timeoutMs?: number;
  /** Cap on the body, compressed and decompressed (DEFAULT_MAX_BYTES). */
  maxBytes?: number;
  /** Extra CA certificates (tests with a local HTTPS server; users set NODE_EXTRA_CA_CERTS). */
  ca?: string | Buffer;
  userAgent?: string;
  /** Abandon the request (the daemon is stopping): it rejects at once. */
  signal?: AbortSignal;
}

export interface HttpGetResult {
  /** 200 with a body, or 304 (not modified since the cached copy). */
  status: 200 | 304;
  body?: Buffer;
  etag?: string;
  lastModified?: string;
  /** The URL the body came from after redirects. */
  finalUrl: string;
}

/**
 * The largest relay list accepted, compressed or decompressed. The largest real lists in
 * ../shared/data/tor are under 1 MB (ling0x's all-relays CSV: 916 KB; a 2019 microdescriptor
 * consensus: 184 KB), and Onionoo's details for every relay about 20 MB: 64 MiB leaves room for
 * years of growth, while a gzip bomb is stopped after 64 MiB, not 512.
 */
export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/**
 * GET a relay list over HTTP(S): gzip/deflate accepted, redirects followed (at most 5, never from
 * https to http), a whole-request timeout and a size cap. Any other status is an error whose message
 * says what happened (the caller adds the URL and falls back to the disk cache).
 */
export async function httpGet(url: string, o: HttpGetOptions = {}): Promise<HttpGetResult> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const r = await requestOnce(current, o);
    if (r.redirect === undefined) return { ...r.result!, finalUrl: current };
    const next = new URL(r.redirect, current);
    if (new URL(current).protocol === 'https:' && next.protocol !== 'https:') throw new Error(`redirect from https to ${next.protocol} refused`);
    current = next.toString();
  }
  throw new Error(`more than ${MAX_REDIRECTS} redirects`);
}

function requestOnce(url: string, o: HttpGetOptions): Promise<{ redirect?: string; result?: Omit<HttpGetResult, 'finalUrl'> }> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return Promise.reject(new Error(`unsupported URL scheme ${u.protocol}`));
  const max = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const headers: Record<string, string> = {
    'accept-encoding': 'gzip, deflate',
    'user-agent': o.userAgent ?? 'torwatch',
  };
  if (o.etag) headers['if-none-match'] = o.etag;
  if (o.lastModified) headers['if-modified-since'] = o.lastModified;
  const lib = u.protocol === 'https:' ? https : http;
  const timeoutMs = o.timeoutMs ?? 60_000;
  if (o.signal?.aborted) return Promise.reject(new Error('fetch abandoned: torwatch is stopping'));
  return new Promise((resolveOuter, rejectOuter) => {
    // A whole-request deadline: a server that trickles bytes must not hold a refresh forever.
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`)), timeoutMs);
    const onAbort = (): void => {
      req.destroy(new Error('fetch abandoned: torwatch is stopping'));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const done = (): void => {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    };
    const resolve = (v: { redirect?: string; result?: Omit<HttpGetResult, 'finalUrl'> }): void => {
      done();
      resolveOuter(v);
    };
    const reject = (e: Error): void => {
      done();
      rejectOuter(e);
    };
    const req = lib.get(u, { headers, ...(o.ca && u.protocol === 'https:' ? { ca: o.ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && status !== 304 && res.headers.location) {
        res.resume();
        resolve({ redirect: res.headers.location });
        return;
      }
      if (status === 304) {
        res.resume();
        resolve({ result: { status: 304, etag: header(res.headers.etag), lastModified: header(res.headers['last-modified']) } });
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new Error(`HTTP ${status}${res.statusMessage ? ' ' + res.statusMessage : ''}`));
        return;
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > max) {
        res.destroy();
        reject(new Error(`response of ${declared} bytes exceeds the ${max}-byte cap`));
        return;
      }
      // Streamed: compressed bytes are counted as they come, decompressed in zlib's thread pool (never
      // on the packet path), and the decompressed size is checked per chunk, so a gzip bomb is cut off
      // at the cap instead of inflating in one synchronous call.
      const enc = header(res.headers['content-encoding'])?.toLowerCase();
      let body: Readable = res;
      if (enc === 'gzip' || enc === 'x-gzip') body = res.pipe(createGunzip());
      else if (enc === 'deflate') body = res.pipe(createInflate());
      else if (enc && enc !== 'identity') {
        res.destroy();
        reject(new Error(`unsupported content-encoding ${enc}`));
        return;
      }
      let raw = 0;
      res.on('data', (c: Buffer) => {
        raw += c.length;
        if (raw > max) fail(new Error(`response exceeds the ${max}-byte cap`));
      });
      const chunks: Buffer[] = [];
      let got = 0;
      let failed = false;
      const fail = (e: Error): void => {
        if (failed) return;
        failed = true;
        res.destroy();
        if (body !== res) body.destroy();
        reject(e);
      };
      body.on('data', (c: Buffer) => {
        got += c.length;
        if (got > max) {
          fail(new Error(`decompressed response exceeds the ${max}-byte cap`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', (e) => fail(e));
      if (body !== res) body.on('error', (e: Error & { code?: string }) => fail(new Error(`${enc} body is corrupt (${e.message})`)));
      body.on('end', () => {
        if (failed) return;
        if (!res.complete) {
          fail(new Error('connection closed before the whole response arrived'));
          return;
        }
        const text = Buffer.concat(chunks);
        const done = (b: Buffer): void => resolve({ result: { status: 200, body: b, etag: header(res.headers.etag), lastModified: header(res.headers['last-modified']) } });
        // A gzip file served as is (a .gz list): inflated here too, off the main thread and capped, so
        // nothing later inflates it synchronously.
        if (text.length >= 2 && text[0] === 0x1f && text[1] === 0x8b) {
          gunzip(text, { maxOutputLength: max }, (err, out) => {
            if (err) fail(err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? new Error(`decompressed response exceeds the ${max}-byte cap`) : new Error(`gzip body is corrupt (${err.message})`));
            else done(out);
          });
        } else done(text);
      });
    });
    req.on('error', reject);
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
