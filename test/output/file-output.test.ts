/**
 * The file output for log shippers: size rotation, and logrotate's rename rotation with SIGHUP (the
 * real logrotate against a running torwatch). Across rotations no alert is lost, none is doubled, and
 * every file holds whole lines only.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertingCapture } from '../support/alert-capture.js';
import { NO_RELAYS, ROOT, runCli } from '../support/run-cli.js';

const BIN = join(ROOT, 'bin', 'torwatch.js');
const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'tw5-file-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Every line of a file is a whole JSON alert; returns their event ids. */
function ids(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  if (text.length) expect(text.endsWith('\n'), `${path} ends with a whole line`).toBe(true);
  return text.split('\n').filter((l) => l).map((l) => (JSON.parse(l) as { event: { id: string } }).event.id);
}

describe('file output', () => {
  it('size rotation: files stay under the size, the newest alerts are kept in order, older files beyond keep are deleted', async () => {
    const dir = tmp();
    const cap = join(dir, 'c.pcap');
    writeFileSync(cap, alertingCapture({ flows: 600 }).bytes);
    const out = join(dir, 'alerts.ndjson');
    const r = await runCli(['replay', '--rate-limit', '0', '-o', '-', '-o', `file://${out}?rotate-size=128k&rotate-keep=3&fsync=batch`, cap]);
    expect(r.code, r.stderr).toBe(0);
    const all = r.alerts.map((a) => (a.event as { id: string }).id);
    expect(all).toHaveLength(600);
    expect(readdirSync(dir).filter((f) => f.startsWith('alerts.ndjson')).sort()).toEqual(['alerts.ndjson', 'alerts.ndjson.1', 'alerts.ndjson.2', 'alerts.ndjson.3']);
    const kept = [`${out}.3`, `${out}.2`, `${out}.1`, out].flatMap((f) => {
      expect(statSync(f).size).toBeLessThanOrEqual(128 * 1024);
      return ids(f);
    });
    expect(kept.length).toBeGreaterThan(100);
    expect(kept).toEqual(all.slice(all.length - kept.length));
    const summary = JSON.parse(r.stderr.split('\n').find((l) => l.includes('"run summary"'))!) as { summary: { outputs: Record<string, number>[] } };
    expect(summary.summary.outputs[1].rotations).toBeGreaterThan(3);
  });

  it('logrotate renames the file and sends SIGHUP: torwatch reopens, nothing lost or doubled', async () => {
    const dir = tmp();
    const out = join(dir, 'alerts.ndjson');
    const cap = alertingCapture({ flows: 900 });
    const child = spawn(process.execPath, [BIN, 'replay', ...NO_RELAYS, '--rate-limit', '0', '-o', out, '-o', join(dir, 'all.ndjson'), '-'], { cwd: ROOT, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const conf = join(dir, 'logrotate.conf');
    writeFileSync(conf, `${out} {\n  rotate 5\n  missingok\n  nocompress\n  create 0640\n  postrotate\n    kill -HUP ${child.pid}\n  endscript\n}\n`);
    child.stdin.write(cap.header);
    for (let i = 0; i < 9; i++) {
      child.stdin.write(Buffer.concat(cap.records.slice(i * 100, (i + 1) * 100)));
      await sleep(150);
      // logrotate's SIGHUP must not reach a process still starting (before its handler, SIGHUP ends it):
      // the first alerts in the file say torwatch is up. A loaded machine can take more than 450 ms.
      for (let waited = 0; i === 2 && !(existsSync(out) && statSync(out).size > 0) && waited < 20_000; waited += 50) await sleep(50);
      if (i === 2 || i === 5) execFileSync('logrotate', ['-f', '-s', join(dir, 'state'), conf]);
    }
    child.stdin.end();
    expect(await closed, stderr).toBe(0);
    expect(stderr.split('\n').filter((l) => l.includes('alert file reopened') && l.includes(`"file":"${out}"`))).toHaveLength(2);
    const all = ids(join(dir, 'all.ndjson'));
    expect(all).toHaveLength(900);
    const parts = [`${out}.2`, `${out}.1`, out].map((f) => (existsSync(f) ? ids(f) : []));
    expect(parts.every((p) => p.length > 0)).toBe(true);
    expect(parts.flat()).toEqual(all);
  });
});
