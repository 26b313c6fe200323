import type { AlertCollector } from './collector.js';
import { readAlertFile } from './read-alerts.js';
import { readNats } from './read-nats.js';
import { readRedis } from './read-redis.js';
import { parseReportSource } from './source-url.js';

/** One argument of `torwatch report`: a file (or -), a Redis list/stream, or a JetStream stream. */
export async function readSource(arg: string, c: AlertCollector): Promise<void> {
  const src = parseReportSource(arg);
  switch (src.kind) {
    case 'file':
      return readAlertFile(src.path, c);
    case 'redis':
      return readRedis(src, c);
    case 'nats':
      return readNats(src, c);
  }
}
