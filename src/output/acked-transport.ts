import type { EcsAlert } from '../alert/ecs-alert.js';

/**
 * What an output with real acknowledgements (RELP `rsp`, Redis replies, JetStream PubAcks) provides
 * to acked-output.ts, which owns the spool, the window, resending and reconnecting. A transport only
 * knows its protocol: how to encode an alert once (the spooled record), how to open a session, how to
 * send records, and which of them the receiver confirmed.
 */
export interface AckedTransport {
  /** For logs: `relp 127.0.0.1:2514`, `redis 127.0.0.1:6379 list torwatch:alerts`. */
  readonly describe: string;
  /** For log messages: `RELP`, `Redis`, `NATS`. */
  readonly kind: string;
  /** Whether the receiver says when a record was a duplicate it already had (JetStream does). */
  readonly reportsDuplicates: boolean;
  /** The record spooled and later sent for one alert; called once per alert, at write(). */
  encode(line: string, alert: EcsAlert): Buffer;
  /**
   * Connect and get ready to carry records (handshake, authentication, checks). Rejects when that is
   * not possible now; acked-output retries with backoff. A DeliveryError says how loudly to log.
   * When `signal` aborts (the attempt took too long, or the output is closing) the transport drops
   * whatever it opened and rejects: a server that accepts and never answers holds nothing up.
   */
  open(events: SessionEvents, signal: AbortSignal): Promise<AckedSession>;
}

export interface SessionEvents {
  /** The receiver has the record sent with this sequence number (`duplicate`: it had it already). */
  confirmed(seq: number, duplicate?: boolean): void;
  /** The session cannot go on; everything unconfirmed is sent again on the next one. */
  broken(err: Error): void;
}

export interface AckedSession {
  /** Send records in spool order; records[i] has sequence number firstSeq + i. */
  send(records: readonly Buffer[], firstSeq: number): void;
  /** End the session politely (RELP close, Redis QUIT, NATS drain) within `ms`; never rejects. */
  close(ms: number): Promise<void>;
  /** Drop the connection at once. */
  destroy(): void;
}

/**
 * A failure a person must act on, logged at error level. `config`: the receiver answered and refused
 * for a reason retrying cannot fix (credentials, no JetStream stream for the subject, a Redis key of
 * another type, a RELP server without the syslog command); met at start-up, torwatch stops with one
 * line (exit 2); later (a stream deleted while running) it is logged and retried with backoff, the
 * alerts kept in the spool.
 */
export class DeliveryError extends Error {
  readonly level: 'warn' | 'error';
  readonly config: boolean;

  constructor(message: string, o: { level?: 'warn' | 'error'; config?: boolean } = {}) {
    super(message);
    this.level = o.level ?? 'error';
    this.config = o.config ?? false;
  }
}
