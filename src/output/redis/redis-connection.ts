import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { DeliveryError } from '../acked-transport.js';
import { abortReason, connectSocket, onAbort } from '../socket-connect.js';
import { encodeCommand, RespError, RespReader, type RespValue } from './resp.js';

export interface RedisConnectOptions {
  host: string;
  port: number;
  tls?: ConnectionOptions;
  user?: string;
  password?: string;
  db: number;
  timeoutMs?: number;
  /** Abandon the attempt (socket destroyed, connect() rejects) when this aborts. */
  signal?: AbortSignal;
  /** Fail the connection when commands wait this long without a byte from Redis (the report's guard against a frozen server). */
  idleTimeoutMs?: number;
}

/**
 * One connection to Redis: connect (TCP or TLS), AUTH (a password, or an ACL user and password),
 * SELECT the database, then commands pipelined freely; replies come back in order, so each
 * command's callback is called with its own reply. The connection never reconnects by itself: a
 * broken one fails every outstanding command, and the owner (the output, the report) decides what
 * to send again. Used by the Redis output and by `torwatch report redis://...`.
 */
export class RedisConnection {
  private readonly reader = new RespReader();
  private readonly waiting: ((v: RespValue | Error) => void)[] = [];
  private dead: Error | undefined;
  private onBroken: ((err: Error) => void) | undefined;

  private constructor(private readonly sock: Socket) {
    sock.on('data', (b: Buffer) => this.onData(b));
    sock.on('error', (err) => this.fail(err));
    sock.on('end', () => this.fail(new Error('closed by Redis')));
    sock.on('close', () => this.fail(new Error('connection closed')));
  }

  static async connect(o: RedisConnectOptions): Promise<RedisConnection> {
    const sock = await connectSocket(o.host, o.port, o.tls, o.timeoutMs ?? 10_000, o.signal);
    const c = new RedisConnection(sock);
    if (o.idleTimeoutMs) {
      sock.setTimeout(o.idleTimeoutMs);
      sock.on('timeout', () => {
        if (c.waiting.length) c.fail(new Error(`no reply from Redis within ${o.idleTimeoutMs! / 1000} s`));
      });
    }
    const done = o.signal ? c.abortOn(o.signal) : () => undefined;
    try {
      if (o.password !== undefined) {
        const r = await c.command(o.user !== undefined ? ['AUTH', o.user, o.password] : ['AUTH', o.password]);
        if (r instanceof RespError) throw new DeliveryError(`Redis refused AUTH${o.user !== undefined ? ` for user '${o.user}'` : ''}: ${r.message}`, { config: true });
      } else if (o.user !== undefined) {
        throw new DeliveryError('Redis: a user needs a password (redis://user:password@host or password-file)', { config: true });
      }
      if (o.db !== 0) {
        const r = await c.command(['SELECT', String(o.db)]);
        if (r instanceof RespError) throw new DeliveryError(`Redis refused SELECT ${o.db}: ${r.message}`, { config: true });
      }
    } catch (err) {
      c.destroy();
      throw err;
    } finally {
      done();
    }
    return c;
  }

  /** Until the returned function is called, `signal` aborting destroys the connection (every waiting command rejects). */
  abortOn(signal: AbortSignal): () => void {
    return onAbort(signal, () => {
      this.fail(abortReason(signal), false);
      this.destroy();
    });
  }

  /** Called once when the connection breaks (after every outstanding callback got the error). */
  set broken(fn: (err: Error) => void) {
    this.onBroken = fn;
  }

  /** Pipeline commands; `onReply` gets each one's reply (or the connection's error), in order. */
  send(commands: readonly (readonly (string | Buffer)[])[], onReply: (i: number, v: RespValue | Error) => void): void {
    if (this.dead) {
      for (let i = 0; i < commands.length; i++) onReply(i, this.dead);
      return;
    }
    const parts: Buffer[] = [];
    for (let i = 0; i < commands.length; i++) {
      parts.push(encodeCommand(commands[i]));
      this.waiting.push((v) => onReply(i, v));
    }
    this.sock.write(parts.length === 1 ? parts[0] : Buffer.concat(parts));
  }

  /** One command and its reply; an error reply is returned (not thrown), a broken connection rejects. */
  command(args: readonly (string | Buffer)[]): Promise<RespValue> {
    return new Promise((resolve, reject) => {
      this.send([args], (_i, v) => (v instanceof Error ? reject(v) : resolve(v)));
    });
  }

  /** QUIT (Redis answers, then closes), or give up after `ms`. */
  async quit(ms: number): Promise<void> {
    if (this.dead) return;
    await Promise.race([this.command(['QUIT']).catch(() => undefined), new Promise((r) => setTimeout(r, ms).unref())]);
    this.destroy();
  }

  destroy(): void {
    this.fail(new Error('connection closed by torwatch'), false);
    this.sock.removeAllListeners();
    this.sock.on('error', () => undefined);
    this.sock.destroy();
  }

  private onData(b: Buffer): void {
    let replies: RespValue[];
    try {
      replies = this.reader.push(b);
    } catch (err) {
      this.fail(new DeliveryError(`Redis protocol error: ${(err as Error).message}`));
      this.sock.destroy();
      return;
    }
    for (const r of replies) {
      const cb = this.waiting.shift();
      if (!cb) {
        this.fail(new DeliveryError('Redis sent a reply nobody asked for'));
        this.sock.destroy();
        return;
      }
      cb(r);
    }
  }

  private fail(err: Error, notify = true): void {
    if (this.dead) return;
    this.dead = err;
    for (const cb of this.waiting.splice(0)) cb(err);
    if (notify) this.onBroken?.(err);
  }
}
