import { natsAuth, type NatsAuth } from '../output/nats/nats-target.js';
import { DEFAULT_REDIS_KEY, redisKnownKeys, redisServer, type RedisServer } from '../output/redis/redis-target.js';
import { ACKED_KEYS, TLS_KEYS, tlsParams } from '../output/target-common.js';
import { hostPort, Params, redactTarget } from '../output/target-params.js';
import type { TlsOptions } from '../output/tls-material.js';
import { UserError } from '../util/errors.js';

/**
 * Servers `torwatch report` reads from, named by the same URL the sensors' --output uses (delivery
 * parameters such as spool-dir are accepted and ignored, so the URL can be copied as it is):
 *
 *   redis://host:6379/0?key=torwatch:alerts       the list or stream under that key (TYPE decides)
 *   redis://host/0?key=torwatch:{sensor}:alerts   every sensor's key (SCAN MATCH torwatch:*:alerts)
 *   nats://host:4222?subject=torwatch.alerts.{sensor}   the JetStream stream holding these subjects,
 *                                                 every sensor's ({sensor} reads as *; * and > work)
 *   nats://host:4222?stream=TORWATCH              a whole stream
 */
export type ReportSource =
  | { kind: 'file'; path: string }
  | { kind: 'redis'; shown: string; server: RedisServer; key: string; pattern?: string }
  | { kind: 'nats'; shown: string; host: string; port: number; auth: NatsAuth; tls?: TlsOptions; subject?: string; stream?: string };

/** A glob for SCAN MATCH: the template's {sensor} as `*`, Redis's glob characters elsewhere escaped. */
function keyPattern(template: string): string | undefined {
  if (!template.includes('{sensor}')) return undefined;
  return template.split('{sensor}').map((part) => part.replace(/[\\*?[\]]/g, (c) => `\\${c}`)).join('*');
}

export function parseReportSource(arg: string): ReportSource {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(arg)?.[1]?.toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss' && scheme !== 'nats') return { kind: 'file', path: arg };
  const shown = redactTarget(arg);
  let u: URL;
  try {
    u = new URL(arg);
  } catch {
    throw new UserError(`${shown}: not a valid URL`);
  }
  if (scheme === 'nats') {
    const p = new Params(shown, u.searchParams, [...ACKED_KEYS, ...TLS_KEYS, 'subject', 'stream', 'token-file', 'creds']);
    const { host, port } = hostPort(u, p, 4222, 'nats://127.0.0.1:4222?stream=TORWATCH');
    const stream = p.str('stream');
    const template = p.str('subject');
    if (stream !== undefined && template !== undefined) throw p.error('give subject or stream, not both');
    if (stream === undefined && template === undefined) throw p.error('say what to read: subject=torwatch.alerts.{sensor} or stream=NAME');
    const subject = template?.replaceAll('{sensor}', '*');
    if (subject !== undefined && !subject.split('.').every((t) => /^[^\s.]+$/.test(t))) throw p.error(`subject '${template}' is not a NATS subject`);
    return { kind: 'nats', shown, host, port, auth: natsAuth(p, u), tls: tlsParams(p), subject, stream };
  }
  const p = new Params(shown, u.searchParams, redisKnownKeys(u, [...ACKED_KEYS, 'password-file', 'key', 'mode', 'maxlen']));
  const server = redisServer(u, p);
  const template = p.str('key') ?? DEFAULT_REDIS_KEY;
  const other = /\{(?!sensor\})[^}]*\}?/.exec(template);
  if (other) throw p.error(`key='${template}': '${other[0]}' is not a placeholder (only {sensor} is)`);
  return { kind: 'redis', shown, server, key: template, pattern: keyPattern(template) };
}
