import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { FRAMINGS, type Framing } from './framing.js';
import { parseNatsTarget, type NatsTarget } from './nats/nats-target.js';
import { parseRedisTarget, type RedisTarget } from './redis/redis-target.js';
import { parseRelpTarget, type RelpTarget } from './relp/relp-target.js';
import { SYSLOG_KEYS, spoolName, syslogCommon, type OutputDefaults, type SyslogCommon } from './target-common.js';
import { hostPort, Params, redactTarget } from './target-params.js';

export { parseSize, parseSeconds } from './target-params.js';
export { defaultSpoolBase, spoolName, type OutputDefaults, type SyslogCommon } from './target-common.js';

/**
 * `--output` targets, parsed and validated before anything is opened, so a typo is one clear line
 * at start-up and not a surprise at the first alert:
 *
 *   -                                   stdout
 *   /var/log/torwatch/alerts.ndjson     a file (NDJSON)
 *   file:///var/log/x.ndjson?rotate-size=100M&rotate-keep=5&fsync=batch
 *   syslog+udp://host[:514]?max-size=8192
 *   syslog+tcp://host[:514]?framing=octet-counting|lf&spool-dir=..&spool-size=..
 *   syslog+tls://host[:6514]?ca=..&cert=..&key=..&servername=..&verify=false
 *   syslog:///dev/log                   a unix datagram socket (any path)
 *   relp://host:port?tls=true&..        RELP to rsyslog's imrelp (relp/relp-target.ts)
 *   redis://[user:pass@]host[:6379][/db]?key=..&mode=list|stream, rediss:// (redis/redis-target.ts)
 *   nats://[user:pass@]host[:4222]?subject=..  JetStream (nats/nats-target.ts)
 *
 * Every syslog target also takes facility, app-name, hostname, format (rfc5424|rfc3164), bom and
 * enterprise-id; their defaults come from the common options (--syslog-facility, ...). `target` in
 * each result is what logs and the run summary show: the URL with any password masked.
 */
export interface StreamParams {
  framing: Framing;
  spoolDir: string;
  spoolBytes: number;
  spoolFsync: boolean;
  resendMs: number;
  drainTimeoutMs: number;
  backoffMaxMs: number;
}

export type OutputTarget =
  | { kind: 'stdout'; target: string }
  | { kind: 'file'; target: string; path: string; rotateBytes?: number; rotateKeep: number; fsync: 'none' | 'batch' }
  | { kind: 'udp'; target: string; host: string; port: number; maxSize: number; syslog: SyslogCommon }
  | { kind: 'tcp'; target: string; host: string; port: number; stream: StreamParams; syslog: SyslogCommon }
  | { kind: 'tls'; target: string; host: string; port: number; stream: StreamParams; syslog: SyslogCommon; ca?: string; cert?: string; key?: string; servername?: string; verify: boolean }
  | { kind: 'unix'; target: string; path: string; maxSize: number; queueBytes: number; drainTimeoutMs: number; syslog: SyslogCommon }
  | RelpTarget
  | RedisTarget
  | NatsTarget;

const SCHEMES = ['-', 'a file path', 'file://', 'syslog+udp://', 'syslog+tcp://', 'syslog+tls://', 'syslog:///dev/log', 'relp://', 'redis://', 'rediss://', 'nats://'];
const STREAM_KEYS = ['framing', 'spool-dir', 'spool-size', 'spool-fsync', 'resend', 'drain-timeout', 'backoff-max'];
const KEYS: Record<'file' | 'udp' | 'tcp' | 'tls' | 'unix', string[]> = {
  file: ['rotate-size', 'rotate-keep', 'fsync'],
  udp: [...SYSLOG_KEYS, 'max-size'],
  tcp: [...SYSLOG_KEYS, ...STREAM_KEYS],
  tls: [...SYSLOG_KEYS, ...STREAM_KEYS, 'ca', 'cert', 'key', 'servername', 'verify'],
  unix: [...SYSLOG_KEYS, 'max-size', 'queue-size', 'drain-timeout'],
};

function streamParams(p: Params, d: OutputDefaults, kind: string, host: string, port: number): StreamParams {
  const framing = p.oneOf<Framing>('framing', 'octet-counting', FRAMINGS);
  if (kind === 'tls' && framing !== 'octet-counting') throw p.error('RFC 5425 (syslog over TLS) allows octet-counting framing only');
  return {
    framing,
    spoolDir: p.str('spool-dir') ?? join(d.spoolBase, spoolName(kind, host, port)),
    spoolBytes: p.size('spool-size', d.spoolBytes, 64 * 1024),
    spoolFsync: p.bool('spool-fsync', false),
    resendMs: p.seconds('resend', 10_000),
    drainTimeoutMs: p.seconds('drain-timeout', 10_000),
    backoffMaxMs: Math.max(100, p.seconds('backoff-max', 30_000)),
  };
}

const SYSLOG_EXAMPLE = 'syslog+tcp://collector.example:514';

/** Parse one --output value. */
export function parseTarget(raw: string, d: OutputDefaults): OutputTarget {
  if (raw === '-') return { kind: 'stdout', target: raw };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'file', target: raw, path: raw, rotateKeep: 5, fsync: 'none' };
  const target = redactTarget(raw);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UserError(`--output ${target}: not a valid URL`);
  }
  switch (scheme) {
    case 'relp':
      return parseRelpTarget(u, target, d);
    case 'redis':
    case 'rediss':
      return parseRedisTarget(u, target, d);
    case 'nats':
      return parseNatsTarget(u, target, d);
  }
  const kind = ({ file: 'file', 'syslog+udp': 'udp', 'syslog+tcp': 'tcp', 'syslog+tls': 'tls', syslog: 'unix', 'syslog+unix': 'unix' } as const)[scheme];
  if (!kind) throw new UserError(`--output ${target}: unknown output scheme '${scheme}://' (use ${SCHEMES.join(', ')})`);
  const p = new Params(target, u.searchParams, KEYS[kind]);
  switch (kind) {
    case 'file': {
      if (u.host) throw p.error('file:// URLs take an absolute path: file:///var/log/torwatch/alerts.ndjson');
      const path = decodeURIComponent(u.pathname);
      const fsync = p.oneOf('fsync', 'none', ['none', 'batch'] as const);
      const rotate = p.str('rotate-size');
      return { kind, target, path, rotateBytes: rotate === undefined ? undefined : p.size('rotate-size', 0, 1024), rotateKeep: p.int('rotate-keep', 5, 1, 1000), fsync };
    }
    case 'unix': {
      if (u.host) throw p.error('a unix socket target is syslog:///path/to/socket (three slashes), e.g. syslog:///dev/log');
      const path = decodeURIComponent(u.pathname);
      if (!path || path === '/') throw p.error('needs a socket path, e.g. syslog:///dev/log');
      return { kind, target, path, maxSize: p.size('max-size', 8192, 480), queueBytes: p.size('queue-size', 16 << 20, 64 * 1024), drainTimeoutMs: p.seconds('drain-timeout', 5_000), syslog: syslogCommon(p, d) };
    }
    case 'udp': {
      const { host, port } = hostPort(u, p, 514, SYSLOG_EXAMPLE);
      // 65507 = the largest UDP payload over IPv4 (RFC 5426 3.2); 480 = the smallest a receiver must take.
      const maxSize = p.size('max-size', 8192, 480);
      if (maxSize > 65507) throw p.error(`max-size ${maxSize} exceeds the largest UDP datagram (65507)`);
      return { kind, target, host, port, maxSize, syslog: syslogCommon(p, d) };
    }
    case 'tcp': {
      const { host, port } = hostPort(u, p, 514, SYSLOG_EXAMPLE);
      return { kind, target, host, port, stream: streamParams(p, d, kind, host, port), syslog: syslogCommon(p, d) };
    }
    case 'tls': {
      const { host, port } = hostPort(u, p, 6514, SYSLOG_EXAMPLE);
      return {
        kind, target, host, port,
        stream: streamParams(p, d, kind, host, port),
        syslog: syslogCommon(p, d),
        ca: p.str('ca'), cert: p.str('cert'), key: p.str('key'), servername: p.str('servername'),
        verify: p.bool('verify', true),
      };
    }
  }
}
