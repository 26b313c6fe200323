/**
 * Real syslog receivers on loopback for the output tests: Debian's rsyslog (imudp, imtcp, imtcp with
 * GnuTLS, imuxsock) and syslog-ng (the Debian package unpacked by scripts/get-syslog-ng.sh, because it
 * conflicts with rsyslog as an installed package). Each runs in the foreground from its own config
 * in a temp directory and writes, per input, what it received to two files:
 *   <name>.raw          the message as it arrived (rsyslog %rawmsg%, syslog-ng $RAWMSG)
 *   <name>.fields       one JSON object per message with the receiver's own parse of the header
 *                       (pri, facility, severity, timestamp, hostname, appname, procid, msgid, sd, msg)
 * The tests compare those with torwatch's file output.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface ReceivedFields {
  pri: string;
  facility: string;
  severity: string;
  timestamp: string;
  hostname: string;
  appname: string;
  procid: string;
  msgid: string;
  sd: string;
  msg: string;
}

export type InputKind = 'udp' | 'tcp' | 'tcp-lf' | 'tls' | 'unix';

export interface InputSpec {
  /** Name of the output files. */
  name: string;
  kind: InputKind;
  port?: number;
  /** unix: the socket path. */
  path?: string;
}

export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
  /** Require a client certificate signed by `ca`. */
  requireClientCert: boolean;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

async function waitTcp(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect({ host: '127.0.0.1', port });
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`receiver did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitPath(path: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`receiver did not create ${path} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Lines of a receiver's output file (empty when it does not exist yet). */
/**
 * Complete lines of a file a receiver is still writing: tests poll while rsyslog/syslog-ng append in
 * their own buffer sizes, so a last line without its newline is not finished yet and is left out.
 */
export function readLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  lines.pop(); // what follows the last newline: '' when the file ends in one, else a partial line
  return lines.filter((l) => l.length > 0);
}

/**
 * The receiver's parsed records. `afterKill`: the receiver was killed with SIGKILL while writing, so
 * one line may be torn (rsyslog's omfile writes a batch in 4 KiB pieces; the kill can fall between
 * two) and the restarted receiver appends its next record to the torn start. The torn record is left
 * out (it was never fully written: the sender's resend window has to cover it, which the outage test
 * checks) and the complete record after it is kept. Without `afterKill` every line must parse.
 */
export function readFields(path: string, opts: { afterKill?: boolean } = {}): ReceivedFields[] {
  const out: ReceivedFields[] = [];
  for (const l of readLines(path)) {
    if (!opts.afterKill) {
      out.push(JSON.parse(l) as ReceivedFields);
      continue;
    }
    try {
      out.push(JSON.parse(l) as ReceivedFields);
    } catch {
      // The records are flat objects whose strings have their quotes escaped, so `{"` occurs only
      // where a record starts; the complete record is the last start that parses.
      for (let start = l.lastIndexOf('{"'); start > 0; start = l.lastIndexOf('{"', start - 1)) {
        try {
          out.push(JSON.parse(l.slice(start)) as ReceivedFields);
          break;
        } catch {
          // not a whole record from here: look further back
        }
      }
    }
  }
  return out;
}

/** Wait until `path` has at least `n` lines. */
export async function waitLines(path: string, n: number, timeoutMs = 20_000): Promise<string[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const lines = readLines(path);
    if (lines.length >= n || Date.now() > until) return lines;
    await new Promise((r) => setTimeout(r, 100));
  }
}

abstract class Receiver {
  protected child: ChildProcess | undefined;
  protected stderr = '';
  readonly starts: number[] = [];

  constructor(
    readonly dir: string,
    readonly inputs: InputSpec[],
  ) {
    mkdirSync(dir, { recursive: true });
  }

  raw(name: string): string {
    return join(this.dir, `${name}.raw`);
  }

  fields(name: string): string {
    return join(this.dir, `${name}.fields`);
  }

  protected abstract command(): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv };

  async start(): Promise<void> {
    const { cmd, args, env } = this.command();
    this.stderr = '';
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    child.stdout?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (this.stderr += b.toString()));
    this.child = child;
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${cmd} exited (${code}) at start: ${this.stderr.slice(0, 2000)}`))));
    const ready = Promise.all(this.inputs.map((i) => (i.kind === 'unix' ? waitPath(i.path!, 10_000) : i.kind === 'udp' ? Promise.resolve() : waitTcp(i.port!, 10_000))));
    await Promise.race([ready, exited]);
    // UDP has no handshake to wait for; the TCP inputs listening means the inputs are up.
    await new Promise((r) => setTimeout(r, 200));
    this.starts.push(Date.now());
  }

  /** Stop with a signal (SIGKILL = the receiver dies; SIGTERM = it shuts down cleanly). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    c.removeAllListeners('exit');
    const gone = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill(signal);
    await gone;
    this.child = undefined;
    for (const i of this.inputs) if (i.kind === 'unix' && i.path && existsSync(i.path)) execFileSync('rm', ['-f', i.path]);
  }

  /** Freeze (SIGSTOP) or thaw (SIGCONT) the receiver: a receiver that accepts but never reads. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    this.child?.kill(sig);
  }

  get log(): string {
    return this.stderr;
  }
}

const RSYSLOG_FIELDS = `
template(name="tw_raw" type="string" string="%rawmsg%\\n")
template(name="tw_fields" type="list" option.jsonf="on") {
  property(outname="pri" name="pri" format="jsonf")
  property(outname="facility" name="syslogfacility" format="jsonf")
  property(outname="severity" name="syslogseverity" format="jsonf")
  property(outname="timestamp" name="timereported" dateFormat="rfc3339" format="jsonf")
  property(outname="hostname" name="hostname" format="jsonf")
  property(outname="appname" name="app-name" format="jsonf")
  property(outname="procid" name="procid" format="jsonf")
  property(outname="msgid" name="msgid" format="jsonf")
  property(outname="sd" name="structured-data" format="jsonf")
  property(outname="msg" name="msg" format="jsonf")
}`;

/** Debian's rsyslogd in the foreground with its own config (no system socket, no klog). */
export class Rsyslog extends Receiver {
  constructor(dir: string, inputs: InputSpec[], private readonly tls?: TlsMaterial) {
    super(dir, inputs);
    writeFileSync(join(dir, 'rsyslog.conf'), this.config());
  }

  private config(): string {
    const l: string[] = [];
    mkdirSync(join(this.dir, 'work'), { recursive: true });
    const g = [`workDirectory="${this.dir}/work"`, 'maxMessageSize="64k"'];
    if (this.tls) g.push(`DefaultNetstreamDriverCAFile="${this.tls.ca}"`, `DefaultNetstreamDriverCertFile="${this.tls.cert}"`, `DefaultNetstreamDriverKeyFile="${this.tls.key}"`);
    l.push(`global(${g.join(' ')})`);
    const kinds = new Set(this.inputs.map((i) => i.kind));
    if (kinds.has('udp')) l.push('module(load="imudp")');
    if (kinds.has('tcp') || kinds.has('tcp-lf') || kinds.has('tls')) l.push('module(load="imtcp")');
    if (kinds.has('unix')) l.push('module(load="imuxsock" SysSock.Use="off")');
    l.push(RSYSLOG_FIELDS);
    for (const i of this.inputs) {
      const rs = `rs_${i.name.replace(/\W/g, '_')}`;
      // A 4 MiB socket buffer (the kernel's rmem_max here): a replay's burst arrives faster than a
      // loaded CI machine schedules the receiver, and the default ~200 KiB overflowed (CI lost 5 of 139).
      if (i.kind === 'udp') l.push(`input(type="imudp" address="127.0.0.1" port="${i.port}" rcvbufSize="4m" ruleset="${rs}")`);
      // imtcp takes octet-counted and LF-framed messages on the same port (it looks at the first byte).
      if (i.kind === 'tcp' || i.kind === 'tcp-lf') l.push(`input(type="imtcp" address="127.0.0.1" port="${i.port}" ruleset="${rs}")`);
      if (i.kind === 'tls') {
        const auth = this.tls?.requireClientCert ? 'x509/certvalid' : 'anon';
        l.push(`input(type="imtcp" address="127.0.0.1" port="${i.port}" ruleset="${rs}" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="${auth}")`);
      }
      if (i.kind === 'unix') l.push(`input(type="imuxsock" Socket="${i.path}" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" ruleset="${rs}")`);
      l.push(`ruleset(name="${rs}") {`, `  action(type="omfile" file="${this.raw(i.name)}" template="tw_raw")`, `  action(type="omfile" file="${this.fields(i.name)}" template="tw_fields")`, '}');
    }
    return l.join('\n') + '\n';
  }

  protected command(): { cmd: string; args: string[] } {
    return { cmd: '/usr/sbin/rsyslogd', args: ['-n', '-f', join(this.dir, 'rsyslog.conf'), '-i', join(this.dir, 'rsyslogd.pid')] };
  }
}

/** Where scripts/get-syslog-ng.sh unpacks Debian's syslog-ng-core. */
export const SYSLOG_NG_ROOT = process.env.TORWATCH_SYSLOG_NG_ROOT ?? join(ROOT, '.cache', 'syslog-ng');

export function syslogNgAvailable(): boolean {
  return existsSync(join(SYSLOG_NG_ROOT, 'usr/sbin/syslog-ng'));
}

/** syslog-ng 3.38 from the unpacked Debian package, in the foreground. */
export class SyslogNg extends Receiver {
  constructor(dir: string, inputs: InputSpec[], private readonly tls?: TlsMaterial) {
    super(dir, inputs);
    writeFileSync(join(dir, 'syslog-ng.conf'), this.config());
  }

  private config(): string {
    const l = ['@version: 3.38', 'options { keep-hostname(yes); chain-hostnames(no); log-msg-size(65536); stats-freq(0); use-dns(no); frac-digits(6); };'];
    const fields = '$(format-json --scope none pri=${PRI} facility=${FACILITY_NUM} severity=${LEVEL_NUM} timestamp=${S_ISODATE} hostname=${HOST} appname=${PROGRAM} procid=${PID} msgid=${MSGID} sd=${SDATA} msg=${MESSAGE})\\n';
    for (const i of this.inputs) {
      const n = i.name.replace(/\W/g, '_');
      const flags = 'flags(store-raw-message)';
      let src: string;
      // UDP: a 4 MiB socket buffer and a window large enough that syslog-ng never stops reading while
      // its file destinations catch up (log-iw-size defaults to 100 messages; with the default ~200 KiB
      // buffer a loaded CI machine lost 5 of a 139-alert burst).
      if (i.kind === 'udp') src = `syslog(transport("udp") ip("127.0.0.1") port(${i.port}) so-rcvbuf(4194304) log-iw-size(100000) ${flags})`;
      else if (i.kind === 'tcp') src = `syslog(transport("tcp") ip("127.0.0.1") port(${i.port}) ${flags})`;
      else if (i.kind === 'tcp-lf') src = `network(transport("tcp") ip("127.0.0.1") port(${i.port}) flags(syslog-protocol, store-raw-message))`;
      else if (i.kind === 'tls') {
        const verify = this.tls?.requireClientCert ? 'required-trusted' : 'optional-untrusted';
        src = `syslog(transport("tls") ip("127.0.0.1") port(${i.port}) ${flags} tls(key-file("${this.tls!.key}") cert-file("${this.tls!.cert}") ca-file("${this.tls!.ca}") peer-verify(${verify})))`;
      } else src = `unix-dgram("${i.path}" flags(syslog-protocol, store-raw-message))`;
      l.push(`source s_${n} { ${src}; };`);
      l.push(`destination d_${n}_raw { file("${this.raw(i.name)}" template("\${RAWMSG}\\n")); };`);
      l.push(`destination d_${n}_fields { file("${this.fields(i.name)}" template("${fields}")); };`);
      l.push(`log { source(s_${n}); destination(d_${n}_raw); destination(d_${n}_fields); };`);
    }
    return l.join('\n') + '\n';
  }

  protected command(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
    const r = SYSLOG_NG_ROOT;
    return {
      cmd: join(r, 'usr/sbin/syslog-ng'),
      args: ['-F', '-f', join(this.dir, 'syslog-ng.conf'), `--module-path=${join(r, 'usr/lib/syslog-ng/3.38')}`, '-R', join(this.dir, 'syslog-ng.persist'), '-p', join(this.dir, 'syslog-ng.pid'), '-c', join(this.dir, 'syslog-ng.ctl'), '--no-caps'],
      env: { LD_LIBRARY_PATH: join(r, 'usr/lib/syslog-ng') },
    };
  }
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate, made with openssl. */
export function makeCerts(dir: string): { ca: string; caKey: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string; otherCa: string } {
  mkdirSync(dir, { recursive: true });
  const p = (f: string): string => join(dir, f);
  const ossl = (...a: string[]): void => {
    execFileSync('openssl', a, { stdio: 'pipe' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ossl('req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=torwatch test CA');
  ossl('req', '-x509', ...ec, '-keyout', p('other-ca.key'), '-out', p('other-ca.pem'), '-days', '2', '-subj', '/CN=some other CA');
  for (const [name, cn, ext] of [
    ['server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n'],
    ['client', 'torwatch-sensor', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(p(`${name}.ext`), ext);
    ossl('req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`);
    ossl('x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`));
  }
  return { ca: p('ca.pem'), caKey: p('ca.key'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key'), otherCa: p('other-ca.pem') };
}
