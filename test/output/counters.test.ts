/**
 * Issue 14, point 10: output counters that add up. Before, a stdout whose reader had gone still
 * counted its first batch `written` (written 4, failed 9 of 13), and the UDP output to a port nobody
 * listened on reported `written 9, sent 5, refused 5, failed 5` (sent + failed > written).
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/receivers.js';
import { EMPTY_CACHE_HOME, PCAPS, ROOT, runCli } from '../support/run-cli.js';

const BIN = fileURLToPath(new URL('../../bin/torwatch.js', import.meta.url));
const INPUTS = [join(PCAPS, 'tor-port-mix.pcap'), join(PCAPS, 'dns-names.pcap')];

interface Summary {
  alerts: { total: number };
  outputs: (Record<string, number> & { target: string; written: number; failed: number })[];
}

function summaryOf(stderr: string): Summary {
  const line = stderr.split('\n').find((l) => l.includes('"summary"'));
  return (JSON.parse(line!) as { summary: Summary }).summary;
}

describe('output counters add up', () => {
  it('stdout whose reader is gone before the first write: nothing counted written, every alert failed', async () => {
    const c = spawn(process.execPath, [BIN, 'replay', '--relays', 'none', ...INPUTS], { cwd: ROOT, env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE_HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout.destroy(); // the reader goes away at once (as `| true` may)
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((r) => c.on('close', r));
    expect(code).toBe(0); // a reader that stops reading is a normal end for stdout
    const s = summaryOf(err);
    expect(s.alerts.total).toBeGreaterThan(0);
    expect(s.outputs).toEqual([{ target: '-', written: 0, failed: s.alerts.total }]);
  });

  it('stdout read to the end: every alert written, none failed', async () => {
    const r = await runCli(['replay', '--relays', 'none', ...INPUTS]);
    const s = summaryOf(r.stderr);
    expect(s.outputs).toEqual([{ target: '-', written: r.alerts.length, failed: 0 }]);
    expect(r.alerts.length).toBe(s.alerts.total);
  });

  it('UDP to a port nobody listens on: written = sent + failed, refusals are reports on sent datagrams, and the shortfall counts both', async () => {
    const port = await freePort();
    const target = `syslog+udp://127.0.0.1:${port}?bom=false`;
    const r = await runCli(['replay', '--relays', 'none', '-o', target, ...INPUTS], { text: true });
    expect(r.code).toBe(3);
    const s = summaryOf(r.stderr);
    const udp = s.outputs.find((o) => o.target === target)!;
    expect(udp.written).toBe(s.alerts.total);
    expect(udp.sent + udp.failed - udp.oversize).toBe(udp.written);
    expect(udp.refused).toBeGreaterThan(0);
    expect(udp.refused).toBeLessThanOrEqual(udp.sent);
    // Every datagram was lost: not sent, or sent and bounced (the last bounce may come after the end).
    const lost = udp.failed + udp.refused;
    expect(lost).toBeLessThanOrEqual(udp.written);
    expect(lost).toBeGreaterThanOrEqual(udp.written - 1);
    expect(r.stderr).toContain(`torwatch: ${target}: ${lost} alerts did not reach a receiver (`);
  });

  it('UDP to a listening receiver: everything written is sent and received, nothing failed or refused', async () => {
    const rx = createSocket('udp4');
    const got: Buffer[] = [];
    rx.on('message', (m) => got.push(m));
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const port = rx.address().port;
    const target = `syslog+udp://127.0.0.1:${port}?bom=false`;
    try {
      const r = await runCli(['replay', '--relays', 'none', '-o', target, ...INPUTS], { text: true });
      expect(r.code, r.stderr).toBe(0);
      const udp = summaryOf(r.stderr).outputs.find((o) => o.target === target)!;
      await new Promise((res) => setTimeout(res, 100));
      expect(udp).toMatchObject({ written: got.length, sent: got.length, failed: 0, refused: 0, oversize: 0 });
    } finally {
      rx.close();
    }
  });
});
