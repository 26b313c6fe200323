import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Connector } from './stream-output.js';
import { tlsClientOptions, type TlsOptions } from './tls-material.js';

export type { TlsOptions } from './tls-material.js';

/**
 * Syslog over TLS (RFC 5425): octet-counted messages inside a TLS session, TLS 1.2 or newer, the
 * receiver verified as tls-material.ts describes; a client certificate for mutual TLS (RFC 5425 5.2).
 */
export function tlsConnector(host: string, port: number, o: TlsOptions): Connector {
  const base = tlsClientOptions(`syslog+tls://${host}:${port}`, host, port, o);
  const servername = base.servername;
  return {
    describe: `tls ${host}:${port}${servername && servername !== host ? ` (${servername})` : ''}`,
    readyEvent: 'secureConnect',
    connect(): Socket {
      const s = tlsConnect(base);
      s.setNoDelay(true);
      return s;
    },
  };
}
