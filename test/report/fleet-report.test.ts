/**
 * A fleet hunt: two torwatch processes with different sensor names run at the same time, each writing
 * to its own file, to one shared Redis stream, to a Redis list per sensor (key with {sensor}) and to
 * one JetStream stream (subject with {sensor}). `torwatch report` over the servers gives the same hunt
 * summary as over the two files; alerts stored in several places count once (event.id); the same
 * traffic seen by both sensors stays two alerts (the sensor name is part of a replay's event ids).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HuntReport } from '../../src/report/hunt.js';
import { NatsServer, RedisServer } from '../support/fleet-servers.js';
import { readLines } from '../support/receivers.js';
import { PCAPS, ROOT, runCli } from '../support/run-cli.js';

type Report = HuntReport & { inputs: { files: number; alerts: number; duplicates: number; skipped: number; errors: string[] } };
const BIN = join(ROOT, 'bin', 'torwatch.js');

async function report(args: string[]): Promise<Report> {
  const r = await runCli(['report', '--json', ...args], { text: true });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Report;
}

/** A sensor: `torwatch replay` in the background, resolved with its exit code and stderr. */
function sensor(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'replay', ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('fleet-wide hunt over Redis and JetStream', () => {
  let dir: string;
  let redis: RedisServer;
  let nats: NatsServer;
  const files = { dc1: '', dc2: '' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-fleet-'));
    redis = new RedisServer(join(dir, 'redis'));
    nats = new NatsServer(join(dir, 'nats'));
    await Promise.all([redis.start(), nats.start()]);
    await nats.addStream('TORWATCH', ['torwatch.alerts.>']);
    const relays = ['--relays', join(PCAPS, 'tor-private-net.consensus')];
    // dc1 and dc2 both see the private Tor network's traffic; dc2 also sees web and port-scan traffic.
    const traffic = { dc1: [join(PCAPS, 'tor-private-net.pcap')], dc2: [join(PCAPS, 'tor-private-net.pcap'), join(PCAPS, 'web-names.pcap'), join(PCAPS, 'tor-port-mix.pcap')] };
    const runs = (['dc1', 'dc2'] as const).map((name) => {
      files[name] = join(dir, `${name}.ndjson`);
      return sensor(['--sensor-name', name, ...relays, '-o', files[name],
        '-o', `redis://127.0.0.1:${redis.port}/0?key=torwatch:alerts&mode=stream&spool-dir=${dir}/${name}-stream`,
        '-o', `redis://127.0.0.1:${redis.port}/0?key=torwatch:{sensor}:alerts&spool-dir=${dir}/${name}-list`,
        '-o', `nats://127.0.0.1:${nats.port}?subject=torwatch.alerts.{sensor}&spool-dir=${dir}/${name}-nats`,
        ...traffic[name]]);
    });
    for (const r of await Promise.all(runs)) expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), nats?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("both sensors' alerts are in each store, told apart by observer.name, subject and key", async () => {
    const want = [...readLines(files.dc1), ...readLines(files.dc2)].map((l) => JSON.parse(l) as Record<string, unknown>);
    const byId = (a: Record<string, unknown>): string => (a.event as { id: string }).id;
    const stream = redis.streamEntries(0, 'torwatch:alerts');
    expect(stream.map((e) => e.eventId).sort()).toEqual(want.map(byId).sort());
    expect(new Set(stream.map((e) => (e.alert.observer as { name: string }).name))).toEqual(new Set(['dc1', 'dc2']));
    for (const name of ['dc1', 'dc2']) {
      expect(redis.listAlerts(0, `torwatch:${name}:alerts`)).toEqual(readLines(files[name as 'dc1' | 'dc2']).map((l) => JSON.parse(l)));
    }
    const msgs = await nats.messages('TORWATCH');
    expect(msgs).toHaveLength(want.length);
    for (const m of msgs) expect(m.subject).toBe(`torwatch.alerts.${(m.alert.observer as { name: string }).name}`);
    // The same traffic on both sensors: as many alerts from each, no event.id shared.
    const dc1 = new Set(readLines(files.dc1).map((l) => byId(JSON.parse(l) as Record<string, unknown>)));
    expect(readLines(files.dc2).some((l) => dc1.has(byId(JSON.parse(l) as Record<string, unknown>)))).toBe(false);
  });

  it('report over the servers = report over the files; what several stores hold counts once', async () => {
    const fromFiles = await report([files.dc1, files.dc2]);
    expect(fromFiles.inputs.alerts).toBeGreaterThan(20);
    expect(fromFiles.fingerprints.length).toBeGreaterThan(0);
    const stream = `redis://127.0.0.1:${redis.port}/0?key=torwatch:alerts`;
    const lists = `redis://127.0.0.1:${redis.port}/0?key=torwatch:{sensor}:alerts`;
    const jet = `nats://127.0.0.1:${nats.port}?subject=torwatch.alerts.{sensor}`;
    for (const sources of [[stream], [lists], [jet], [stream, jet, lists]]) {
      const r = await report(sources);
      expect(r.hosts, sources.join(' ')).toEqual(fromFiles.hosts);
      expect(r.fingerprints).toEqual(fromFiles.fingerprints);
      expect(r.serverNames).toEqual(fromFiles.serverNames);
      expect(r.inputs.alerts).toBe(fromFiles.inputs.alerts);
    }
    const all = await report([stream, jet, lists]);
    // One stream + one JetStream stream + one list per sensor.
    expect(all.inputs.files).toBe(4);
    expect(all.inputs.duplicates).toBe(2 * fromFiles.inputs.alerts);
    // The Tor handshake both sensors saw: its fingerprint from both sensors' alerts of the same host.
    const tor = fromFiles.fingerprints.find((f) => f.kind === 'ja3')!;
    expect(tor.alerts).toBeGreaterThanOrEqual(2);
  });

  it('a key or stream that is not there: one line naming it, exit 2, the other sources still read', async () => {
    const r = await runCli(['report', '--json', `redis://127.0.0.1:${redis.port}/0?key=nothing`, `nats://127.0.0.1:${nats.port}?stream=NOPE`, files.dc1], { text: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(lines).toEqual([
      `torwatch: redis://127.0.0.1:${redis.port}/0?key=nothing key nothing: no such key`,
      `torwatch: nats://127.0.0.1:${nats.port}?stream=NOPE: no JetStream stream 'NOPE'`,
    ]);
    expect((JSON.parse(r.stdout) as Report).inputs.alerts).toBe(readLines(files.dc1).length);
  });
});
