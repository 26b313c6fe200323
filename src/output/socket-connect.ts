import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/**
 * A connected TCP or TLS socket, or a rejection: refused, unreachable, a TLS handshake that failed
 * (an unverifiable certificate included), or nothing within `timeoutMs`. Nagle is off: the outputs
 * write whole batches. The socket's own listeners are the caller's business once it resolves.
 */
export function connectSocket(host: string, port: number, tls: ConnectionOptions | undefined, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = tls ? tlsConnect(tls) : netConnect({ host, port });
    s.setNoDelay(true);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref();
    s.once('error', fail);
    s.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      s.off('error', fail);
      resolve(s);
    });
  });
}
