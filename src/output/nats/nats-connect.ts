import { readFileSync } from 'node:fs';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import type { ConnectionOptions } from 'node:tls';
import { DeliveryError } from '../acked-transport.js';
import { abortReason, connectSocket, onAbort } from '../socket-connect.js';
import type { NatsAuth } from './nats-target.js';

export interface NatsConnectOptions {
  host: string;
  port: number;
  auth: NatsAuth;
  /** node:tls options (tls-material.ts) when `tls=true`. */
  tls?: ConnectionOptions;
  timeoutMs?: number;
}

/**
 * One NATS connection with the library's own reconnecting turned off: the output (acked-output.ts)
 * reconnects with its backoff and knows exactly what was confirmed, and the report reads once. An
 * authorization failure is a DeliveryError marked `config`.
 */
export async function connectNats(o: NatsConnectOptions, signal?: AbortSignal): Promise<NatsConnection> {
  await probeInfo(o.host, o.port, o.timeoutMs ?? 10_000, signal);
  // Loaded on first use: a replay or capture without a nats:// output never pays for the library.
  const { connect, credsAuthenticator } = await import('@nats-io/transport-node');
  const opts: NodeConnectionOptions = {
    servers: `${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}`,
    name: 'torwatch',
    reconnect: false,
    timeout: o.timeoutMs ?? 10_000,
    // Ping every 10 s, give up after 2 missed: a server that vanished without a FIN is noticed.
    pingInterval: 10_000,
    maxPingOut: 2,
  };
  if (o.auth.kind === 'user') Object.assign(opts, { user: o.auth.user, pass: o.auth.pass });
  if (o.auth.kind === 'token') opts.token = o.auth.token;
  if (o.auth.kind === 'creds') opts.authenticator = credsAuthenticator(readFileSync(o.auth.path));
  if (o.tls) {
    // The library passes these on to node:tls; ours are already read and checked (tls-material.ts).
    const { ca, cert, key, servername, rejectUnauthorized, minVersion } = o.tls;
    opts.tls = { ca, cert, key, servername, rejectUnauthorized, minVersion } as NonNullable<NodeConnectionOptions['tls']>;
  }
  try {
    return await connect(opts);
  } catch (err) {
    const msg = (err as Error).message;
    if (/authori[sz]ation|authentication|auth/i.test(msg)) throw new DeliveryError(`NATS refused the credentials: ${msg}`, { config: true });
    throw err;
  }
}

/**
 * Wait for the server's INFO line on a connection of our own first. The library's connect, given a
 * server that accepts and never speaks (frozen, or not NATS), rejects at its timeout but leaves that
 * socket open for good, which would keep torwatch from exiting; this probe can be abandoned cleanly.
 * (NATS servers send INFO in the clear before any TLS upgrade.)
 */
async function probeInfo(host: string, port: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const sock = await connectSocket(host, port, undefined, timeoutMs, signal);
  await new Promise<void>((resolve, reject) => {
    let got = '';
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      done();
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`the server at ${host}:${port} accepted but sent no NATS INFO within ${timeoutMs / 1000} s`)), timeoutMs).unref();
    const done = signal ? onAbort(signal, () => finish(abortReason(signal))) : () => undefined;
    sock.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (got.includes('\n')) finish(got.startsWith('INFO ') ? undefined : new DeliveryError(`${host}:${port} is not a NATS server (it said ${JSON.stringify(got.slice(0, 40))})`, { config: true }));
    });
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(new Error('connection closed before the server said INFO')));
  });
}
