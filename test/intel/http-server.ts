import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tempDir } from './helpers.js';

/** What a path answers, changeable during a test (a failing, then recovering, server). */
export interface Route {
  status?: number;
  body?: string | Buffer;
  etag?: string;
  contentType?: string;
}

export interface TestServer {
  url: (path: string) => string;
  routes: Map<string, Route>;
  /** Requests seen: path and the conditional headers. */
  seen: { path: string; ifNoneMatch?: string; acceptEncoding?: string }[];
  close: () => Promise<void>;
}

/** A self-signed certificate for 127.0.0.1, made by openssl for this test run. */
export function testCertificate(): { key: Buffer; cert: Buffer; certPath: string } {
  const dir = tempDir('tw3-cert-');
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { key: readFileSync(key), cert: readFileSync(cert), certPath: cert };
}

/**
 * A relay-list server on loopback (HTTP, or HTTPS with `tls`): serves routes, honours If-None-Match
 * with 304 and gzips when asked, like onionoo.torproject.org does.
 */
export async function startServer(tls?: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const routes = new Map<string, Route>();
  const seen: TestServer['seen'] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    seen.push({ path, ifNoneMatch: req.headers['if-none-match'] as string | undefined, acceptEncoding: req.headers['accept-encoding'] as string | undefined });
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404).end('not found');
      return;
    }
    const status = r.status ?? 200;
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'text/html' }).end(r.body ?? `<html>error ${status}</html>`);
      return;
    }
    if (r.etag && req.headers['if-none-match'] === r.etag) {
      res.writeHead(304, { etag: r.etag }).end();
      return;
    }
    let body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body ?? Buffer.alloc(0);
    const headers: Record<string, string> = { 'content-type': r.contentType ?? 'text/plain' };
    if (r.etag) headers.etag = r.etag;
    if (/gzip/.test(String(req.headers['accept-encoding']))) {
      body = gzipSync(body);
      headers['content-encoding'] = 'gzip';
    }
    res.writeHead(200, headers).end(body);
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (p) => `${tls ? 'https' : 'http'}://127.0.0.1:${port}${p}`,
    routes,
    seen,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
