import type { ConnectionOptions } from 'node:tls';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eventIdOf, type EcsAlert } from '../../alert/ecs-alert.js';
import { DeliveryError, type AckedSession, type AckedTransport, type SessionEvents } from '../acked-transport.js';
import { decodeKeyed, encodeKeyed } from '../keyed-record.js';
import { abortReason, onAbort } from '../socket-connect.js';
import { connectNats } from './nats-connect.js';
import type { NatsAuth } from './nats-target.js';

export interface NatsTransportOptions {
  host: string;
  port: number;
  subject: string;
  auth: NatsAuth;
  tls?: ConnectionOptions;
  /** How long one publish waits for its PubAck. */
  ackTimeoutMs: number;
  connectTimeoutMs?: number;
}

/** The stream-creation hint in the error when no stream covers the subject. */
function noStream(subject: string): DeliveryError {
  const wild = subject.split('.').slice(0, -1).concat('>').join('.');
  return new DeliveryError(`no JetStream stream covers subject '${subject}' (create one, e.g. nats stream add TORWATCH --subjects '${wild === '>' ? subject : wild}' --storage file --dupe-window 2h)`, { config: true });
}

/**
 * JetStream publish with acknowledgement: each alert is published to `subject` with the header
 * Nats-Msg-Id = event.id, and is confirmed only by the stream's PubAck. A resend after a broken
 * connection carries the same Nats-Msg-Id, so the server's duplicate window (the stream's
 * `duplicate_window`, 2 min by default: set it longer than the outages you expect) drops it and
 * says so (PubAck.duplicate, counted as `duplicates`): the stream stores each alert once.
 */
export class NatsTransport implements AckedTransport {
  readonly kind = 'NATS';
  readonly reportsDuplicates = true;
  readonly describe: string;

  constructor(private readonly o: NatsTransportOptions) {
    this.describe = `nats${o.tls ? '+tls' : ''} ${o.host}:${o.port} ${o.subject}`;
  }

  encode(line: string, alert: EcsAlert): Buffer {
    return encodeKeyed(eventIdOf(alert), line);
  }

  async open(events: SessionEvents, signal: AbortSignal): Promise<AckedSession> {
    // The library's connect cannot be interrupted: connectNats checks the server answers first, and
    // an attempt given up meanwhile is closed as soon as it resolves.
    const nc = await connectNats({ ...this.o, timeoutMs: this.o.connectTimeoutMs }, signal);
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const done = onAbort(signal, () => void nc.close().catch(() => undefined));
    try {
      if (signal.aborted) throw abortReason(signal);
      const jsm = await jetstreamManager(nc, { timeout: Math.min(this.o.ackTimeoutMs, 10_000) });
      await jsm.streams.find(this.o.subject);
      if (signal.aborted) throw abortReason(signal);
    } catch (err) {
      await nc.close().catch(() => undefined);
      const name = (err as Error).name ?? '';
      const msg = (err as Error).message;
      if (/StreamNotFound/.test(name) || /no stream matches subject/.test(msg)) throw noStream(this.o.subject);
      if (/JetStreamNotEnabled/.test(name) || /not enabled/i.test(msg)) throw new DeliveryError(`JetStream is not enabled on ${this.o.host}:${this.o.port} (nats-server -js, or jetstream {} in its configuration)`, { config: true });
      // No permission to list streams is fine for a publisher: the first PubAck will tell.
      if (!/permission/i.test(msg)) throw err;
    } finally {
      done();
    }
    return new NatsSession(nc, jetstream(nc, { timeout: this.o.ackTimeoutMs }), this.o, events);
  }
}

class NatsSession implements AckedSession {
  private dead = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly o: NatsTransportOptions,
    private readonly events: SessionEvents,
  ) {
    void nc.closed().then((err) => this.fail(err instanceof Error ? err : new Error('connection closed')));
  }

  send(records: readonly Buffer[], firstSeq: number): void {
    records.forEach((r, i) => {
      const { id, json } = decodeKeyed(r);
      this.js.publish(this.o.subject, json, { msgID: id, timeout: this.o.ackTimeoutMs }).then(
        (ack) => {
          if (!this.dead) this.events.confirmed(firstSeq + i, ack.duplicate);
        },
        (err: Error) => this.fail(this.explain(err)),
      );
    });
  }

  private explain(err: Error): Error {
    if (/no responders|503/i.test(err.message) || (err as { isNoResponders?: () => boolean }).isNoResponders?.()) return noStream(this.o.subject);
    if (/StreamNotFound|JetStreamApiError/.test(err.name)) return new DeliveryError(`JetStream refused the message: ${err.message}`);
    return err;
  }

  async close(ms: number): Promise<void> {
    if (this.dead) return;
    this.dead = true;
    await Promise.race([this.nc.drain().catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
    await this.nc.close().catch(() => undefined);
  }

  destroy(): void {
    this.dead = true;
    void this.nc.close().catch(() => undefined);
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    void this.nc.close().catch(() => undefined);
    this.events.broken(err);
  }
}
