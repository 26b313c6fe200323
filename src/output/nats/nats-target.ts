import { ACKED_KEYS, ackedParams, expandSensor, spoolName, TLS_KEYS, tlsParams, type AckedParams, type OutputDefaults } from '../target-common.js';
import { hostPort, Params, readSecretFile } from '../target-params.js';
import type { TlsOptions } from '../tls-material.js';

/**
 * `nats://[user:password@|token@]host[:4222]?subject=..`: NATS JetStream publish with
 * acknowledgement. `subject` (default `torwatch.alerts.{sensor}`) may hold `{sensor}` (a dot in the
 * sensor's name becomes `_`: a dot separates subject tokens). Authentication: user and password or a
 * token in the URL, `token-file`, or `creds` (a .creds file: JWT and NKey seed, as `nsc` writes it).
 * TLS with `tls=true` (ca, cert, key, servername, verify as for syslog+tls).
 */
export interface NatsTarget {
  kind: 'nats';
  target: string;
  host: string;
  port: number;
  /** The subject with {sensor} filled in, and as written (the report reads every sensor's subject). */
  subject: string;
  subjectTemplate: string;
  auth: NatsAuth;
  acked: AckedParams;
  tls?: TlsOptions;
}

export type NatsAuth =
  | { kind: 'none' }
  | { kind: 'user'; user: string; pass: string }
  | { kind: 'token'; token: string }
  | { kind: 'creds'; path: string };

const KEYS = [...ACKED_KEYS, ...TLS_KEYS, 'subject', 'token-file', 'creds'];
export const DEFAULT_NATS_SUBJECT = 'torwatch.alerts.{sensor}';

/** A NATS subject to publish to: dot-separated tokens, no spaces, no wildcards. */
export function checkSubject(s: string): string | undefined {
  if (s.length > 255) return 'is longer than 255 characters';
  if (!s.split('.').every((t) => /^[^\s*>.]+$/.test(t))) return 'is not a NATS subject to publish to (tokens separated by dots, no spaces, no * or >)';
  return undefined;
}

export function natsAuth(p: Params, u: URL): NatsAuth {
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const pass = u.password ? decodeURIComponent(u.password) : undefined;
  const tokenFile = p.str('token-file');
  const creds = p.str('creds');
  const given = [user !== undefined, tokenFile !== undefined, creds !== undefined].filter(Boolean).length;
  if (given > 1) throw p.error('give one way to authenticate: user:password@ or token@ in the URL, token-file, or creds');
  if (creds !== undefined) {
    readSecretFile(p, 'creds', creds); // readable now, not at the first reconnect
    return { kind: 'creds', path: creds };
  }
  if (tokenFile !== undefined) return { kind: 'token', token: readSecretFile(p, 'token-file', tokenFile) };
  if (user !== undefined && pass !== undefined) return { kind: 'user', user, pass };
  if (user !== undefined) return { kind: 'token', token: user };
  return { kind: 'none' };
}

export function parseNatsTarget(u: URL, target: string, d: OutputDefaults): NatsTarget {
  const p = new Params(target, u.searchParams, KEYS);
  const { host, port } = hostPort(u, p, 4222, 'nats://127.0.0.1:4222?subject=torwatch.alerts.{sensor}');
  const subjectTemplate = p.str('subject') ?? DEFAULT_NATS_SUBJECT;
  const subject = expandSensor(p, 'subject', subjectTemplate, d.sensor, (s) => s.replace(/[^A-Za-z0-9_-]/g, '_'));
  const bad = checkSubject(subject);
  if (bad) throw p.error(`subject '${subject}' ${bad}`);
  return {
    kind: 'nats', target, host, port, subject, subjectTemplate,
    auth: natsAuth(p, u),
    acked: ackedParams(p, d, spoolName('nats', host, port, subject), 256),
    tls: tlsParams(p),
  };
}
