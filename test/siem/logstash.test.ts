/**
 * siem/logstash/torwatch-redis.conf, checked offline (no Logstash runs here): it reads the Redis
 * list the torwatch output writes by default (same key, data_type list, JSON codec), indexes on
 * event.id (so a resent alert is stored once) into the index pattern the index template covers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REDIS_KEY } from '../../src/output/redis/redis-target.js';
import { parseTarget } from '../../src/output/target.js';
import { ROOT } from '../support/run-cli.js';

const conf = readFileSync(join(ROOT, 'siem', 'logstash', 'torwatch-redis.conf'), 'utf8')
  .split('\n').map((l) => l.replace(/#.*$/, '')).join('\n');
const setting = (name: string): string | undefined => new RegExp(`\\b${name}\\s*=>\\s*("([^"]*)"|\\S+)`).exec(conf)?.[2] ?? new RegExp(`\\b${name}\\s*=>\\s*(\\S+)`).exec(conf)?.[1];
const template = JSON.parse(readFileSync(join(ROOT, 'siem', 'elasticsearch', 'torwatch-index-template.json'), 'utf8')) as { index_patterns: string[] };

describe('Logstash pipeline for the Redis list', () => {
  it('reads the list torwatch writes, as JSON', () => {
    const t = parseTarget('redis://redis.example:6379/0', { spoolBase: '/tmp', spoolBytes: 1 << 20, facility: 16, appName: 'torwatch', hostname: 'h', sensor: 'h' });
    expect(t.kind === 'redis' && t.mode).toBe('list');
    expect(setting('data_type')).toBe('list');
    expect(setting('key')).toBe(DEFAULT_REDIS_KEY);
    expect(setting('codec')).toBe('json');
    expect(Number(setting('db'))).toBe(0);
  });

  it('indexes on event.id into an index the template covers', () => {
    expect(setting('document_id')).toBe('%{[event][id]}');
    expect(setting('action')).toBe('create');
    const index = setting('index')!;
    expect(template.index_patterns.some((p) => new RegExp(`^${p.replace(/\*/g, '.*')}$`).test(index))).toBe(true);
  });
});
