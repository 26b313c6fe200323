import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { ecsProblems } from './ecs-schema.js';
import { ROOT } from './paths.js';

export { PCAPS, ROOT, SHARED } from './paths.js';

const BIN = fileURLToPath(new URL('../../bin/torwatch.js', import.meta.url));

/**
 * The relay cache every CLI run sees unless a test names its own (--relays-cache, or env): an empty
 * directory of this test process, so a run without --relays uses the built-in snapshot whatever the
 * machine's ~/.cache holds, and nothing a test imports leaks into another file's runs.
 */
export const EMPTY_CACHE_HOME = mkdtempSync(join(tmpdir(), 'tw-cache-home-'));

/**
 * No relay set (`--relays none`), for tests that spawn torwatch themselves and time signals or a
 * receiver's outage against its run: they are about outputs, and loading the built-in relay snapshot
 * (about half a second) would shift their timing. Tests of relay matching leave it out.
 */
export const NO_RELAYS = ['--relays', 'none'];

/**
 * Flags that turn aggregation off (suppression windows and the rate limit): one alert per flow and
 * rule. Tests that count detections per flow use them; test/detect/aggregate and test/output cover aggregation.
 */
export const NO_AGGREGATION = ['--suppress-window', '0', '--rate-limit', '0'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as NDJSON alerts (only when every line is JSON). */
  alerts: Record<string, unknown>[];
}

/**
 * Run the real CLI (bin/torwatch.js over the compiled dist/) as a user would. Every alert it prints is
 * checked against the ECS field list here, so every test that produces alerts also validates them.
 */
export async function runCli(args: string[], opts: { stdin?: Buffer | string; timeoutMs?: number; env?: NodeJS.ProcessEnv; /** stdout is not NDJSON (help, tables) */ text?: boolean } = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, XDG_CACHE_HOME: EMPTY_CACHE_HOME, CACHE_DIRECTORY: '', ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => undefined);
  child.stdin.end(opts.stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  clearTimeout(timer);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  const alerts = opts.text ? [] : stdout.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const a of alerts) expect(ecsProblems(a), `ECS problems in ${JSON.stringify(a).slice(0, 200)}`).toEqual([]);
  return { code, stdout, stderr, alerts };
}

/** Read a dotted path ("source.ip") from a nested alert. */
export function field(doc: Record<string, unknown>, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path === '@timestamp' ? ['@timestamp'] : path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Lines of the pino JSON log on stderr that parse as JSON. */
export function logLines(stderr: string): Record<string, unknown>[] {
  return stderr.split('\n').flatMap((l) => {
    try {
      const v = JSON.parse(l) as unknown;
      return typeof v === 'object' && v !== null ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}
