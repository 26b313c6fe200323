import type { ConnectionOptions } from 'node:tls';
import { eventIdOf, type EcsAlert } from '../../alert/ecs-alert.js';
import { DeliveryError, type AckedSession, type AckedTransport, type SessionEvents } from '../acked-transport.js';
import { decodeKeyed, encodeKeyed } from '../keyed-record.js';
import { RedisConnection } from './redis-connection.js';
import { RespError, type RespValue } from './resp.js';

export interface RedisTransportOptions {
  host: string;
  port: number;
  tls?: ConnectionOptions;
  user?: string;
  password?: string;
  db: number;
  key: string;
  mode: 'list' | 'stream';
  /** Stream cap (XADD MAXLEN ~ n); 0 = none. */
  maxlen: number;
  connectTimeoutMs?: number;
}

/** Values per RPUSH: one command, one reply, one confirmation for the lot. */
const LIST_BATCH = 256;

/**
 * Alerts into a Redis list (RPUSH key json...: Logstash's redis input and Suricata's EVE output use
 * the same shape) or stream (XADD key MAXLEN ~ n * event.id <id> alert <json>). Commands are
 * pipelined, a whole window of them per round trip, and an alert is confirmed only when Redis
 * replied to the command that carried it. If the connection breaks, commands Redis executed but
 * whose replies were lost are sent again: Redis has no idempotent RPUSH or XADD, so those alerts are
 * stored twice (at most one window's worth per break); readers deduplicate on event.id, as
 * `torwatch report` does.
 */
export class RedisTransport implements AckedTransport {
  readonly kind = 'Redis';
  readonly reportsDuplicates = false;
  readonly describe: string;

  constructor(private readonly o: RedisTransportOptions) {
    this.describe = `redis${o.tls ? 's' : ''} ${o.host}:${o.port}/${o.db} ${o.mode} ${o.key}`;
  }

  encode(line: string, alert: EcsAlert): Buffer {
    return encodeKeyed(eventIdOf(alert), line);
  }

  async open(events: SessionEvents, signal: AbortSignal): Promise<AckedSession> {
    const c = await RedisConnection.connect({ ...this.o, timeoutMs: this.o.connectTimeoutMs, signal });
    const done = c.abortOn(signal);
    try {
      // A key of another type would refuse every command (WRONGTYPE): say so once, clearly.
      const type = await c.command(['TYPE', this.o.key]);
      if (type instanceof RespError) throw new DeliveryError(`Redis refused TYPE ${this.o.key}: ${type.message}`, { config: type.code === 'NOAUTH' || type.code === 'NOPERM' });
      if (type !== 'none' && type !== this.o.mode) throw new DeliveryError(`Redis key '${this.o.key}' holds a ${String(type)}, not a ${this.o.mode}; choose another key or mode`, { config: true });
    } catch (err) {
      c.destroy();
      throw err;
    } finally {
      done();
    }
    return new RedisSession(c, this.o, events);
  }
}

class RedisSession implements AckedSession {
  constructor(
    private readonly c: RedisConnection,
    private readonly o: RedisTransportOptions,
    private readonly events: SessionEvents,
  ) {
    c.broken = (err) => events.broken(err);
  }

  send(records: readonly Buffer[], firstSeq: number): void {
    const commands: (string | Buffer)[][] = [];
    /** Per command: the sequence numbers it carries. */
    const carried: [number, number][] = [];
    if (this.o.mode === 'list') {
      for (let i = 0; i < records.length; i += LIST_BATCH) {
        const slice = records.slice(i, i + LIST_BATCH);
        commands.push(['RPUSH', this.o.key, ...slice.map((r) => decodeKeyed(r).json)]);
        carried.push([firstSeq + i, firstSeq + i + slice.length]);
      }
    } else {
      const cap = this.o.maxlen > 0 ? ['MAXLEN', '~', String(this.o.maxlen)] : [];
      records.forEach((r, i) => {
        const { id, json } = decodeKeyed(r);
        commands.push(['XADD', this.o.key, ...cap, '*', 'event.id', id, 'alert', json]);
        carried.push([firstSeq + i, firstSeq + i + 1]);
      });
    }
    this.c.send(commands, (i, v) => this.reply(carried[i], v));
  }

  private reply([from, to]: [number, number], v: RespValue | Error): void {
    if (v instanceof Error) return; // the connection broke: `broken` says so once
    if (v instanceof RespError) {
      // OOM (maxmemory), READONLY (a replica), WRONGTYPE, NOAUTH...: nothing later can succeed either.
      this.events.broken(new DeliveryError(`Redis refused the write: ${v.message}`));
      return;
    }
    for (let s = from; s < to; s++) this.events.confirmed(s);
  }

  close(ms: number): Promise<void> {
    return this.c.quit(ms);
  }

  destroy(): void {
    this.c.destroy();
  }
}
