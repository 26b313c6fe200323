import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { FRAMINGS, type Framing } from './framing.js';
import { checkHeaderField, HEADER_LIMITS } from './rfc5424.js';
import { parseFacility, type SyslogFormat } from './syslog-message.js';

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
 *
 * Every syslog target also takes facility, app-name, hostname, format (rfc5424|rfc3164), bom and
 * enterprise-id; their defaults come from the common options (--syslog-facility, ...).
 */
export interface SyslogCommon {
  facility: number;
  appName: string;
  hostname: string;
  format: SyslogFormat;
  bom: boolean;
  enterpriseId?: string;
}

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
  | { kind: 'unix'; target: string; path: string; maxSize: number; queueBytes: number; drainTimeoutMs: number; syslog: SyslogCommon };

/** Defaults for every output, from the common options. */
export interface OutputDefaults {
  /** Parent of the per-output spool directories. */
  spoolBase: string;
  spoolBytes: number;
  facility: number;
  appName: string;
  hostname: string;
}

/** Where spools live unless --spool-dir says otherwise: systemd's StateDirectory, /var/lib, or ~/.local/state. */
export function defaultSpoolBase(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  if (state) return join(state, 'spool');
  if (process.getuid?.() === 0) return '/var/lib/torwatch/spool';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'torwatch', 'spool');
}

const SIZE_RE = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i;
const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** `8192`, `64k`, `256M`, `1GiB` -> bytes (binary multiples); undefined when not a size. */
export function parseSize(v: string): number | undefined {
  const m = SIZE_RE.exec(v.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds (decimals allowed) -> ms; undefined when not a non-negative number. */
export function parseSeconds(v: string): number | undefined {
  if (!/^\d+(\.\d+)?$/.test(v.trim())) return undefined;
  return Math.round(Number(v) * 1000);
}

function parseBool(v: string): boolean | undefined {
  const t = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(t)) return true;
  if (['0', 'false', 'no', 'off'].includes(t)) return false;
  return undefined;
}

const SCHEMES = ['-', 'a file path', 'file://', 'syslog+udp://', 'syslog+tcp://', 'syslog+tls://', 'syslog:///dev/log'];
const SYSLOG_KEYS = ['facility', 'app-name', 'hostname', 'format', 'bom', 'enterprise-id'];
const STREAM_KEYS = ['framing', 'spool-dir', 'spool-size', 'spool-fsync', 'resend', 'drain-timeout', 'backoff-max'];
const KEYS: Record<Exclude<OutputTarget['kind'], 'stdout'>, string[]> = {
  file: ['rotate-size', 'rotate-keep', 'fsync'],
  udp: [...SYSLOG_KEYS, 'max-size'],
  tcp: [...SYSLOG_KEYS, ...STREAM_KEYS],
  tls: [...SYSLOG_KEYS, ...STREAM_KEYS, 'ca', 'cert', 'key', 'servername', 'verify'],
  unix: [...SYSLOG_KEYS, 'max-size', 'queue-size', 'drain-timeout'],
};

class Params {
  constructor(
    private readonly target: string,
    private readonly q: URLSearchParams,
    known: string[],
  ) {
    for (const k of new Set(q.keys())) {
      if (!known.includes(k)) throw this.error(`unknown parameter '${k}' (known here: ${known.join(', ')})`);
      if (q.getAll(k).length > 1) throw this.error(`parameter '${k}' given twice`);
    }
  }

  error(what: string): UserError {
    return new UserError(`--output ${this.target}: ${what}`);
  }

  str(k: string): string | undefined {
    const v = this.q.get(k);
    if (v === null) return undefined;
    if (v === '') throw this.error(`parameter '${k}' is empty`);
    return v;
  }

  size(k: string, def: number, min = 1): number {
    const v = this.str(k);
    if (v === undefined) return def;
    const n = parseSize(v);
    if (n === undefined || n < min) throw this.error(`${k}='${v}' is not a size of at least ${min} bytes (e.g. 8192, 64k, 256M)`);
    return n;
  }

  seconds(k: string, def: number): number {
    const v = this.str(k);
    if (v === undefined) return def;
    const n = parseSeconds(v);
    if (n === undefined) throw this.error(`${k}='${v}' is not a number of seconds`);
    return n;
  }

  bool(k: string, def: boolean): boolean {
    const v = this.str(k);
    if (v === undefined) return def;
    const b = parseBool(v);
    if (b === undefined) throw this.error(`${k}='${v}' is not true/false`);
    return b;
  }

  int(k: string, def: number, min: number, max: number): number {
    const v = this.str(k);
    if (v === undefined) return def;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw this.error(`${k}='${v}' is not a whole number from ${min} to ${max}`);
    return Number(v);
  }
}

function syslogCommon(p: Params, d: OutputDefaults, kind: string): SyslogCommon {
  const fac = p.str('facility');
  const facility = fac === undefined ? d.facility : parseFacility(fac);
  if (facility === undefined) throw p.error(`facility='${fac}' is not a facility name (user, daemon, auth, local0..local7, ...) or number 0-23`);
  const appName = p.str('app-name') ?? d.appName;
  const hostname = p.str('hostname') ?? d.hostname;
  for (const [what, v, max] of [['app-name', appName, HEADER_LIMITS.appName], ['hostname', hostname, HEADER_LIMITS.hostname]] as const) {
    const err = checkHeaderField(what, v, max);
    if (err) throw p.error(err);
  }
  const format = p.str('format') ?? 'rfc5424';
  if (format !== 'rfc5424' && format !== 'rfc3164') throw p.error(`format='${format}' is not rfc5424 or rfc3164`);
  const enterpriseId = p.str('enterprise-id');
  if (enterpriseId !== undefined && !/^[1-9]\d*(\.\d+)*$/.test(enterpriseId)) throw p.error(`enterprise-id='${enterpriseId}' is not an IANA private enterprise number (digits, e.g. 32473)`);
  if (kind === 'rfc3164' && enterpriseId) throw p.error('enterprise-id needs format=rfc5424');
    // No BOM by default: rsyslog (as Debian ships it) keeps a BOM in %msg%, which breaks a JSON parser
  // behind it, and syslog-ng reads the message as well without one (RFC 5424 MSG-ANY). bom=true for
  // receivers that want MSG-UTF8 marked.
  return { facility, appName, hostname, format, bom: p.bool('bom', false), enterpriseId };
}

/** `tcp-127.0.0.1-514`: a file-system-safe name for a target's own spool directory. */
export function spoolName(kind: string, host: string, port: number): string {
  return `${kind}-${host.replace(/[^A-Za-z0-9.-]/g, '_')}-${port}`;
}

function streamParams(p: Params, d: OutputDefaults, kind: string, host: string, port: number): StreamParams {
  const framing = (p.str('framing') ?? 'octet-counting') as Framing;
  if (!FRAMINGS.includes(framing)) throw p.error(`framing='${framing}' is not ${FRAMINGS.join(' or ')}`);
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

function hostPort(u: URL, p: Params, defPort: number): { host: string; port: number } {
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw p.error('needs a host, e.g. syslog+tcp://collector.example:514');
  if (u.pathname && u.pathname !== '/' && u.pathname !== '') throw p.error(`unexpected path '${u.pathname}' after host:port`);
  const port = u.port ? Number(u.port) : defPort;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw p.error(`port '${u.port}' is not 1-65535`);
  return { host, port };
}

/** Parse one --output value. */
export function parseTarget(target: string, d: OutputDefaults): OutputTarget {
  if (target === '-') return { kind: 'stdout', target };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(target)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'file', target, path: target, rotateKeep: 5, fsync: 'none' };
  let u: URL;
  try {
    u = new URL(target);
  } catch {
    throw new UserError(`--output ${target}: not a valid URL`);
  }
  const kind = ({ file: 'file', 'syslog+udp': 'udp', 'syslog+tcp': 'tcp', 'syslog+tls': 'tls', syslog: 'unix', 'syslog+unix': 'unix' } as const)[scheme];
  if (!kind) throw new UserError(`--output ${target}: unknown output scheme '${scheme}://' (use ${SCHEMES.join(', ')})`);
  const p = new Params(target, u.searchParams, KEYS[kind]);
  switch (kind) {
    case 'file': {
      if (u.host) throw p.error('file:// URLs take an absolute path: file:///var/log/torwatch/alerts.ndjson');
      const path = decodeURIComponent(u.pathname);
      const fsync = p.str('fsync') ?? 'none';
      if (fsync !== 'none' && fsync !== 'batch') throw p.error(`fsync='${fsync}' is not none or batch`);
      const rotate = p.str('rotate-size');
      return { kind, target, path, rotateBytes: rotate === undefined ? undefined : p.size('rotate-size', 0, 1024), rotateKeep: p.int('rotate-keep', 5, 1, 1000), fsync };
    }
    case 'unix': {
      if (u.host) throw p.error('a unix socket target is syslog:///path/to/socket (three slashes), e.g. syslog:///dev/log');
      const path = decodeURIComponent(u.pathname);
      if (!path || path === '/') throw p.error('needs a socket path, e.g. syslog:///dev/log');
      return { kind, target, path, maxSize: p.size('max-size', 8192, 480), queueBytes: p.size('queue-size', 16 << 20, 64 * 1024), drainTimeoutMs: p.seconds('drain-timeout', 5_000), syslog: syslogCommon(p, d, p.str('format') ?? 'rfc5424') };
    }
    case 'udp': {
      const { host, port } = hostPort(u, p, 514);
      // 65507 = the largest UDP payload over IPv4 (RFC 5426 3.2); 480 = the smallest a receiver must take.
      const maxSize = p.size('max-size', 8192, 480);
      if (maxSize > 65507) throw p.error(`max-size ${maxSize} exceeds the largest UDP datagram (65507)`);
      return { kind, target, host, port, maxSize, syslog: syslogCommon(p, d, p.str('format') ?? 'rfc5424') };
    }
    case 'tcp': {
      const { host, port } = hostPort(u, p, 514);
      return { kind, target, host, port, stream: streamParams(p, d, kind, host, port), syslog: syslogCommon(p, d, p.str('format') ?? 'rfc5424') };
    }
    case 'tls': {
      const { host, port } = hostPort(u, p, 6514);
      return {
        kind, target, host, port,
        stream: streamParams(p, d, kind, host, port),
        syslog: syslogCommon(p, d, p.str('format') ?? 'rfc5424'),
        ca: p.str('ca'), cert: p.str('cert'), key: p.str('key'), servername: p.str('servername'),
        verify: p.bool('verify', true),
      };
    }
  }
}
