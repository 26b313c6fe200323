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
 * (first line) instead of the URL, which `ps` and shell history would show.
 */
export interface RedisTarget {
  kind: 'redis';
  target: string;
  host: string;
  port: number;
  db: number;
  user?: string;
  password?: string;
  key: string;
  mode: 'list' | 'stream';
  maxlen: number;
  acked: AckedParams;
  tls?: TlsOptions;
}

const KEYS = [...ACKED_KEYS, 'key', 'mode', 'maxlen', 'password-file'];
const TLS_KEYS = ['ca', 'cert', 'key-file', 'servername', 'verify'];
export const DEFAULT_REDIS_KEY = 'torwatch:alerts';
export const DEFAULT_STREAM_MAXLEN = 1_000_000;

export function parseRedisTarget(u: URL, target: string, d: OutputDefaults): RedisTarget {
  const tlsScheme = u.protocol === 'rediss:';
  const p = new Params(target, u.searchParams, tlsScheme ? [...KEYS, ...TLS_KEYS] : KEYS);
  const path = u.pathname.replace(/^\//, '');
  if (!/^\d{0,2}$/.test(path)) throw p.error(`path '/${path}' is not a database number (redis://host:6379/0)`);
  const db = path === '' ? 0 : Number(path);
  const { host, port } = hostPort(u, p, 6379, 'redis://127.0.0.1:6379/0?key=torwatch:alerts', true);
  const key = expandSensor(p, 'key', p.str('key') ?? DEFAULT_REDIS_KEY, d.sensor);
  const mode = p.oneOf('mode', 'list', ['list', 'stream'] as const);
  const maxlen = p.int('maxlen', DEFAULT_STREAM_MAXLEN, 0, 2 ** 53 - 1);
  if (mode === 'list' && u.searchParams.has('maxlen')) throw p.error('maxlen caps a stream; it needs mode=stream (a list is read empty by its consumer)');
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const fromUrl = u.password ? decodeURIComponent(u.password) : undefined;
  const file = p.str('password-file');
  if (fromUrl !== undefined && file !== undefined) throw p.error('a password in the URL and a password-file: give one');
  const password = file !== undefined ? readSecretFile(p, 'password-file', file) : fromUrl;
  // rediss:// takes the TLS file parameters; `key` is the Redis key, so the client key is `key-file`.
  const tls = tlsScheme ? tlsParams(p, true, 'key-file') : undefined;
  return {
    kind: 'redis', target, host, port, db, user, password, key, mode, maxlen,
    acked: ackedParams(p, d, spoolName(tlsScheme ? 'rediss' : 'redis', host, port, `${db}-${key}`), 1024),
    tls,
  };
}

