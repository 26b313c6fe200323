import type { Logger } from 'pino';
import { UserError } from '../util/errors.js';
import { observerHostname } from '../util/host-name.js';
import { AckedOutput } from './acked-output.js';
import type { AckedTransport } from './acked-transport.js';
import { Backoff } from './backoff.js';
import { FileOutput } from './file.js';
import { NatsTransport } from './nats/nats-transport.js';
import type { AlertOutput } from './output.js';
import { RedisTransport } from './redis/redis-transport.js';
import { RelpTransport } from './relp/relp-transport.js';
import { DiskSpool } from './spool.js';
import { StdoutOutput } from './stdout.js';
import { StreamSyslogOutput } from './stream-output.js';
import { SyslogFormatter } from './syslog-message.js';
import { tcpConnector } from './syslog-tcp.js';
import { tlsConnector } from './syslog-tls.js';
import { UdpSyslogOutput } from './syslog-udp.js';
import { UnixSyslogOutput } from './syslog-unix.js';
import type { AckedParams } from './target-common.js';
import { defaultSpoolBase, parseTarget, type OutputDefaults, type SyslogCommon } from './target.js';
import { tlsClientOptions, type TlsOptions } from './tls-material.js';

export interface OpenOutputOptions {
  log?: Logger;
  /** torwatch's version, for `[origin swVersion=..]` and RELP's relp_software offer. */
  version?: string;
  defaults?: Partial<OutputDefaults>;
  /**
   * How long openOutputs waits for the acknowledged outputs' (RELP, Redis, NATS) first sessions, side
   * by side, to stop at start-up on a receiver that refuses the configuration (credentials, no
   * stream). A receiver that is down costs nothing here (refused at once); a frozen one, this long.
   */
  startupCheckMs?: number;
}

export function outputDefaults(d: Partial<OutputDefaults> = {}): OutputDefaults {
  const host = observerHostname();
  return {
    spoolBase: d.spoolBase ?? defaultSpoolBase(),
    spoolBytes: d.spoolBytes ?? 256 << 20,
    facility: d.facility ?? 16,
    appName: d.appName ?? 'torwatch',
    hostname: d.hostname ?? host,
    sensor: d.sensor ?? host,
  };
}

function formatter(c: SyslogCommon, version: string): SyslogFormatter {
  return new SyslogFormatter({ ...c, procId: String(process.pid), version });
}

function tlsFor(who: string, host: string, port: number, tls: TlsOptions | undefined, log: Logger | undefined): ReturnType<typeof tlsClientOptions> | undefined {
  if (!tls) return undefined;
  if (!tls.verify) log?.warn({ output: who }, `${who}: receiver certificate NOT verified (verify=false); anyone on the path can read and change alerts`);
  return tlsClientOptions(who, host, port, tls);
}

/** An acknowledged output (RELP, Redis, NATS): its own spool, window and backoff. */
function openAcked(target: string, transport: AckedTransport, a: AckedParams, opts: OpenOutputOptions, maxRecordBytes?: number): AlertOutput {
  const spool = DiskSpool.open({ dir: a.spoolDir, maxBytes: a.spoolBytes, fsync: a.spoolFsync, log: opts.log });
  return new AckedOutput({
    target, transport, spool, maxRecordBytes,
    window: a.window,
    ackTimeoutMs: a.ackTimeoutMs,
    drainTimeoutMs: a.drainTimeoutMs,
    backoff: new Backoff({ baseMs: 250, maxMs: a.backoffMaxMs }),
    log: opts.log,
    startupCheck: true,
  });
}

/** Open one --output target (see target.ts for the forms). Bad targets are one-line UserErrors. */
export async function openOutput(raw: string, opts: OpenOutputOptions = {}): Promise<AlertOutput> {
  const log = opts.log;
  const version = opts.version ?? '0.0.0';
  const t = parseTarget(raw, outputDefaults(opts.defaults));
  const target = t.target;
  switch (t.kind) {
    case 'stdout':
      return new StdoutOutput(process.stdout, log);
    case 'file':
      return FileOutput.open(t.path, log, { target, rotateBytes: t.rotateBytes, rotateKeep: t.rotateKeep, fsync: t.fsync });
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
    case 'relp': {
      const tls = tlsFor(`relp://${t.host}:${t.port}`, t.host, t.port, t.tls, log);
      const transport = new RelpTransport({ host: t.host, port: t.port, tls, formatter: formatter(t.syslog, version), version });
      return openAcked(target, transport, t.acked, opts, t.maxSize);
    }
    case 'redis': {
      const tls = tlsFor(`rediss://${t.host}:${t.port}`, t.host, t.port, t.tls, log);
      const transport = new RedisTransport({ host: t.host, port: t.port, tls, user: t.user, password: t.password, db: t.db, key: t.key, mode: t.mode, maxlen: t.maxlen });
      return openAcked(target, transport, t.acked, opts);
    }
    case 'nats': {
      const tls = tlsFor(`nats://${t.host}:${t.port}`, t.host, t.port, t.tls, log);
      const transport = new NatsTransport({ host: t.host, port: t.port, subject: t.subject, auth: t.auth, tls, ackTimeoutMs: t.acked.ackTimeoutMs });
      return openAcked(target, transport, t.acked, opts);
    }
  }
}

/**
 * Open every target, or none: all are parsed and checked first (a typo in the third one must not
 * leave the first connecting), and if one still fails to open, the ones already open are closed.
 * Then the acknowledged outputs' first sessions are awaited side by side (up to startupCheckMs): a
 * receiver that refuses the configuration is one line and exit 2 now, not a log line per retry.
 */
export async function openOutputs(targets: readonly string[], opts: OpenOutputOptions = {}): Promise<AlertOutput[]> {
  const defaults = outputDefaults(opts.defaults);
  for (const t of targets) parseTarget(t, defaults);
  const opened: AlertOutput[] = [];
  try {
    for (const t of targets) opened.push(await openOutput(t, { ...opts, defaults }));
    const ms = opts.startupCheckMs ?? 3000;
    const problems = await Promise.all(opened.map((o) => (o instanceof AckedOutput ? o.configProblem(ms).then((p) => (p ? `--output ${o.target}: ${p.message}` : undefined)) : undefined)));
    const first = problems.find((p) => p !== undefined);
    if (first) throw new UserError(first);
  } catch (err) {
    await Promise.all(opened.map((x) => (x instanceof AckedOutput ? x.close(0) : x.close())));
    throw err;
  }
  return opened;
}
