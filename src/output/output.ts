import type { EcsAlert } from '../alert/ecs-alert.js';

/**
 * An alert destination. Outputs only serialize and deliver: they never look inside an alert except to
 * frame it for their transport. `write` never blocks and never throws for delivery problems (a broken
 * destination is logged and counted); `flush` is the backpressure point the pipeline awaits.
 */
export interface AlertOutput {
  /** What the user typed (`-`, a path, a URL), for logs and the summary. */
  readonly target: string;
  /** Enqueue one alert; `line` is its JSON serialization without a trailing newline. */
  write(line: string, alert: EcsAlert): void;
  /** Resolve once everything written so far is handed to the OS / receiver. */
  flush(): Promise<void>;
  /** Reopen files (logrotate's rename rotation, SIGHUP). */
  reopen?(): Promise<void>;
  /** Flush and release. */
  close(): Promise<void>;
  /** Counters for the run summary. */
  stats(): OutputStats;
  /**
   * Why this output cannot deliver right now (receiver unreachable, writes failing, stdout closed),
   * or undefined while it can: the daemon's /healthz names every output that answers.
   */
  deliveryProblem?(nowMs: number): string | undefined;
}

/** "41 s", "3 min": how long an outage has lasted, for a health report. */
export function outageFor(sinceMs: number, nowMs: number): string {
  const s = Math.max(0, Math.round((nowMs - sinceMs) / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

export interface OutputStats {
  target: string;
  written: number;
  failed: number;
  [extra: string]: string | number;
}

/** Fans each alert out to every output; serializes once. */
export class OutputSet {
  constructor(readonly outputs: AlertOutput[]) {}

  send(alert: EcsAlert): void {
    const line = JSON.stringify(alert);
    for (const o of this.outputs) o.write(line, alert);
  }

  async flush(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.flush()));
  }

  async reopen(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.reopen?.()));
  }

  async close(): Promise<void> {
    await Promise.all(this.outputs.map((o) => o.close()));
  }

  stats(): OutputStats[] {
    return this.outputs.map((o) => o.stats());
  }

  /** The outputs that cannot deliver now, and why (for /healthz). */
  problems(nowMs = Date.now()): { target: string; problem: string }[] {
    const out: { target: string; problem: string }[] = [];
    for (const o of this.outputs) {
      const problem = o.deliveryProblem?.(nowMs);
      if (problem) out.push({ target: o.target, problem });
    }
    return out;
  }
}
