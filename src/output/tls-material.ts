import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { createSecureContext, type ConnectionOptions } from 'node:tls';
import { UserError } from '../util/errors.js';

/**
 * TLS client settings shared by every output that speaks TLS (syslog+tls, RELP, rediss, NATS): the
 * receiver's certificate is verified against the given CA (or the system's CAs) and its name against
 * `servername` (default: the host, when it is a name) unless the user turns verification off
 * explicitly; a client certificate and key are sent when given (mutual TLS). TLS 1.2 or newer.
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

/**
 * node:tls connection options for `host:port`, with the PEM files read and checked now: a missing
 * file or a key that does not match its certificate fails at start-up (one line naming `who`), not
 * at every reconnect.
 */
export function tlsClientOptions(who: string, host: string, port: number, o: TlsOptions): ConnectionOptions & { servername?: string } {
  if ((o.cert === undefined) !== (o.key === undefined)) throw new UserError(`${who}: cert and key go together (give both or neither)`);
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
    base.secureContext = createSecureContext({ ca: base.ca, cert: base.cert, key: base.key, minVersion: 'TLSv1.2' });
  } catch (err) {
    throw new UserError(`${who}: bad TLS material: ${(err as Error).message}`);
  }
  // SNI must be a name (RFC 6066 3); for an IP target, verification checks the IP SANs instead.
  const servername = o.servername ?? (isIP(host) ? undefined : host);
  if (servername) base.servername = servername;
  return base;
}

/** Whether a socket error is about TLS (a certificate, a handshake): logged as an error, not a warning. */
export function isTlsProblem(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO|TLS|SSL/i.test(code);
}
