import type { Logger } from 'pino';
import { loadIntel, staleSources, type IntelHolder, type IntelLoadOptions } from '../intel.js';
import type { IntelRefreshOptions } from '../options.js';

export interface RefresherOptions extends IntelLoadOptions {
  /** Wall clock (tests). */
  now?: () => number;
}

/**
 * The daemon's relay refresh: every `settings.relaysRefreshMs` (default 60 minutes, the consensus
 * interval) it rebuilds the intel from the same settings -- refetching URLs (conditionally, through
 * the disk cache) and rereading files -- and swaps it into the holder in one assignment. A failed
 * rebuild keeps the current set and logs why; a URL that fails falls back to its last good cached
 * copy inside the rebuild. Each time, sources older than `relaysMaxAgeMs` draw a warning.
 * Issue 6's capture daemon starts it; SIGHUP can call refreshNow().
 */
export class IntelRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly holder: IntelHolder,
    private settings: IntelRefreshOptions,
    private readonly opts: RefresherOptions,
  ) {
    this.log = opts.log;
  }

  /** Start the periodic refresh (the timer does not keep the process alive). */
  start(): void {
    if (this.timer) return;
    this.warnIfOld();
    this.timer = setInterval(() => void this.refreshNow(), this.settings.relaysRefreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** New settings (SIGHUP with a changed config): used from the next refresh on. */
  setSettings(s: IntelRefreshOptions): void {
    const restart = this.timer !== undefined && s.relaysRefreshMs !== this.settings.relaysRefreshMs;
    this.settings = s;
    if (restart) {
      this.stop();
      this.start();
    }
  }

  /**
   * Rebuild now; true when a new set was swapped in. Overlapping calls share one rebuild, so a slow
   * server never piles up fetches.
   */
  refreshNow(): Promise<boolean> {
    this.running ??= this.rebuild().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async rebuild(): Promise<boolean> {
    try {
      const next = await loadIntel(this.settings, this.opts);
      this.holder.swap(next);
      this.holder.stats.reloads++;
      this.log.info({ generation: this.holder.generation, loadMs: Math.round(next.loadMs) }, 'relay set refreshed');
      this.warnIfOld();
      return true;
    } catch (err) {
      this.holder.stats.reloadFailures++;
      this.log.error({ error: (err as Error).message }, 'relay set refresh failed; keeping the current set');
      this.warnIfOld();
      return false;
    }
  }

  private warnIfOld(): void {
    const now = (this.opts.now ?? Date.now)();
    for (const s of staleSources(this.holder.current, now, this.settings.relaysMaxAgeMs)) {
      this.log.warn({ source: s.name, ageHours: Math.round(s.ageMs / 360_000) / 10, maxAgeHours: this.settings.relaysMaxAgeMs / 3_600_000 }, 'relay list is older than --relays-max-age');
    }
  }
}
