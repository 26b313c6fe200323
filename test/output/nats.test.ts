/**
 * nats:// against a real nats-server with JetStream (read back with the official client): a replay
 * of the regression captures arrives field for field as the file output writes it, in order, each
 * message with Nats-Msg-Id = event.id on the sensor's subject; replaying again is dropped by the
 * stream's duplicate window (and counted); no stream for the subject, or refused credentials, stop
 * the run at start with one line; user/password, a token file and TLS.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsServer } from '../support/fleet-servers.js';
import { makeCerts, readLines } from '../support/receivers.js';
import { logLines, PCAPS, runCli } from '../support/run-cli.js';

const CAPTURES = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort().map((f) => join(PCAPS, f));

function outputStats(stderr: string, n: number): Record<string, number | string> {
  const s = logLines(stderr).find((l) => l.msg === 'run summary') as { summary: { outputs: Record<string, number | string>[] } };
  return s.summary.outputs[n];
}

describe('nats:// to nats-server with JetStream', () => {
  let dir: string;
  let srv: NatsServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-nats-'));
    srv = new NatsServer(join(dir, 'srv'));
    await srv.start();
    await srv.addStream('TORWATCH', ['torwatch.alerts.>']);
  });
  afterAll(async () => {
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the regression captures arrive field for field, in order, on the sensor's subject, Nats-Msg-Id = event.id", async () => {
    const file = join(dir, 'alerts.ndjson');
    const url = `nats://127.0.0.1:${srv.port}?spool-dir=${dir}/spool`;
    const args = ['replay', '--sensor-name', 'span-1', '--relays', join(PCAPS, 'tor-private-net.consensus'), '-o', file, '-o', url, ...CAPTURES];
    const r = await runCli(args, { text: true });
    expect(r.code, r.stderr).toBe(0);
    const want = readLines(file).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(want.length).toBeGreaterThan(50);
    const got = await srv.messages('TORWATCH');
    expect(got.map((m) => m.alert)).toEqual(want);
    for (const m of got) {
      expect(m.subject).toBe('torwatch.alerts.span-1');
      expect(m.msgId).toBe((m.alert.event as { id: string }).id);
      expect(m.alert.observer).toMatchObject({ name: 'span-1' });
    }
    expect(outputStats(r.stderr, 1)).toMatchObject({ written: want.length, delivered: want.length, duplicates: 0, failed: 0, spooled: 0 });

    // The same replay again (same event ids): JetStream's duplicate window drops every one, and says so.
    const again = await runCli(args.map((a) => (a === file ? join(dir, 'again.ndjson') : a)), { text: true });
    expect(again.code, again.stderr).toBe(0);
    expect(outputStats(again.stderr, 1)).toMatchObject({ delivered: want.length, duplicates: want.length });
    expect(await srv.messages('TORWATCH')).toHaveLength(want.length);
  });

  it('no stream covers the subject: exit 2, one line saying how to make one', async () => {
    const r = await runCli(['replay', '-o', `nats://127.0.0.1:${srv.port}?subject=elsewhere.{sensor}&spool-dir=${dir}/spool2`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no JetStream stream covers subject 'elsewhere\.[^']+' \(create one, e\.g\. nats stream add TORWATCH --subjects 'elsewhere\.>'/);
  });
});

describe('nats:// credentials and TLS', () => {
  let dir: string;
  let certs: ReturnType<typeof makeCerts>;
  const servers: NatsServer[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-nats-auth-'));
    certs = makeCerts(join(dir, 'pki'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function server(name: string, o: ConstructorParameters<typeof NatsServer>[1]): Promise<NatsServer> {
    const s = new NatsServer(join(dir, name), o);
    servers.push(s);
    await s.start();
    await s.addStream('TW', ['tw.>']);
    return s;
  }

  it('user and password over TLS: delivered, the password masked; a wrong one: exit 2, one line', async () => {
    const s = await server('userpass', { user: { name: 'sensor', password: 'pw-1' }, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.ca } });
    const ok = await runCli(['replay', '-o', `nats://sensor:pw-1@localhost:${s.port}?subject=tw.a&tls=true&ca=${certs.ca}&spool-dir=${dir}/s1`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).not.toMatch(/pw-1/);
    expect(await s.messages('TW')).toHaveLength(4);
    const bad = await runCli(['replay', '-o', `nats://sensor:wrong@localhost:${s.port}?subject=tw.a&tls=true&ca=${certs.ca}&spool-dir=${dir}/s2`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n').filter((l) => l.startsWith('torwatch:'))).toEqual([expect.stringMatching(/NATS refused the credentials/)]);
  });

  it('a token from a file', async () => {
    const s = await server('token', { token: 'tok-123' });
    writeFileSync(join(dir, 'token.txt'), 'tok-123\n', { mode: 0o600 });
    const r = await runCli(['replay', '-o', `nats://127.0.0.1:${s.port}?subject=tw.b&token-file=${dir}/token.txt&spool-dir=${dir}/s3`, join(PCAPS, 'tor-port-mix.pcap')], { text: true });
    expect(r.code, r.stderr).toBe(0);
    expect((await s.messages('TW')).map((m) => m.subject)).toEqual(['tw.b', 'tw.b', 'tw.b', 'tw.b']);
  });
});
