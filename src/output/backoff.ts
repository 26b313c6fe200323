/**
 * Reconnect delays: exponential with "equal jitter" (half the step fixed, half random), so a fleet
 * of sensors that lost the same collector does not reconnect in lock-step, yet no sensor retries
 * in a tight loop. Delay n (0-based) = step/2 + random(0, step/2), step = min(max, base * 2^n).
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Random source in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions) {}

  /** The delay before the next attempt; each call moves one step up. */
  next(): number {
    const step = Math.min(this.opts.maxMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    const r = (this.opts.random ?? Math.random)();
    return Math.round(step / 2 + r * (step / 2));
  }

  /** After a success: start from the base again. */
  reset(): void {
    this.attempt = 0;
  }

}
