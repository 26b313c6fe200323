import { readFileSync } from 'node:fs';
import { isIP, type Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, type ConnectionOptions } from 'node:tls';
import { UserError } from '../util/errors.js';
import type { Connector } from './stream-output.js';

/**
 * Syslog over TLS (RFC 5425): octet-counted messages inside a TLS session, TLS 1.2 or newer. The
 * receiver's certificate is verified against the given CA (or the system's CAs) and its name
 * against `servername` (default: the host, when it is a name) unless the user turns verification
 * off explicitly. A client certificate and key are sent when given (mutual TLS, RFC 5425 5.2).
 */
export interface TlsOptions {
  /** PEM file(s) of the CA(s) that sign the receiver's certificate; default: Node's CA store. */
  ca?: string;
  /** PEM client certificate and its key (both or neither). */
  cert?: string;
  key?: string;
  /** Name to verify the receiver's certificate against (and send as SNI). */
  servername?: string;
  /** Verify the receiver's certificate (default true). */
  verify: boolean;
}

function readPem(what: string, path: string): Buffer {
  try {
    const b = readFileSync(path);
    if (!b.includes('-----BEGIN ')) throw new UserError(`${path}: ${what} is not a PEM file`);
    return b;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${path}: cannot read ${what} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export function tlsConnector(host: string, port: number, o: TlsOptions): Connector {
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UserError('syslog+tls: cert and key go together (give both or neither)');
  const base: ConnectionOptions = {
    host,
    port,
    minVersion: 'TLSv1.2',
    rejectUnauthorized: o.verify,
    ...(o.ca ? { ca: readPem('CA certificate', o.ca) } : {}),
    ...(o.cert ? { cert: readPem('client certificate', o.cert) } : {}),
    ...(o.key ? { key: readPem('client key', o.key) } : {}),
  };
  try {
    // Fail at start-up, not at every reconnect, on a key that does not match its certificate etc.
    base.secureContext = createSecureContext({ ca: base.ca, cert: base.cert, key: base.key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new UserError(`syslog+tls://${host}:${port}: bad TLS material: ${(err as Error).message}`);
  }
  // SNI must be a name (RFC 6066 3); for an IP target, verification checks the IP SANs instead.
  const servername = o.servername ?? (isIP(host) ? undefined : host);
  if (servername) base.servername = servername;
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
