import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

/**
 * A connected TCP or TLS socket, or a rejection: refused, unreachable, a TLS handshake that failed
 * (an unverifiable certificate included), or nothing within `timeoutMs`. Nagle is off: the outputs
 * write whole batches. The socket's own listeners are the caller's business once it resolves.
 */
export function connectSocket(host: string, port: number, tls: ConnectionOptions | undefined, timeoutMs: number, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortReason(signal));
    const s = tls ? tlsConnect(tls) : netConnect({ host, port });
    s.setNoDelay(true);
    const onAbort = (): void => fail(abortReason(signal!));
    const fail = (err: Error): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      s.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no connection within ${timeoutMs / 1000} s`)), timeoutMs);
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
    s.once('error', fail);
    s.once(tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      s.off('error', fail);
      resolve(s);
    });
  });
}

/** The error an aborted attempt ends with. */
export function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error('connection attempt abandoned');
}

/**
 * Run `fn` when `signal` aborts, until the returned function is called (the attempt is over):
 * how a transport tears down a half-open session when acked-output gives up on it.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => undefined;
  }
  signal.addEventListener('abort', fn, { once: true });
  return () => signal.removeEventListener('abort', fn);
}
