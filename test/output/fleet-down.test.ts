/**
 * Fleet outputs whose servers are down, all in one run with a file output: the file gets every
 * alert and the run ends after the drain timeout (nothing waits per alert); what did not fit a small
 * spool is dropped, counted and logged as SPOOL FULL (as for syslog); the rest waits in each spool
 * and goes first, in order, when the server is back.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { NatsServer, RedisServer, RelpReceiver } from '../support/fleet-servers.js';
import { freePort, readLines } from '../support/receivers.js';
import { logLines, runCli } from '../support/run-cli.js';

const FLOWS = 3000;

describe('fleet outputs with their servers down', () => {
  let dir: string;
  let cap: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-down-'));
    cap = join(dir, 'flows.pcap');
    writeFileSync(cap, alertingCapture({ flows: FLOWS }).bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('do not hold up the file output; a full spool drops the newest, counted and logged; the rest is delivered later, in order', async () => {
    const [relpPort, redisPort, natsPort] = [await freePort(), await freePort(), await freePort()];
    // 64k holds about 40 alerts: most of the 3000 are refused by each spool.
    const small = 'spool-size=64k&drain-timeout=1';
    const urls = [
      `relp://127.0.0.1:${relpPort}?${small}&spool-dir=${dir}/s-relp`,
      `redis://127.0.0.1:${redisPort}/?key=tw:down&${small}&spool-dir=${dir}/s-redis`,
      `nats://127.0.0.1:${natsPort}?subject=tw.down&${small}&spool-dir=${dir}/s-nats`,
    ];
    const file = join(dir, 'alerts.ndjson');
    const started = Date.now();
    const r = await runCli(['replay', '--rate-limit', '0', '-o', file, ...urls.flatMap((u) => ['-o', u]), cap], { text: true });
    const elapsed = Date.now() - started;
    // Exit 3: the input was read, but each fleet output dropped alerts from its full spool (README: exit codes).
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr.split('\n').filter((l) => /^torwatch: .* dropped \(spool full\)$/.test(l))).toHaveLength(3);
    expect(readLines(file)).toHaveLength(FLOWS);
    // The drain timeouts (1 s) run side by side at the end.
    expect(elapsed).toBeLessThan(20_000);
    const logs = logLines(r.stderr);
    const summary = logs.find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
    const [fileOut, ...fleet] = summary.summary.outputs;
    expect(fileOut).toMatchObject({ written: FLOWS, failed: 0 });
    for (const [i, kind] of (['RELP', 'Redis', 'NATS'] as const).entries()) {
      const o = fleet[i];
      expect(Number(o.written) + Number(o.dropped), kind).toBe(FLOWS);
      expect(Number(o.dropped), kind).toBeGreaterThan(2000);
      expect(o, kind).toMatchObject({ delivered: 0, failed: o.dropped, spooled: o.written });
      expect(logs.some((l) => l.level === 50 && String(l.msg).startsWith(`SPOOL FULL: alerts DROPPED for this ${kind} output`)), kind).toBe(true);
      expect(logs.some((l) => String(l.msg).startsWith(`${kind}: cannot deliver to the receiver; spooling to disk and retrying`)), kind).toBe(true);
    }
    const kept = (n: number): string[] => readLines(file).slice(0, Number(fleet[n].written)).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);

    // The servers come up; a later run (nothing new to send) delivers what each spool kept, oldest first.
    const relp = new RelpReceiver(join(dir, 'relp'));
    relp.port = relpPort;
    const redis = new RedisServer(join(dir, 'redis'));
    redis.port = redisPort;
    const nats = new NatsServer(join(dir, 'nats'));
    nats.port = natsPort;
    await Promise.all([relp.start(), redis.start(), nats.start()]);
    try {
      await nats.addStream('DOWN', ['tw.down']);
      const empty = join(dir, 'empty.pcap');
      writeFileSync(empty, alertingCapture({ flows: 0 }).bytes);
      const again = await runCli(['replay', ...urls.flatMap((u) => ['-o', u.replace('drain-timeout=1', 'drain-timeout=20')]), empty], { text: true });
      expect(again.code, again.stderr).toBe(0);
      expect(relp.alerts().map((a) => (a.event as { id: string }).id)).toEqual(kept(0));
      expect(redis.listAlerts(0, 'tw:down').map((a) => (a.event as { id: string }).id)).toEqual(kept(1));
      expect((await nats.messages('DOWN')).map((m) => m.msgId)).toEqual(kept(2));
    } finally {
      await Promise.all([relp.stop(), redis.stop(), nats.stop()]);
    }
  }, 120_000);

  it('frozen servers (SIGSTOP: connections accepted, never answered) cost the start-up check and the drain timeout, no more', async () => {
    const relp = new RelpReceiver(join(dir, 'relp-frozen'));
    const redis = new RedisServer(join(dir, 'redis-frozen'));
    const nats = new NatsServer(join(dir, 'nats-frozen'));
    await Promise.all([relp.start(), redis.start(), nats.start()]);
    await nats.addStream('FROZEN', ['tw.frozen']);
    for (const s of [relp, redis, nats]) s.signal('SIGSTOP');
    try {
      const file = join(dir, 'frozen.ndjson');
      const started = Date.now();
      const r = await runCli(['replay', '--rate-limit', '0', '-o', file,
        '-o', `relp://127.0.0.1:${relp.port}?drain-timeout=1&spool-dir=${dir}/f-relp`,
        '-o', `redis://127.0.0.1:${redis.port}/?key=tw:frozen&drain-timeout=1&spool-dir=${dir}/f-redis`,
        '-o', `nats://127.0.0.1:${nats.port}?subject=tw.frozen&drain-timeout=1&spool-dir=${dir}/f-nats`, cap], { text: true });
      const elapsed = Date.now() - started;
      // Exit 3: the input was read, but three outputs hold their alerts in the spool (README: exit codes).
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr.split('\n').filter((l) => /^torwatch: .*0 of \d+ alerts delivered; \d+ wait in its spool/.test(l))).toHaveLength(3);
      expect(readLines(file)).toHaveLength(FLOWS);
      // 3 s start-up check per output, at most, then 1 s of draining side by side.
      expect(elapsed).toBeLessThan(25_000);
      const summary = logLines(r.stderr).find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
      for (const o of summary.summary.outputs.slice(1)) expect(o).toMatchObject({ written: FLOWS, delivered: 0, dropped: 0, spooled: FLOWS });
    } finally {
      for (const s of [relp, redis, nats]) s.signal('SIGCONT');
      await Promise.all([relp.stop(), redis.stop(), nats.stop()]);
    }
  }, 120_000);
});
