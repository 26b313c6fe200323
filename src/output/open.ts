import { hostname as osHostname } from 'node:os';
import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { FileOutput } from './file.js';
import type { AlertOutput } from './output.js';
import { DiskSpool } from './spool.js';
import { StdoutOutput } from './stdout.js';
import { StreamSyslogOutput } from './stream-output.js';
import { SyslogFormatter } from './syslog-message.js';
import { tcpConnector } from './syslog-tcp.js';
import { tlsConnector } from './syslog-tls.js';
import { UdpSyslogOutput } from './syslog-udp.js';
import { UnixSyslogOutput } from './syslog-unix.js';
import { defaultSpoolBase, parseTarget, type OutputDefaults, type SyslogCommon } from './target.js';

export interface OpenOutputOptions {
  log?: Logger;
  /** torwatch's version, for `[origin swVersion=..]`. */
  version?: string;
  defaults?: Partial<OutputDefaults>;
}

/** RFC 5424 HOSTNAME: the FQDN or host name; os.hostname() with anything unprintable replaced. */
function systemHostname(): string {
  return osHostname().replace(/[^\x21-\x7e]/g, '_').slice(0, 255) || 'localhost';
}

export function outputDefaults(d: Partial<OutputDefaults> = {}): OutputDefaults {
  return {
    spoolBase: d.spoolBase ?? defaultSpoolBase(),
    spoolBytes: d.spoolBytes ?? 256 << 20,
    facility: d.facility ?? 16,
    appName: d.appName ?? 'torwatch',
    hostname: d.hostname ?? systemHostname(),
  };
}

function formatter(c: SyslogCommon, version: string): SyslogFormatter {
  return new SyslogFormatter({ ...c, procId: String(process.pid), version });
}

/** Open one --output target (see target.ts for the forms). Bad targets are one-line UserErrors. */
export async function openOutput(target: string, opts: OpenOutputOptions = {}): Promise<AlertOutput> {
  const log = opts.log;
  const version = opts.version ?? '0.0.0';
  const t = parseTarget(target, outputDefaults(opts.defaults));
  switch (t.kind) {
    case 'stdout':
      return new StdoutOutput(process.stdout, log);
    case 'file':
      return FileOutput.open(t.path, log, { target: t.target, rotateBytes: t.rotateBytes, rotateKeep: t.rotateKeep, fsync: t.fsync });
    case 'udp':
      return UdpSyslogOutput.open({ target, host: t.host, port: t.port, maxSize: t.maxSize, formatter: formatter(t.syslog, version), log });
    case 'unix':
      return new UnixSyslogOutput({ target, path: t.path, maxSize: t.maxSize, queueBytes: t.queueBytes, drainTimeoutMs: t.drainTimeoutMs, formatter: formatter(t.syslog, version), log });
    case 'tcp':
    case 'tls': {
      const connector = t.kind === 'tcp' ? tcpConnector(t.host, t.port) : tlsConnector(t.host, t.port, { ca: t.ca, cert: t.cert, key: t.key, servername: t.servername, verify: t.verify });
      if (t.kind === 'tls' && !t.verify) log?.warn({ output: target }, 'syslog+tls: receiver certificate NOT verified (verify=false); anyone on the path can read and change alerts');
      const spool = DiskSpool.open({ dir: t.stream.spoolDir, maxBytes: t.stream.spoolBytes, fsync: t.stream.spoolFsync, log });
      return new StreamSyslogOutput({
        target,
        connector,
        framing: t.stream.framing,
        formatter: formatter(t.syslog, version),
        spool,
        resendMs: t.stream.resendMs,
        drainTimeoutMs: t.stream.drainTimeoutMs,
        backoff: new Backoff({ baseMs: 250, maxMs: t.stream.backoffMaxMs }),
        log,
      });
    }
  }
}

/**
 * Open every target, or none: all are parsed and checked first (a typo in the third one must not
 * leave the first connecting), and if one still fails to open, the ones already open are closed.
 */
export async function openOutputs(targets: readonly string[], opts: OpenOutputOptions = {}): Promise<AlertOutput[]> {
  const defaults = outputDefaults(opts.defaults);
  for (const t of targets) parseTarget(t, defaults);
  const opened: AlertOutput[] = [];
  try {
    for (const t of targets) opened.push(await openOutput(t, { ...opts, defaults }));
  } catch (err) {
    await Promise.all(opened.map((x) => x.close()));
    throw err;
  }
  return opened;
}
