import type { Logger } from 'pino';

/**
 * Per-rule rate limit on the packet clock: at most `perMinute` alerts of one rule in any window of
 * 60 s that starts with the rule's first alert after the previous window ended (Suricata's
 * rate_filter / Elastic's "max alerts per execution" idea: a scan must not flood the SIEM).
 * What is held back is counted per rule and logged: once when a rule hits its limit in a window,
 * and with the total when that window ends.
 */
export const RATE_WINDOW_MS = 60_000;

interface RuleWindow {
  startMs: number;
  sent: number;
  heldBack: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, RuleWindow>();
  /** Held back over the whole run, by rule id. */
  readonly heldBack: Record<string, number> = {};

  constructor(
    private readonly perMinute: number,
    private readonly log?: Logger,
  ) {}

  /** May one more alert of `rule` go out at packet time `nowMs`? Counts it either way. */
  allow(rule: string, nowMs: number): boolean {
    if (this.perMinute <= 0) return true;
    let w = this.windows.get(rule);
    if (!w || nowMs >= w.startMs + RATE_WINDOW_MS) {
      if (w) this.closeWindow(rule, w);
      w = { startMs: nowMs, sent: 0, heldBack: 0 };
      this.windows.set(rule, w);
    }
    if (w.sent < this.perMinute) {
      w.sent++;
      return true;
    }
    if (w.heldBack === 0) {
      this.log?.warn({ rule, limit: this.perMinute, windowStart: new Date(w.startMs).toISOString() }, 'rate limit reached: holding back further alerts of this rule until the minute is over');
    }
    w.heldBack++;
    this.heldBack[rule] = (this.heldBack[rule] ?? 0) + 1;
    return false;
  }

  /** End of run: report what the open windows held back. */
  finish(): void {
    for (const [rule, w] of this.windows) this.closeWindow(rule, w);
    this.windows.clear();
  }

  get totalHeldBack(): number {
    return Object.values(this.heldBack).reduce((a, b) => a + b, 0);
  }

  private closeWindow(rule: string, w: RuleWindow): void {
    if (w.heldBack > 0) {
      this.log?.warn({ rule, limit: this.perMinute, sent: w.sent, heldBack: w.heldBack, windowStart: new Date(w.startMs).toISOString() }, 'rate limit: alerts held back in this minute');
    }
  }
}
