/**
 * Issue 14 point 6: a relay list from a hostile server. A local HTTP server serves a gzip bomb the size
 * of the review's (about 500 KB of gzip that inflates to 500 MiB). Before, the whole body was inflated
 * by one gunzipSync with a 512 MiB cap: RSS 1.6 GB, the main thread blocked 2.7 s. Now the body is
 * inflated as a stream in zlib's thread pool and cut off at the decompressed cap (64 MiB by default,
 * a real relay list is under 1 MB): one line naming the URL, exit 2, RSS bounded, and the event loop
 * (where packets are read) keeps running while it happens.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_BYTES, httpGet } from '../../src/intel/relays/fetch.js';
import { PCAPS, ROOT } from '../support/run-cli.js';

let bomb: Buffer;
let server: http.Server;
let url = '';

/** `mib` MiB of zeros, gzipped as a stream (the bomb is never held inflated here either). */
async function gzipBomb(mib: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const zeros = Buffer.alloc(1 << 20);
  for (let i = 0; i < mib; i++) if (!gz.write(zeros)) await new Promise((r) => gz.once('drain', r));
  await new Promise((r) => gz.end(r));
  return Buffer.concat(out);
}

beforeAll(async () => {
  bomb = await gzipBomb(500);
  server = http.createServer((req, res) => {
    if (req.url === '/list.gz') res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(bomb.length) }).end(bomb);
    else res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': String(bomb.length) }).end(bomb);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/relays.txt`;
}, 60_000);

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('a gzip bomb served as a relay list', () => {
  it('is cut off at the decompressed cap without stalling the event loop', async () => {
    expect(bomb.length).toBeLessThan(600_000);
    for (const path of ['/relays.txt', '/list.gz']) {
      let worst = 0;
      let last = performance.now();
      const tick = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last);
        last = now;
      }, 10);
      const err = await httpGet(url.replace('/relays.txt', path)).then(() => undefined, (e: Error) => e);
      clearInterval(tick);
      expect(err?.message).toBe(`decompressed response exceeds the ${DEFAULT_MAX_BYTES}-byte cap`);
      // Inflating 64 MiB in the thread pool: the loop keeps turning (before: one 2.7 s synchronous call).
      expect(worst).toBeLessThan(1000);
    }
  });

  it('the CLI says so in one line, exits 2, and its RSS stays bounded', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'tw14n-bomb-'));
    const child = spawn('/usr/bin/time', ['-f', 'maxrss_kb=%M', process.execPath, join(ROOT, 'bin/torwatch.js'), 'replay', '--relays', url, '--relays-cache', cache, join(PCAPS, 'tor-link-tls13.pcap')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout.resume();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code).toBe(2);
    const lines = stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(url);
    expect(lines[0]).toContain(`decompressed response exceeds the ${DEFAULT_MAX_BYTES}-byte cap`);
    expect(stderr).not.toMatch(/\n\s+at /);
    const rss = Number(/maxrss_kb=(\d+)/.exec(stderr)![1]);
    expect(rss).toBeLessThan(400 * 1024);
  }, 60_000);
});
