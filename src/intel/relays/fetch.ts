import http from 'node:http';
import https from 'node:https';
import { gunzipSync, inflateSync } from 'node:zlib';

export interface HttpGetOptions {
  /** Conditional request headers from the cached copy. */
  etag?: string;
  lastModified?: string;
  timeoutMs?: number;
  /** Cap on the body, compressed and decompressed (a relay list is tens of MB at most). */
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

export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024;
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
      const chunks: Buffer[] = [];
      let got = 0;
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (got > max) {
          res.destroy(new Error(`response exceeds the ${max}-byte cap`));
          return;
        }
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        if (!res.complete) {
          reject(new Error('connection closed before the whole response arrived'));
          return;
        }
        try {
          let body = Buffer.concat(chunks);
          const enc = header(res.headers['content-encoding'])?.toLowerCase();
          if (enc === 'gzip' || enc === 'x-gzip') body = gunzipSync(body, { maxOutputLength: max });
          else if (enc === 'deflate') body = inflateSync(body, { maxOutputLength: max });
          else if (enc && enc !== 'identity') throw new Error(`unsupported content-encoding ${enc}`);
          resolve({ result: { status: 200, body, etag: header(res.headers.etag), lastModified: header(res.headers['last-modified']) } });
        } catch (err) {
          // zlib reports the output cap as a RangeError about Buffer sizes; say what it means.
          reject(err instanceof RangeError ? new Error(`decompressed response exceeds the ${max}-byte cap`) : err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.on('error', reject);
  });
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
