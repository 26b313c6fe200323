import { MAX_RECORD } from '../spool.js';
import { ACKED_KEYS, ackedParams, SYSLOG_KEYS, spoolName, syslogCommon, TLS_KEYS, tlsParams, type AckedParams, type OutputDefaults, type SyslogCommon } from '../target-common.js';
import { hostPort, Params } from '../target-params.js';
import type { TlsOptions } from '../tls-material.js';

/**
 * `relp://host:port?...`: RELP to rsyslog's imrelp (or anything built on librelp). RELP has no
 * registered port, so the port is required. Syslog header parameters as for syslog+tcp, except that
 * the BOM is off by default: RELP's receiver is rsyslog, which keeps the BOM in %msg% where a JSON
 * parser then trips on it. `max-size` (default 64k) is the largest message sent: imrelp's maxDataSize
 * must be at least this (librelp aborts the session on a larger frame, and the alert would be
 * resent for ever); a larger alert is counted as `oversize` and not sent. `window` (default 128, as
 * librelp) is how many messages may wait for their `rsp` at once. TLS with `tls=true`, verified like
 * syslog+tls (imrelp's tls.authMode "certvalid" or "name" on the other side).
 */
export interface RelpTarget {
  kind: 'relp';
  target: string;
  host: string;
  port: number;
  syslog: SyslogCommon;
  maxSize: number;
  acked: AckedParams;
  tls?: TlsOptions;
}

const KEYS = [...SYSLOG_KEYS, ...ACKED_KEYS, ...TLS_KEYS, 'max-size'];

export function parseRelpTarget(u: URL, target: string, d: OutputDefaults): RelpTarget {
  const p = new Params(target, u.searchParams, KEYS);
  if (!u.port) throw p.error('needs a port: relp://host:port (RELP has no standard port; imrelp listens where its input() says, often 2514)');
  if (u.username || u.password) throw p.error('RELP has no user or password; authenticate with tls=true and a client certificate');
  const { host, port } = hostPort(u, p, 0, 'relp://collector.example:2514');
  // librelp's own default maximum data size is 128k; rsyslog's imrelp follows maxMessageSize (8k by default).
  const maxSize = p.size('max-size', 64 * 1024, 480);
  if (maxSize > MAX_RECORD) throw p.error(`max-size ${maxSize} is over the spool's record limit (${MAX_RECORD})`);
  return {
    kind: 'relp',
    target,
    host,
    port,
    syslog: syslogCommon(p, d),
    maxSize,
    acked: ackedParams(p, d, spoolName('relp', host, port), 128),
    tls: tlsParams(p),
  };
}
