import { expect } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** Worker counts the sameness promise is checked at (SPEC.md: the output is the same whatever the number). */
export const WORKER_COUNTS = [2, 4];

/**
 * Replay `files` (one run) with --workers 1, then 2 and 4: every run must print the same alerts byte for byte
 * (same documents, event ids and order), the same one-line errors and the same exit code. Returns how
 * many alerts the one-worker run printed (callers check the corpus is not silent).
 */
export async function expectSameWhateverWorkers(files: string[], extra: string[] = []): Promise<number> {
  const file = files.length === 1 ? files[0] : `${files.length} files`;
  const args = (n: number): string[] => ['replay', '--workers', String(n), '--log-level', 'error', '--progress', 'never', ...extra, ...files];
  const one = await runCli(args(1), { timeoutMs: 180_000 });
  for (const n of WORKER_COUNTS) {
    const many = await runCli(args(n), { timeoutMs: 180_000 });
    expect(many.code, `${file}: exit code with --workers ${n}`).toBe(one.code);
    expect(many.stderr, `${file}: errors with --workers ${n}`).toBe(one.stderr);
    // Compared as text: the same bytes, so the same event ids, fields and order.
    expect(many.stdout === one.stdout, `${file}: alerts with --workers ${n} differ from one worker's`).toBe(true);
  }
  return one.alerts.length;
}
