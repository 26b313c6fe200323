import { RedisConnection } from '../output/redis/redis-connection.js';
import { RespError, type RespValue } from '../output/redis/resp.js';
import { tlsClientOptions } from '../output/tls-material.js';
import { UserError } from '../util/errors.js';
import type { AlertCollector } from './collector.js';
import type { ReportSource } from './source-url.js';

/** Entries or items per round trip: enough to be quick, small enough to bound memory. */
const PAGE = 1000;

type RedisSource = Extract<ReportSource, { kind: 'redis' }>;

function expectArray(v: RespValue, what: string): RespValue[] {
  if (v instanceof RespError) throw new UserError(`${what}: Redis said ${v.message}`);
  if (!Array.isArray(v)) throw new UserError(`${what}: unexpected reply from Redis`);
  return v;
}

/**
 * Alerts from Redis, without consuming them: a list is read with LRANGE (Logstash pops it; the
 * report only looks), a stream with XRANGE, page by page from the oldest. With {sensor} in the key
 * every matching key is read (SCAN MATCH), one source each.
 */
export async function readRedis(src: RedisSource, c: AlertCollector): Promise<void> {
  const s = src.server;
  let conn: RedisConnection;
  try {
    conn = await RedisConnection.connect({ ...s, tls: s.tls ? tlsClientOptions(src.shown, s.host, s.port, s.tls) : undefined, timeoutMs: 10_000, idleTimeoutMs: 30_000 });
  } catch (err) {
    throw new UserError(`${src.shown}: cannot read from Redis (${(err as Error).message})`);
  }
  try {
    const keys = src.pattern ? await scanKeys(conn, src.pattern, src.shown) : [src.key];
    for (const key of keys) await readKey(conn, key, src, c);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${src.shown}: reading from Redis failed (${(err as Error).message})`);
  } finally {
    await conn.quit(1000);
  }
}

async function scanKeys(conn: RedisConnection, pattern: string, shown: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = expectArray(await conn.command(['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000']), shown);
    cursor = String(next);
    for (const k of expectArray(batch, shown)) keys.add(String(k));
  } while (cursor !== '0');
  if (!keys.size) throw new UserError(`${shown}: no key matches ${pattern}`);
  return [...keys].sort();
}

async function readKey(conn: RedisConnection, key: string, src: RedisSource, c: AlertCollector): Promise<void> {
  const where = `${src.shown} key ${key}`;
  const type = await conn.command(['TYPE', key]);
  c.stats.files++;
  if (type === 'list') {
    for (let start = 0; ; start += PAGE) {
      const items = expectArray(await conn.command(['LRANGE', key, String(start), String(start + PAGE - 1)]), where);
      items.forEach((v, i) => c.text(String(v), { file: where, line: start + i + 1 }));
      if (items.length < PAGE) return;
    }
  }
  if (type === 'stream') {
    let from = '-';
    for (;;) {
      const entries = expectArray(await conn.command(['XRANGE', key, from, '+', 'COUNT', String(PAGE)]), where);
      for (const e of entries) {
        const [id, fields] = expectArray(e, where);
        const f = expectArray(fields, where);
        const at = f.findIndex((x, i) => i % 2 === 0 && x === 'alert');
        const entry = { file: `${where} entry ${String(id)}` };
        if (at < 0) c.invalid(entry, "stream entry has no 'alert' field");
        else c.text(String(f[at + 1]), entry);
      }
      if (entries.length < PAGE) return;
      from = `(${String(expectArray(entries[entries.length - 1], where)[0])}`;
    }
  }
  throw new UserError(type === 'none' ? `${where}: no such key` : `${where}: holds a ${String(type)}, not a list or stream`);
}
