import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ListenAddress } from './address.js';
import { CONTENT_TYPE } from './prometheus.js';

export interface MetricsHandlers {
  /** The Prometheus text for GET /metrics. */
  metrics(): string;
  /** Whether the daemon is healthy (GET /healthz: 200, else 503), with a reason. */
  health(): { ok: boolean; detail: Record<string, unknown> };
}

/**
 * The metrics endpoint (node:http, no framework): GET /metrics in the Prometheus text format, GET
 * /healthz for container health checks. Anything else is 404 (405 for other methods). Read-only.
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly address: { host: string; port: number },
  ) {}

  static async listen(at: ListenAddress, h: MetricsHandlers): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      let status = 200;
      let type = CONTENT_TYPE;
      let body: string;
      if (path === '/metrics') {
        body = h.metrics();
      } else if (path === '/healthz') {
        const r = h.health();
        status = r.ok ? 200 : 503;
        type = 'application/json';
        body = JSON.stringify({ status: r.ok ? 'ok' : 'unhealthy', ...r.detail }) + '\n';
      } else {
        status = 404;
        type = 'text/plain; charset=utf-8';
        body = 'not found: try /metrics or /healthz\n';
      }
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
    // A scraper that never finishes its request must not hold sockets open for ever.
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    return new MetricsServer(server, { host: a.address, port: a.port });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
