import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { EcsAlert } from '../alert/ecs-alert.js';
import { UserError } from '../util/errors.js';
import { outageFor, type AlertOutput, type OutputStats } from './output.js';
import type { SyslogFormatter } from './syslog-message.js';

/**
 * Syslog over UDP (RFC 5426): one message per datagram, no framing, no acknowledgement, so no spool
 * (a sender cannot know whether a datagram arrived). A message larger than `maxSize` is never cut
 * (a cut JSON document is useless to a SIEM): it is counted as oversize, logged, and not sent.
 * The socket is connected, so a receiver that is not listening shows up as ECONNREFUSED (ICMP port
 * unreachable), counted and logged, instead of vanishing.
 *
 * Counters, as the other outputs keep them: `written` alerts this output accepted (not oversize),
 * `sent` the datagrams the kernel took (what reached the socket), `failed` the accepted ones it did
 * not take plus the oversize ones, so written = sent + failed - oversize once flushed. `refused`
 * counts the receiver host's "port unreachable" reports: each says an earlier *sent* datagram found
 * no listener (which one cannot be known), so it is not in `failed`; lost = failed + refused.
 */
export interface UdpOutputOptions {
  target: string;
  host: string;
  port: number;
  maxSize: number;
  formatter: SyslogFormatter;
  log?: Logger;
}

const LOG_INTERVAL_MS = 10_000;
/** How long a refusal keeps the output reported as unable to deliver. */
const REFUSAL_MEMORY_MS = 60_000;

export class UdpSyslogOutput implements AlertOutput {
  readonly target: string;
  private inflight = 0;
  private waiters: (() => void)[] = [];
  private readonly counters = { written: 0, sent: 0, oversize: 0, refused: 0, failed: 0 };
  private lastWarn = 0;
  /** When the receiver's host last refused (ECONNREFUSED), for the health report. */
  private lastRefusedMs: number | undefined;

  private constructor(
    private readonly o: UdpOutputOptions,
    private readonly sock: Socket,
  ) {
    this.target = o.target;
  }

  static async open(o: UdpOutputOptions): Promise<UdpSyslogOutput> {
    let address: { address: string; family: number };
    try {
      address = await lookup(o.host);
    } catch (err) {
      throw new UserError(`${o.target}: cannot resolve ${o.host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    const sock = createSocket(address.family === 6 ? 'udp6' : 'udp4');
    const out = new UdpSyslogOutput(o, sock);
    // An asynchronous error (the ICMP report arrived between sends): about a datagram already sent.
    sock.on('error', (err) => out.problem(err as NodeJS.ErrnoException));
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.connect(o.port, address.address, () => {
        sock.off('error', reject);
        resolve();
      });
    }).catch((err: Error) => {
      throw new UserError(`${o.target}: cannot open a UDP socket (${err.message})`);
    });
    return out;
  }

  write(line: string, alert: EcsAlert): void {
    const msg = this.o.formatter.format(line, alert);
    if (msg.length > this.o.maxSize) {
      this.counters.oversize++;
      this.counters.failed++;
      this.o.log?.error({ output: this.target, bytes: msg.length, maxSize: this.o.maxSize, oversize: this.counters.oversize, eventId: (alert.event as Record<string, unknown> | undefined)?.id }, 'syslog/udp: alert larger than max-size NOT sent (never cut); raise max-size (and the receiver\'s limit) or use syslog+tcp');
      return;
    }
    this.counters.written++;
    this.inflight++;
    this.sock.send(msg, (err) => {
      if (err) {
        // This datagram was not sent; an ECONNREFUSED here is also the report on an earlier one.
        this.counters.failed++;
        this.problem(err as NodeJS.ErrnoException);
      } else this.counters.sent++;
      if (--this.inflight === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Resolves when every datagram is handed to the kernel (never waits on the receiver). */
  flush(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve) => this.sock.close(() => resolve()));
  }

  stats(): OutputStats {
    return { target: this.target, ...this.counters };
  }

  /** UDP cannot know it delivered; a refusal in the last minute says nothing listens there. */
  deliveryProblem(nowMs: number): string | undefined {
    if (this.lastRefusedMs === undefined || nowMs - this.lastRefusedMs > REFUSAL_MEMORY_MS) return undefined;
    return `the receiver's host refused datagrams ${outageFor(this.lastRefusedMs, nowMs)} ago (nothing listens on the port); UDP cannot spool, alerts are lost`;
  }

  private problem(err: NodeJS.ErrnoException): void {
    if (err.code === 'ECONNREFUSED') {
      this.counters.refused++;
      this.lastRefusedMs = Date.now();
    }
    const now = Date.now();
    if (now - this.lastWarn < LOG_INTERVAL_MS) return;
    this.lastWarn = now;
    this.o.log?.warn({ output: this.target, err: err.message, code: err.code, refused: this.counters.refused, failed: this.counters.failed }, 'syslog/udp: send failed (nothing listens there, or the network refused it); UDP cannot spool, these alerts are lost for this output');
  }
}
