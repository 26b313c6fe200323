/**
 * Suites that need root, a tool or a native build skip themselves where those are missing (a
 * developer's laptop). CI has all of them (.ci/run installs them and runs as root) and sets
 * TORWATCH_CI=1: there a suite that would be skipped fails instead, so a broken install step cannot
 * make tests vanish quietly. Call at module level with the reason the suite would skip (or undefined).
 */
export function requireUnderCi(suite: string, whySkipped: string | undefined): void {
  if (whySkipped !== undefined && process.env.TORWATCH_CI === '1') {
    throw new Error(`${suite} would be skipped under CI (TORWATCH_CI=1): ${whySkipped}`);
  }
}
