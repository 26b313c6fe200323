import { connect as netConnect, type Socket } from 'node:net';
import type { Connector } from './stream-output.js';

/**
 * Plain TCP to a syslog receiver (RFC 6587). Framing and delivery live in stream-output.ts; this
 * only opens the connection. Nagle is off: the pump already writes whole batches.
 */
export function tcpConnector(host: string, port: number): Connector {
  return {
    describe: `tcp ${host}:${port}`,
    readyEvent: 'connect',
    connect(): Socket {
      const s = netConnect({ host, port });
      s.setNoDelay(true);
      return s;
    },
  };
}
