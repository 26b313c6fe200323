import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { EcsAlert } from '../../alert/ecs-alert.js';
import { DeliveryError, type AckedSession, type AckedTransport, type SessionEvents } from '../acked-transport.js';
import { abortReason, connectSocket, onAbort } from '../socket-connect.js';
import type { SyslogFormatter } from '../syslog-message.js';
import { encodeFrame, nextTxnr, parseOffers, parseResponse, RelpFrameReader, RelpProtocolError, type RelpFrame } from './relp-frame.js';

export interface RelpTransportOptions {
  host: string;
  port: number;
  /** node:tls options when `tls=true` (tls-material.ts), else plain TCP. */
  tls?: ConnectionOptions;
  formatter: SyslogFormatter;
  version: string;
  connectTimeoutMs?: number;
}

/** Responses are short ("200 OK", the offers); anything near this is not a RELP server. */
const MAX_RESPONSE = 64 * 1024;

/**
 * RELP as rsyslog's imrelp speaks it (librelp): on a new connection the client sends `open` with its
 * offers (relp_version=0, the software, commands=syslog), and the session is ready once the `rsp`
 * says 200 and offers the syslog command. Each alert is then one `syslog` command with its own
 * transaction number; the server answers each with `rsp 200 OK` once it has handed the message on,
 * and only that answer confirms it. `close` ends a session; a `serverclose` hint (txnr 0) says the
 * server is going away. Anything malformed ends the session (the spec's rule), and acked-output.ts
 * resends whatever was not confirmed on a new one, with new transaction numbers.
 */
export class RelpTransport implements AckedTransport {
  readonly kind = 'RELP';
  readonly reportsDuplicates = false;
  readonly describe: string;

  constructor(private readonly o: RelpTransportOptions) {
    this.describe = `relp${o.tls ? '+tls' : ''} ${o.host}:${o.port}`;
  }

  encode(line: string, alert: EcsAlert): Buffer {
    return this.o.formatter.format(line, alert);
  }

  async open(events: SessionEvents, signal: AbortSignal): Promise<AckedSession> {
    const sock = await connectSocket(this.o.host, this.o.port, this.o.tls, this.o.connectTimeoutMs ?? 10_000, signal);
    const session = new RelpSession(sock, events);
    const done = onAbort(signal, () => session.abandon(abortReason(signal)));
    try {
      await session.handshake(`relp_version=0\nrelp_software=torwatch,${this.o.version}\ncommands=syslog`, this.o.connectTimeoutMs ?? 10_000);
    } finally {
      done();
    }
    return session;
  }
}

class RelpSession implements AckedSession {
  private txnr = 1;
  private readonly reader = new RelpFrameReader(MAX_RESPONSE);
  /** txnr -> sequence number of the record it carries. */
  private readonly pending = new Map<number, number>();
  private opened: ((err?: Error) => void) | undefined;
  private closeTxnr = -1;
  private closedByUs: (() => void) | undefined;
  private dead = false;

  constructor(
    private readonly sock: Socket,
    private readonly events: SessionEvents,
  ) {
    sock.on('data', (b: Buffer) => this.onData(b));
    sock.on('error', (err) => this.fail(err));
    sock.on('end', () => this.fail(new Error('closed by the receiver')));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  /** Send `open` and wait for the server's 200 with the syslog command among its offers. */
  handshake(offers: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.opened?.(new Error(`no answer to RELP open within ${timeoutMs / 1000} s`)), timeoutMs).unref();
      this.opened = (err) => {
        clearTimeout(timer);
        this.opened = undefined;
        if (err) {
          this.destroy();
          reject(err);
        } else resolve();
      };
      this.write(encodeFrame(this.takeTxnr(), 'open', offers));
    });
  }

  send(records: readonly Buffer[], firstSeq: number): void {
    const frames: Buffer[] = [];
    for (let i = 0; i < records.length; i++) {
      const t = this.takeTxnr();
      this.pending.set(t, firstSeq + i);
      frames.push(encodeFrame(t, 'syslog', records[i]));
    }
    this.write(Buffer.concat(frames));
  }

  close(ms: number): Promise<void> {
    if (this.dead) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.destroy();
        resolve();
      };
      const timer = setTimeout(done, ms).unref();
      this.closedByUs = done;
      this.closeTxnr = this.takeTxnr();
      this.write(encodeFrame(this.closeTxnr, 'close'));
    });
  }

  /** The attempt was given up before the session opened: fail the handshake, drop the socket. */
  abandon(err: Error): void {
    if (this.opened) this.opened(err);
    else this.destroy();
  }

  destroy(): void {
    this.dead = true;
    this.sock.removeAllListeners();
    this.sock.on('error', () => undefined);
    this.sock.destroy();
  }

  private takeTxnr(): number {
    const t = this.txnr;
    this.txnr = nextTxnr(t);
    return t;
  }

  private write(b: Buffer): void {
    if (!this.dead) this.sock.write(b);
  }

  private onData(chunk: Buffer): void {
    let frames: RelpFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.fail(new DeliveryError(`RELP framing error from the receiver: ${(err as Error).message}`));
      return;
    }
    for (const f of frames) {
      if (this.dead) return;
      this.onFrame(f);
    }
  }

  private onFrame(f: RelpFrame): void {
    if (f.txnr === 0) {
      // A hint. `serverclose`: the server is shutting down or timing the session out.
      if (f.command === 'serverclose') this.fail(new Error('the receiver closed the session (serverclose)'));
      return;
    }
    if (f.command !== 'rsp') {
      this.fail(new DeliveryError(`RELP: unexpected command '${f.command}' from the receiver`));
      return;
    }
    if (f.txnr === this.closeTxnr) {
      this.closedByUs?.();
      return;
    }
    let rsp;
    try {
      rsp = parseResponse(f.data);
    } catch (err) {
      this.fail(new DeliveryError((err as RelpProtocolError).message));
      return;
    }
    if (this.opened) {
      if (rsp.code !== 200) return this.opened(new DeliveryError(`RELP open refused: ${rsp.code} ${rsp.text}`, { config: true }));
      const offers = parseOffers(rsp.rest);
      if (!offers.has('relp_version')) return this.opened(new DeliveryError('RELP open: the answer has no relp_version offer', { config: true }));
      if (!(offers.get('commands') ?? []).includes('syslog')) return this.opened(new DeliveryError('RELP open: the receiver does not offer the syslog command', { config: true }));
      return this.opened();
    }
    const seq = this.pending.get(f.txnr);
    if (seq === undefined) {
      this.fail(new DeliveryError(`RELP: answer for transaction ${f.txnr}, which is not outstanding`));
      return;
    }
    this.pending.delete(f.txnr);
    if (rsp.code === 200) this.events.confirmed(seq);
    else this.fail(new DeliveryError(`RELP: the receiver refused a message: ${rsp.code} ${rsp.text}`));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    if (this.closedByUs) {
      this.closedByUs();
      return;
    }
    if (this.opened) {
      this.opened(err);
      return;
    }
    this.destroy();
    this.events.broken(err);
  }
}
