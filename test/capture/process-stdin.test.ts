/**
 * '-' with the real process.stdin of a separate Node process: a shell pipe, a redirected regular
 * file (size known for progress), gzip through a pipe, and a terminal (refused). The reader is
 * compiled with the project's tsc into a temp dir so the child runs plain JavaScript.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATA, FIXTURES, readAll, tsString } from './helpers.js';

const ROOT = join(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'torwatch-stdin-'));
const runner = join(dir, 'runner.mjs');

beforeAll(() => {
  execFileSync(
    join(ROOT, 'node_modules/.bin/tsc'),
    ['--ignoreConfig', '--outDir', join(dir, 'js'), '--rootDir', join(ROOT, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node', join(ROOT, 'src/capture/file/open.ts')],
    { cwd: ROOT, stdio: 'pipe' },
  );
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(
    runner,
    `import { readCaptureFile } from './js/capture/file/open.js';
const lines = [];
let total;
try {
  const info = await readCaptureFile('-', (f) => lines.push(f.tsSec + '.' + String(f.tsNsec).padStart(9, '0') + ' ' + f.caplen + ' ' + f.buf.toString('hex', f.off, f.off + f.caplen)), { onProgress: (_a, _b, t) => { total = t; } });
  process.stdout.write(JSON.stringify({ info, total, lines }));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: e.name + ': ' + e.message, lines }));
}
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface RunnerOut {
  info?: { format: string; compressed: boolean; records: number };
  total?: number;
  lines: string[];
  error?: string;
}

function sh(cmd: string, file: string): RunnerOut {
  const out = execFileSync('sh', ['-c', cmd.replace('RUNNER', `node ${runner}`)], { env: { ...process.env, F: file }, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.toString('utf8')) as RunnerOut;
}

async function expected(file: string): Promise<string[]> {
  const r = await readAll(file);
  expect(r.error).toBeUndefined();
  return r.recs.map((x) => `${tsString(x.tsSec, x.tsNsec)} ${x.caplen} ${x.hex}`);
}

describe('process.stdin', () => {
  it('a shell pipe: cat F | torwatch-reader -', async () => {
    const file = join(FIXTURES, 'lo-dumpcap.pcapng');
    const out = sh('cat "$F" | RUNNER', file);
    expect(out.error).toBeUndefined();
    expect(out.info).toMatchObject({ format: 'pcapng', compressed: false, records: 24 });
    expect(out.total).toBeUndefined(); // a pipe has no size
    expect(out.lines).toEqual(await expected(file));
  });

  it('a redirected file: size on disk known for progress', async () => {
    const file = join(FIXTURES, 'lo-nano.pcap');
    const out = sh('RUNNER < "$F"', file);
    expect(out.info).toMatchObject({ format: 'pcap', records: 24 });
    expect(out.total).toBe(statSync(file).size);
    expect(out.lines).toEqual(await expected(file));
  });

  it('gzip through a pipe', async () => {
    const file = `${DATA}/zeek/Traces/tls/tls-fragmented-handshake.pcap.gz`;
    const out = sh('cat "$F" | RUNNER', file);
    expect(out.info).toMatchObject({ format: 'pcap', compressed: true });
    expect(out.lines).toEqual(await expected(file));
  });

  it('an empty pipe and garbage on stdin end in InputError', () => {
    expect(sh('printf "" | RUNNER', '').error).toMatch(/^InputError: -: file is empty/);
    expect(sh('echo hello world | RUNNER', '').error).toMatch(/^InputError: -: byte offset 0: not a pcap, pcapng or gzip file/);
  });

  it('a terminal on stdin is refused with a hint', () => {
    // python's pty.spawn gives the child a pseudo-terminal as stdin.
    const p = spawnSync('python3', ['-c', `import pty, sys; pty.spawn(["node", sys.argv[1]])`, runner], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    expect(p.stdout.toString('utf8')).toMatch(/stdin is a terminal; pipe a capture into it/);
  });
});
