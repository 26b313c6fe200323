/**
 * One sensor identity in every output: observer.name is --sensor-name, observer.hostname is this
 * host's name, and the syslog HOSTNAME a real rsyslog parses is that same name (unless
 * --syslog-hostname says otherwise); a replay's event ids stay deterministic per sensor name and
 * differ between sensors (the fleet stores must not merge two sensors' alerts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, readFields, readLines, Rsyslog, waitLines } from '../support/receivers.js';
import { PCAPS, runCli } from '../support/run-cli.js';

const CAPTURE = join(PCAPS, 'tor-port-mix.pcap');
const ids = (file: string): string[] => readLines(file).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);

describe('sensor identity', () => {
  let dir: string;
  let rx: Rsyslog;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-identity-'));
    rx = new Rsyslog(join(dir, 'rx'), [{ name: 'tcp', kind: 'tcp', port: await freePort() }]);
    await rx.start();
  });
  afterAll(async () => {
    await rx?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('observer.name, observer.hostname and the syslog HOSTNAME agree', async () => {
    const port = rx.inputs[0].port;
    const file = join(dir, 'a.ndjson');
    const r = await runCli(['replay', '--sensor-name', 'span-7', '-o', file, '-o', `syslog+tcp://127.0.0.1:${port}?bom=false&spool-dir=${dir}/s1`, CAPTURE], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const host = hostname().replace(/[^\x21-\x7e]/g, '_');
    const alerts = readLines(file).map((l) => JSON.parse(l) as { observer: Record<string, unknown> });
    expect(alerts).toHaveLength(4);
    for (const a of alerts) expect(a.observer).toMatchObject({ name: 'span-7', hostname: host });
    const got = await waitLines(rx.fields('tcp'), 4);
    expect(got).toHaveLength(4);
    for (const f of readFields(rx.fields('tcp'))) expect(f.hostname).toBe(host);

    // --syslog-hostname changes the syslog header only.
    const r2 = await runCli(['replay', '--sensor-name', 'span-7', '--syslog-hostname', 'collector-facing.example', '-o', join(dir, 'b.ndjson'), '-o', `syslog+tcp://127.0.0.1:${port}?bom=false&spool-dir=${dir}/s2`, CAPTURE], { text: true });
    expect(r2.code, r2.stderr).toBe(0);
    await waitLines(rx.fields('tcp'), 8);
    expect(readFields(rx.fields('tcp')).slice(4).map((f) => f.hostname)).toEqual(Array(4).fill('collector-facing.example'));
    expect(readLines(join(dir, 'b.ndjson')).map((l) => (JSON.parse(l) as { observer: { hostname: string } }).observer.hostname)).toEqual(Array(4).fill(host));
  });

  it('replay event ids: the same for the same sensor name, different between sensors', async () => {
    const run = async (name: string, extra: string[]): Promise<string[]> => {
      const f = join(dir, `${name}.ndjson`);
      const r = await runCli(['replay', ...extra, '-o', f, CAPTURE], { text: true });
      expect(r.code, r.stderr).toBe(0);
      return ids(f);
    };
    const none = await run('none', []);
    const a1 = await run('a1', ['--sensor-name', 'a']);
    const a2 = await run('a2', ['--sensor-name', 'a']);
    const b = await run('b', ['--sensor-name', 'b']);
    expect(a1).toEqual(a2);
    for (const other of [none, b]) expect(a1.filter((id) => other.includes(id))).toEqual([]);
  });
});
