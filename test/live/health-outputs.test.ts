/**
 * Issue 14, point 11: /healthz reports outputs that cannot deliver. Before, a daemon whose syslog
 * receiver was down answered 200 "ok" while every alert piled up in the spool. A real daemon in a
 * tw14h namespace, a real TCP receiver started and stopped beside it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireUnderCi } from '../support/ci.js';
import { clientServer, connectMany, Daemon, httpGetInNs, Lab, liveUnavailable, sleep, startTcpServer } from './support.js';

const unavailable = liveUnavailable();
requireUnderCi('live /healthz tests', unavailable);

describe.skipIf(unavailable !== undefined)('/healthz and outputs', () => {
  const lab = new Lab('tw14h');
  let client = '';
  let tmp = '';
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'tw14h-health-'));
    const ns = clientServer(lab);
    client = ns.client;
    await startTcpServer(lab, ns.server);
  });
  afterAll(async () => {
    await lab.cleanup();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('503 naming the syslog output while its receiver is down; 200 once it is up and the spool drained', async () => {
    const target = `syslog+tcp://127.0.0.1:6514?spool-dir=${join(tmp, 'spool')}`;
    const d = new Daemon(lab, client, ['-i', 'c0', '--metrics', '127.0.0.1:9464', '--stats-interval', '0', '-o', '-', '-o', target]);
    await d.started();
    await connectMany(lab, client, 2);
    await d.waitAlerts(2);
    let h = httpGetInNs(lab, client, 'http://127.0.0.1:9464/healthz');
    for (let i = 0; i < 50 && h.status === 200; i++) {
      await sleep(100);
      h = httpGetInNs(lab, client, 'http://127.0.0.1:9464/healthz');
    }
    expect(h.status).toBe(503);
    const body = JSON.parse(h.body) as { status: string; reason: string; outputs: { target: string; problem: string }[] };
    expect(body.status).toBe('unhealthy');
    expect(body.reason).toBe('outputs cannot deliver');
    expect(body.outputs).toEqual([{ target, problem: expect.stringMatching(/^receiver unreachable for \d+ s; \d+ alerts wait in the spool$/) }]);
    const bin = join(import.meta.dirname, '../../bin/torwatch.js');
    expect(() => lab.exec(client, process.execPath, [bin, 'health', '--metrics', '127.0.0.1:9464'])).toThrow();

    // The receiver comes up in the daemon's namespace: the spool drains, health returns.
    const rx = lab.spawn(client, process.execPath, ['-e', "require('net').createServer(s=>s.on('data',()=>{})).listen(6514,'127.0.0.1')"]);
    for (let i = 0; i < 100 && h.status !== 200; i++) {
      await sleep(200);
      h = httpGetInNs(lab, client, 'http://127.0.0.1:9464/healthz');
    }
    expect(h.status, h.body).toBe(200);
    expect(JSON.parse(h.body).status).toBe('ok');
    expect(await d.stop()).toBe(0);
    rx.kill();
  });
});
