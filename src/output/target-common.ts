import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkHeaderField, HEADER_LIMITS } from './rfc5424.js';
import { parseFacility, type SyslogFormat } from './syslog-message.js';
import type { Params } from './target-params.js';
import type { TlsOptions } from './tls-material.js';

/** Defaults for every output, from the common options (--spool-dir, --syslog-facility, --sensor-name, ...). */
export interface OutputDefaults {
  /** Parent of the per-output spool directories. */
  spoolBase: string;
  spoolBytes: number;
  facility: number;
  appName: string;
  /** Syslog HOSTNAME: --syslog-hostname, else observer.hostname (the same name the alerts carry). */
  hostname: string;
  /** What `{sensor}` stands for in keys and subjects: --sensor-name (observer.name), else observer.hostname. */
  sensor: string;
}

/** Where spools live unless --spool-dir says otherwise: systemd's StateDirectory, /var/lib, or ~/.local/state. */
export function defaultSpoolBase(env: NodeJS.ProcessEnv = process.env): string {
  const state = env.STATE_DIRECTORY?.split(':')[0];
  if (state) return join(state, 'spool');
  if (process.getuid?.() === 0) return '/var/lib/torwatch/spool';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'torwatch', 'spool');
}

/** `tcp-127.0.0.1-514`: a file-system-safe name for a target's own spool directory. */
export function spoolName(kind: string, host: string, port: number, extra?: string): string {
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9.-]/g, '_');
  return `${kind}-${safe(host)}-${port}${extra ? `-${safe(extra)}` : ''}`;
}

export interface SyslogCommon {
  facility: number;
  appName: string;
  hostname: string;
  format: SyslogFormat;
  bom: boolean;
  enterpriseId?: string;
}

export const SYSLOG_KEYS = ['facility', 'app-name', 'hostname', 'format', 'bom', 'enterprise-id'];

/**
 * The syslog header parameters every syslog-carrying target takes (syslog+*, relp). No BOM by
 * default: rsyslog (as Debian ships it) keeps a BOM in %msg%, which breaks a JSON parser behind it, and
 * syslog-ng reads the message as well without one (RFC 5424 MSG-ANY). bom=true for receivers that want
 * MSG-UTF8 marked.
 */
export function syslogCommon(p: Params, d: OutputDefaults, bomDefault = false): SyslogCommon {
  const fac = p.str('facility');
  const facility = fac === undefined ? d.facility : parseFacility(fac);
  if (facility === undefined) throw p.error(`facility='${fac}' is not a facility name (user, daemon, auth, local0..local7, ...) or number 0-23`);
  const appName = p.str('app-name') ?? d.appName;
  const hostname = p.str('hostname') ?? d.hostname;
  for (const [what, v, max] of [['app-name', appName, HEADER_LIMITS.appName], ['hostname', hostname, HEADER_LIMITS.hostname]] as const) {
    const err = checkHeaderField(what, v, max);
    if (err) throw p.error(err);
  }
  const format = p.oneOf('format', 'rfc5424', ['rfc5424', 'rfc3164'] as const);
  const enterpriseId = p.str('enterprise-id');
  if (enterpriseId !== undefined && !/^[1-9]\d*(\.\d+)*$/.test(enterpriseId)) throw p.error(`enterprise-id='${enterpriseId}' is not an IANA private enterprise number (digits, e.g. 32473)`);
  if (format === 'rfc3164' && enterpriseId) throw p.error('enterprise-id needs format=rfc5424');
  return { facility, appName, hostname, format, bom: p.bool('bom', bomDefault), enterpriseId };
}

/**
 * Delivery parameters of the acknowledged outputs (RELP, Redis, NATS): the spool, how long close()
 * waits, the reconnect backoff cap, how many alerts may wait for their acknowledgement at once, and
 * how long one may wait before the connection is given up and everything unconfirmed resent.
 */
export interface AckedParams {
  spoolDir: string;
  spoolBytes: number;
  spoolFsync: boolean;
  drainTimeoutMs: number;
  backoffMaxMs: number;
  window: number;
  ackTimeoutMs: number;
}

export const ACKED_KEYS = ['spool-dir', 'spool-size', 'spool-fsync', 'drain-timeout', 'backoff-max', 'window', 'ack-timeout'];

export function ackedParams(p: Params, d: OutputDefaults, spool: string, windowDefault: number): AckedParams {
  return {
    spoolDir: p.str('spool-dir') ?? join(d.spoolBase, spool),
    spoolBytes: p.size('spool-size', d.spoolBytes, 64 * 1024),
    spoolFsync: p.bool('spool-fsync', false),
    drainTimeoutMs: p.seconds('drain-timeout', 10_000),
    backoffMaxMs: Math.max(100, p.seconds('backoff-max', 30_000)),
    window: p.int('window', windowDefault, 1, 65_536),
    ackTimeoutMs: Math.max(100, p.seconds('ack-timeout', 30_000)),
  };
}

/**
 * `{sensor}` in a key or subject template becomes the sensor's name, so one configuration serves a
 * fleet. It is the only placeholder; anything else in braces is refused. `safe` turns the name into
 * what the place allows (a NATS subject token cannot hold a dot).
 */
export function expandSensor(p: Params, what: string, template: string, sensor: string, safe: (s: string) => string = (s) => s): string {
  const other = /\{(?!sensor\})[^}]*\}?/.exec(template);
  if (other) throw p.error(`${what}='${template}': '${other[0]}' is not a placeholder (only {sensor} is)`);
  return template.replaceAll('{sensor}', safe(sensor));
}

export const TLS_KEYS = ['tls', 'ca', 'cert', 'key', 'servername', 'verify'];

/**
 * TLS for RELP, Redis and NATS: on with `tls=true` (or a TLS scheme such as rediss://); the CA, client
 * certificate, name and verification as for syslog+tls. A TLS parameter without TLS on is refused
 * rather than silently ignored. `keyParam` names the client-key parameter (Redis's `key` is the key).
 */
export function tlsParams(p: Params, tlsScheme = false, keyParam = 'key'): TlsOptions | undefined {
  const on = tlsScheme || p.bool('tls', false);
  const o: TlsOptions = { ca: p.str('ca'), cert: p.str('cert'), key: p.str(keyParam), servername: p.str('servername'), verify: p.bool('verify', true) };
  if (!on) {
    const given = ['ca', 'cert', keyParam, 'servername', 'verify'].find((k) => p.str(k) !== undefined);
    if (given) throw p.error(`${given} is a TLS parameter; add tls=true`);
    return undefined;
  }
  if ((o.cert === undefined) !== (o.key === undefined)) throw p.error(`cert and ${keyParam} go together (give both or neither)`);
  return o;
}
