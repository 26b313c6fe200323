/**
 * redis:// against a real redis-server (read back with redis-cli): a replay of the regression
 * captures arrives field for field as the file output writes it, in order and once, as a list (RPUSH,
 * what Logstash reads) and as a stream (XADD with an event.id field, capped by MAXLEN ~); an ACL user
 * with its password in a file, a database number, and rediss:// (TLS); and a wrong password or a key
 * of another type stopping the run at start with one line.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { RedisServer } from '../support/fleet-servers.js';
import { makeCerts, readLines } from '../support/receivers.js';
import { logLines, PCAPS, runCli } from '../support/run-cli.js';

const CAPTURES = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort().map((f) => join(PCAPS, f));

function outputStats(stderr: string, n: number): Record<string, number | string> {
  const s = logLines(stderr).find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
  return s.summary.outputs[n];
}

describe('redis:// to redis-server', () => {
  let dir: string;
  let srv: RedisServer;
  let extra: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-redis-'));
    srv = new RedisServer(join(dir, 'srv'));
    await srv.start();
    extra = join(dir, 'flows.pcap');
    writeFileSync(extra, alertingCapture({ flows: 400 }).bytes);
  });
  afterAll(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('list and stream: the regression captures arrive field for field, in order, once', async () => {
    const file = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '--rate-limit', '0', '--relays', join(PCAPS, 'tor-private-net.consensus'), '-o', file,
      '-o', `redis://127.0.0.1:${srv.port}/?key=tw:list&spool-dir=${dir}/spool-list`,
      '-o', `redis://127.0.0.1:${srv.port}/?key=tw:stream&mode=stream&maxlen=0&spool-dir=${dir}/spool-stream`,
      ...CAPTURES, extra], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const want = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(want.length).toBeGreaterThan(450);
    // Delivered means Redis replied: everything is there when torwatch exits.
    expect(srv.listAlerts(0, 'tw:list')).toEqual(want);
    const entries = srv.streamEntries(0, 'tw:stream');
    expect(entries.map((e) => e.alert)).toEqual(want);
    for (const e of entries) expect(e.eventId).toBe((e.alert.event as { id: string }).id);
    for (const n of [1, 2]) expect(outputStats(r.stderr, n)).toMatchObject({ written: want.length, delivered: want.length, resent: 0, failed: 0, spooled: 0 });
  });

  it('a stream is capped near maxlen (MAXLEN ~: Redis trims whole nodes of 100 entries)', async () => {
    const r = await runCli(['replay', '--rate-limit', '0', '-o', `redis://127.0.0.1:${srv.port}/?key=tw:capped&mode=stream&maxlen=100&spool-dir=${dir}/spool-capped`, extra], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const len = srv.cli(0, 'XLEN', 'tw:capped') as number;
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(200);
    // The newest are the ones kept.
    const last = srv.streamEntries(0, 'tw:capped').at(-1)!;
    expect(last.alert.source).toMatchObject({ ip: '10.0.1.143' });
  });

  it('a key of another type, or a database that does not exist: exit 2, one line', async () => {
    srv.cli(0, 'SET', 'tw:string', 'x');
    const r = await runCli(['replay', '-o', `redis://127.0.0.1:${srv.port}/?key=tw:string&spool-dir=${dir}/spool-wrong`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^torwatch: --output redis:\/\/127\.0\.0\.1:\d+\/\?key=tw:string.*: Redis key 'tw:string' holds a string, not a list; choose another key or mode$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const db = await runCli(['replay', '-o', `redis://127.0.0.1:${srv.port}/99?spool-dir=${dir}/spool-db`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(db.code).toBe(2);
    expect(db.stderr).toMatch(/Redis refused SELECT 99: ERR DB index is out of range/);
  });
});

describe('redis:// with an ACL user, a database, TLS', () => {
  let dir: string;
  let srv: RedisServer;
  let certs: ReturnType<typeof makeCerts>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-redis-acl-'));
    certs = makeCerts(join(dir, 'pki'));
    srv = new RedisServer(join(dir, 'srv'), { user: { name: 'sensor', password: 's3cret pass' }, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
    await srv.start();
    writeFileSync(join(dir, 'pass'), 's3cret pass\n', { mode: 0o600 });
    writeFileSync(join(dir, 'wrong'), 'nope\n', { mode: 0o600 });
  });
  afterAll(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rediss://, ACL user, password-file, database 3: delivered; the password never shown', async () => {
    const file = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '-o', file, '-o', `rediss://sensor@localhost:${srv.tlsPort}/3?key=tw:acl&mode=stream&password-file=${dir}/pass&ca=${certs.ca}&spool-dir=${dir}/spool`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const want = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(srv.streamEntries(3, 'tw:acl').map((e) => e.alert)).toEqual(want);
    // In the URL the password is masked wherever the target is shown.
    const u = await runCli(['replay', '-o', `rediss://sensor:${encodeURIComponent('s3cret pass')}@localhost:${srv.tlsPort}/3?key=tw:acl2&ca=${certs.ca}&spool-dir=${dir}/spool2`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(u.code, u.stderr).toBe(0);
    expect(u.stderr).not.toMatch(/s3cret/);
    expect(u.stderr).toMatch(/rediss:\/\/sensor:\*\*\*@localhost/);
    expect(srv.listAlerts(3, 'tw:acl2')).toHaveLength(want.length);
  });

  it('a wrong password: exit 2 with one line, before any packet is read', async () => {
    const r = await runCli(['replay', '-o', `rediss://sensor@localhost:${srv.tlsPort}/3?password-file=${dir}/wrong&ca=${certs.ca}&spool-dir=${dir}/spool3`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/Redis refused AUTH for user 'sensor': WRONGPASS/);
    expect(r.stderr).not.toMatch(/"run summary"/);
  });

  it('a server certificate torwatch cannot verify: logged as an error, the alerts spooled', async () => {
    const r = await runCli(['replay', '-o', `rediss://sensor@localhost:${srv.tlsPort}/3?password-file=${dir}/pass&ca=${certs.otherCa}&spool-dir=${dir}/spool4&drain-timeout=1`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    // Exit 3: the input was read but the alerts wait in the spool (README: exit codes).
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^torwatch: rediss:.*: 0 of 4 alerts delivered; 4 wait in its spool for the next run with this output$/m);
    expect(logLines(r.stderr).some((l) => l.level === 50 && /Redis: cannot deliver/.test(String(l.msg)))).toBe(true);
    expect(outputStats(r.stderr, 0)).toMatchObject({ written: 4, delivered: 0, spooled: 4 });
  });
});
