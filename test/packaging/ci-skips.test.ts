/**
 * Issue 14, point 13: tests that can skip themselves must not vanish in CI. .ci/run (root, every
 * tool) exports TORWATCH_CI=1, and every suite that skips on a missing precondition reports that
 * precondition through requireUnderCi (test/support/ci.ts), directly or through liveUnavailable() /
 * availableBackends() (test/live/support.ts), which then fails the run instead of skipping.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? testFiles(p) : n.endsWith('.test.ts') ? [p] : [];
  });
}

describe('skipped suites fail under CI', () => {
  it('.ci/run exports TORWATCH_CI=1 before it runs the tests', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const exp = ci.indexOf('\nexport TORWATCH_CI=1\n');
    expect(exp).toBeGreaterThan(0);
    expect(ci.indexOf('\nnpm test')).toBeGreaterThan(exp);
  });

  it('every test file that can skip itself tells requireUnderCi why', () => {
    const offenders = testFiles(join(ROOT, 'test')).filter((f) => {
      const s = readFileSync(f, 'utf8');
      if (!/\.skipIf\(|\.runIf\(|\bit\.skip\(|\bdescribe\.skip\(/.test(s)) return false;
      return !/requireUnderCi\(|liveUnavailable\(\)|availableBackends\(\)/.test(s);
    }).map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('a live suite whose precondition is missing fails under TORWATCH_CI=1, and is skipped without it', () => {
    // A real vitest run of a live suite with `ip` and `tcpreplay` out of reach (an empty PATH).
    const run = (ci: boolean): { status: number | null; out: string } => {
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run', 'test/live/health-outputs.test.ts'], {
        cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent', TORWATCH_CI: ci ? '1' : '', NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000,
      });
      return { status: r.status, out: r.stdout + r.stderr };
    };
    const quiet = run(false);
    expect(quiet.status, quiet.out).toBe(0);
    expect(quiet.out).toMatch(/1 skipped/);
    const ci = run(true);
    expect(ci.status).not.toBe(0);
    expect(ci.out).toMatch(/live capture tests would be skipped under CI \(TORWATCH_CI=1\): (not root|ip is not installed)/);
  });
});
