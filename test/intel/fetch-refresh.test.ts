import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../../src/config/settings.js';
import { parseAddress } from '../../src/intel/addr.js';
import { IntelHolder, loadIntel } from '../../src/intel/intel.js';
import { RelayCache } from '../../src/intel/relays/cache.js';
import { httpGet } from '../../src/intel/relays/fetch.js';
import { loadUrl, parseRelaySpec } from '../../src/intel/relays/load.js';
import { IntelRefresher } from '../../src/intel/relays/refresh.js';
import { UserError } from '../../src/util/errors.js';
import { CONSENSUS_2018, memoryLogger, SECOPS, tempDir, tempFile } from './helpers.js';
import { startServer, testCertificate, type TestServer } from './http-server.js';

const consensus = readFileSync(CONSENSUS_2018, 'utf8');
const exitList = readFileSync(join(SECOPS, 'tor-exit-nodes.lst'), 'utf8');

let http: TestServer;
let https: TestServer;
let cert: ReturnType<typeof testCertificate>;

beforeAll(async () => {
  cert = testCertificate();
  http = await startServer();
  https = await startServer(cert);
});
afterAll(async () => {
  await http.close();
  await https.close();
});

function has(set: IntelHolder, ip: string, at: number): boolean {
  const a = parseAddress(ip)!;
  return set.current.relays.lookup(a.version, a.words[0], a.words[1], a.words[2], a.words[3], 0, at) !== undefined;
}

describe('fetching relay lists over HTTP(S) into the disk cache', () => {
  it('fetches, parses, then caches; a conditional request later gets 304 and reuses the copy', async () => {
    http.routes.set('/consensus', { body: consensus, etag: '"v1"' });
    const cache = new RelayCache(tempDir());
    const { log } = memoryLogger();
    const spec = parseRelaySpec(http.url('/consensus'));
    const first = await loadUrl(spec, { log, cache, now: () => 1000 });
    expect(first.info).toMatchObject({ format: 'consensus', relays: 208, fromCache: false, fetchedAtMs: 1000, url: http.url('/consensus') });
    expect(readdirSync(cache.dir)).toHaveLength(1);
    expect(cache.read(http.url('/consensus'))!.meta).toMatchObject({ etag: '"v1"', fetchedAtMs: 1000 });
    // The server was asked for gzip and sent it.
    expect(http.seen.at(-1)!.acceptEncoding).toMatch(/gzip/);
    const again = await loadUrl(spec, { log, cache, now: () => 2000 });
    expect(http.seen.at(-1)!.ifNoneMatch).toBe('"v1"');
    expect(again.info).toMatchObject({ relays: 208, fromCache: false, fetchedAtMs: 2000 });
    expect(cache.read(http.url('/consensus'))!.meta.fetchedAtMs).toBe(2000);
  });

  it('a failing server: the last good cached copy is used, with a warning', async () => {
    http.routes.set('/torbulkexitlist', { body: exitList });
    const cache = new RelayCache(tempDir());
    const spec = parseRelaySpec(http.url('/torbulkexitlist'));
    const { log } = memoryLogger();
    const good = await loadUrl(spec, { log, cache, now: () => 5000 });
    expect(good.info).toMatchObject({ format: 'bulk-exit-list', relays: 1746, timeFrom: 'fetched', timeMs: 5000 });
    http.routes.set('/torbulkexitlist', { status: 503 });
    const m = memoryLogger();
    const fallback = await loadUrl(spec, { log: m.log, cache, now: () => 9000 });
    expect(fallback.info).toMatchObject({ relays: 1746, fromCache: true, timeMs: 5000, fetchedAtMs: 5000 });
    expect(m.lines.find((l) => l.level === 40)).toMatchObject({ msg: 'relay list fetch failed; using the last good cached copy', error: 'HTTP 503 Service Unavailable' });
  });

  it('an error page served with 200 is not a relay list: it is not cached, the good copy stays', async () => {
    http.routes.set('/flaky', { body: consensus });
    const cache = new RelayCache(tempDir());
    const spec = parseRelaySpec(http.url('/flaky'));
    const { log } = memoryLogger();
    await loadUrl(spec, { log, cache });
    const before = readFileSync(cache.path(http.url('/flaky')));
    http.routes.set('/flaky', { body: '<html><body>Service temporarily unavailable</body></html>', contentType: 'text/html' });
    const m = memoryLogger();
    const p = await loadUrl(spec, { log: m.log, cache });
    expect(p.info).toMatchObject({ relays: 208, fromCache: true });
    expect(String(m.lines.find((l) => l.level === 40)?.error)).toMatch(/not a usable relay list/);
    expect(readFileSync(cache.path(http.url('/flaky')))).toEqual(before);
  });

  it('no cached copy and no server: a one-line user error', async () => {
    const { log } = memoryLogger();
    const cache = new RelayCache(tempDir());
    const url = http.url('/missing');
    await expect(loadUrl(parseRelaySpec(url), { log, cache })).rejects.toThrow(UserError);
    await expect(loadUrl(parseRelaySpec(url), { log, cache })).rejects.toThrow(`${url}: HTTP 404 Not Found (and no cached copy in ${cache.dir})`);
  });

  it('HTTPS with a test CA; without trusting it the fetch fails cleanly', async () => {
    https.routes.set('/details', { body: JSON.stringify({ relays_published: '2026-11-23 07:00:00', relays: [{ nickname: 'x', fingerprint: 'A'.repeat(40), or_addresses: ['198.51.100.77:9001'], flags: ['Running'] }] }) });
    const { log } = memoryLogger();
    const ok = await loadUrl(parseRelaySpec(https.url('/details')), { log, ca: cert.cert });
    expect(ok.info).toMatchObject({ format: 'onionoo', relays: 1, timeFrom: 'published' });
    await expect(loadUrl(parseRelaySpec(https.url('/details')), { log })).rejects.toThrow(/self[- ]signed|certificate/);
  });

  it('caps: size and time', async () => {
    http.routes.set('/big', { body: 'x'.repeat(10_000) });
    await expect(httpGet(http.url('/big'), { maxBytes: 1000 })).rejects.toThrow('decompressed response exceeds the 1000-byte cap');
    http.routes.set('/random', { body: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255)) });
    // Bytes that do not compress: the transfer itself passes the cap.
    await expect(httpGet(http.url('/random'), { maxBytes: 1000 })).rejects.toThrow(/cap/);
    // A server that never answers within the deadline.
    const { createServer } = await import('node:net');
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as { port: number }).port;
    await expect(httpGet(`http://127.0.0.1:${port}/`, { timeoutMs: 200 })).rejects.toThrow('no complete answer within 200 ms');
    silent.close();
  });
});

describe('IntelRefresher: the daemon\'s periodic refresh with atomic swap', () => {
  function settingsFor(relays: string[], cacheDir: string): Settings {
    const s = defaultSettings();
    s.relays = relays;
    s.relaysCache = cacheDir;
    return s;
  }

  it('a failing then recovering server: keeps the last good set, then swaps in the new one', async () => {
    const at = Date.UTC(2026, 10, 23);
    http.routes.set('/r', { body: '198.51.100.1\n198.51.100.2\n' });
    const s = settingsFor([http.url('/r')], tempDir());
    const { log, lines } = memoryLogger();
    const holder = new IntelHolder(await loadIntel(s, { log }));
    expect(has(holder, '198.51.100.2', at)).toBe(true);
    const refresher = new IntelRefresher(holder, s, { log });

    http.routes.set('/r', { status: 500 });
    expect(await refresher.refreshNow()).toBe(true);
    expect(holder.generation).toBe(1);
    expect(holder.current.relays.sources[0].fromCache).toBe(true);
    expect(has(holder, '198.51.100.2', at)).toBe(true);
    expect(lines.some((l) => l.msg === 'relay list fetch failed; using the last good cached copy')).toBe(true);

    http.routes.set('/r', { body: '198.51.100.1\n198.51.100.3\n' });
    expect(await refresher.refreshNow()).toBe(true);
    expect(holder.generation).toBe(2);
    expect(holder.current.relays.sources[0].fromCache).toBe(false);
    expect(has(holder, '198.51.100.3', at)).toBe(true);
    expect(has(holder, '198.51.100.2', at)).toBe(false);
    expect(holder.stats).toMatchObject({ reloads: 2, reloadFailures: 0 });
  });

  it('a rebuild that fails (a local list turned malformed) keeps the current set', async () => {
    const file = tempFile('relays.txt', '198.51.100.9\n');
    const s = settingsFor([file], tempDir());
    const { log, lines } = memoryLogger();
    const holder = new IntelHolder(await loadIntel(s, { log }));
    const before = holder.current;
    writeFileSync(file, '198.51.100.9\nnot an address\n');
    const refresher = new IntelRefresher(holder, s, { log });
    expect(await refresher.refreshNow()).toBe(false);
    expect(holder.current).toBe(before);
    expect(holder.stats.reloadFailures).toBe(1);
    expect(String(lines.find((l) => l.level === 50)?.error)).toMatch(/line 2: 'not an address'/);
  });

  it('runs on its timer and warns when the set is older than the threshold', async () => {
    http.routes.set('/t', { body: consensus });
    const s = settingsFor([http.url('/t')], tempDir());
    s.relaysRefreshMs = 150;
    const { log, lines } = memoryLogger();
    const holder = new IntelHolder(await loadIntel(s, { log }));
    // The consensus is from 2018: long past its valid-until and the 3 h threshold.
    const refresher = new IntelRefresher(holder, s, { log });
    refresher.start();
    try {
      for (let i = 0; i < 100 && holder.generation < 2; i++) await new Promise((r) => setTimeout(r, 50));
    } finally {
      refresher.stop();
    }
    expect(holder.generation).toBeGreaterThanOrEqual(2);
    const warn = lines.find((l) => l.msg === 'relay list is older than --relays-max-age');
    expect(warn).toMatchObject({ source: http.url('/t'), maxAgeHours: 3 });
  });
});
