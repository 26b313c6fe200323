import { connectNats } from '../output/nats/nats-connect.js';
import { tlsClientOptions } from '../output/tls-material.js';
import { UserError } from '../util/errors.js';
import type { AlertCollector } from './collector.js';
import type { ReportSource } from './source-url.js';

type NatsSource = Extract<ReportSource, { kind: 'nats' }>;

/** Messages per pull. */
const PAGE = 1000;

/**
 * Alerts from a JetStream stream through an ordered consumer (ephemeral, acknowledges nothing, so
 * the stream and its other consumers are untouched), from the first message to the last one there
 * when reading started: a stream still being written to does not keep the report running.
 */
export async function readNats(src: NatsSource, c: AlertCollector): Promise<void> {
  let nc;
  try {
    nc = await connectNats({ host: src.host, port: src.port, auth: src.auth, tls: src.tls ? tlsClientOptions(src.shown, src.host, src.port, src.tls) : undefined });
  } catch (err) {
    throw new UserError(`${src.shown}: cannot read from NATS (${(err as Error).message})`);
  }
  try {
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const jsm = await jetstreamManager(nc);
    let stream = src.stream;
    if (stream === undefined) {
      try {
        stream = await jsm.streams.find(src.subject!);
      } catch {
        throw new UserError(`${src.shown}: no JetStream stream holds subject '${src.subject}'`);
      }
    }
    const info = await jsm.streams.info(stream).catch(() => {
      throw new UserError(`${src.shown}: no JetStream stream '${stream}'`);
    });
    c.stats.files++;
    const last = info.state.last_seq;
    if (info.state.messages === 0) return;
    const consumer = await jetstream(nc).consumers.get(stream, src.subject ? { filter_subjects: src.subject } : {});
    for (;;) {
      const msgs = await consumer.fetch({ max_messages: PAGE, expires: 3000 });
      let got = 0;
      let done = false;
      for await (const m of msgs) {
        got++;
        c.text(m.string(), { file: `${src.shown} stream ${stream} seq ${m.seq}` });
        // Caught up: stop now rather than wait for the rest of the page until the pull expires.
        if (m.info.pending === 0 || m.seq >= last) {
          done = true;
          break;
        }
      }
      if (done || got === 0) return;
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${src.shown}: reading from JetStream failed (${(err as Error).message})`);
  } finally {
    await nc.close().catch(() => undefined);
  }
}
