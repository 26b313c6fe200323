import { ACKED_KEYS, ackedParams, expandSensor, spoolName, tlsParams, type AckedParams, type OutputDefaults } from '../target-common.js';
import { hostPort, Params, readSecretFile } from '../target-params.js';
import type { TlsOptions } from '../tls-material.js';

/**
 * `redis://[user[:password]@]host[:6379][/db]?key=..&mode=list|stream&maxlen=..`, `rediss://` for
 * TLS. The database number is the URL path, as in every Redis URL. `mode=list` (the default) RPUSHes
 * the alert JSON (what Logstash's redis input and Suricata's EVE output use); `mode=stream` XADDs an
 * entry with the fields `event.id` and `alert`, the stream capped at about `maxlen` entries (default
 * 1,000,000; `MAXLEN ~`, so Redis trims whole nodes and may keep a few more; 0 = no cap). `key`
 * (default `torwatch:alerts`) may hold `{sensor}`. The password may come from `password-file`
 * (first line) instead of the URL, which `ps` and shell history would show. rediss:// takes the TLS
 * parameters of syslog+tls, the client key as `key-file` (`key` is the Redis key).
 */
export interface RedisServer {
  host: string;
  port: number;
  db: number;
  user?: string;
  password?: string;
  tls?: TlsOptions;
}

export interface RedisTarget extends RedisServer {
  kind: 'redis';
  target: string;
  /** The key with {sensor} filled in, and as written (the report scans for every sensor's key). */
  key: string;
  keyTemplate: string;
  mode: 'list' | 'stream';
  maxlen: number;
  acked: AckedParams;
}

export const REDIS_SERVER_KEYS = ['password-file'];
export const REDIS_TLS_KEYS = ['ca', 'cert', 'key-file', 'servername', 'verify'];
const KEYS = [...ACKED_KEYS, ...REDIS_SERVER_KEYS, 'key', 'mode', 'maxlen'];
export const DEFAULT_REDIS_KEY = 'torwatch:alerts';
export const DEFAULT_STREAM_MAXLEN = 1_000_000;

/** Which Redis, as whom, over what: host, port, database, credentials, TLS. */
export function redisServer(u: URL, p: Params): RedisServer {
  const path = u.pathname.replace(/^\//, '');
  if (!/^\d{0,2}$/.test(path)) throw p.error(`path '/${path}' is not a database number (redis://host:6379/0)`);
  const db = path === '' ? 0 : Number(path);
  const { host, port } = hostPort(u, p, 6379, 'redis://127.0.0.1:6379/0?key=torwatch:alerts', true);
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const fromUrl = u.password ? decodeURIComponent(u.password) : undefined;
  const file = p.str('password-file');
  if (fromUrl !== undefined && file !== undefined) throw p.error('a password in the URL and a password-file: give one');
  const password = file !== undefined ? readSecretFile(p, 'password-file', file) : fromUrl;
  const tls = u.protocol === 'rediss:' ? tlsParams(p, true, 'key-file') : undefined;
  return { host, port, db, user, password, tls };
}

export function redisKnownKeys(u: URL, keys: readonly string[]): string[] {
  return u.protocol === 'rediss:' ? [...keys, ...REDIS_TLS_KEYS] : [...keys];
}

export function parseRedisTarget(u: URL, target: string, d: OutputDefaults): RedisTarget {
  const p = new Params(target, u.searchParams, redisKnownKeys(u, KEYS));
  const server = redisServer(u, p);
  const keyTemplate = p.str('key') ?? DEFAULT_REDIS_KEY;
  const key = expandSensor(p, 'key', keyTemplate, d.sensor);
  const mode = p.oneOf('mode', 'list', ['list', 'stream'] as const);
  const maxlen = p.int('maxlen', DEFAULT_STREAM_MAXLEN, 0, 2 ** 53 - 1);
  if (mode === 'list' && u.searchParams.has('maxlen')) throw p.error('maxlen caps a stream; it needs mode=stream (a list is read empty by its consumer)');
  return {
    kind: 'redis', target, ...server, key, keyTemplate, mode, maxlen,
    acked: ackedParams(p, d, spoolName(server.tls ? 'rediss' : 'redis', server.host, server.port, `${server.db}-${key}`), 1024),
  };
}
