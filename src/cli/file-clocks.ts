import type { Logger } from 'pino';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Several files replayed together are one capture in the order given: flows carry over and the
 * pipeline clock (the latest packet time seen) drives flow timeouts and suppression windows. A file
 * that starts before the clock (before the end of the files read so far) goes back in time; this
 * notes the first such file, and how many followed, for one warning at the end of the run.
 */
export class FileClocks {
  private first: { file: string; startMs: number; laterFile: string; clockMs: number } | undefined;
  private more = 0;
  /** The file whose packets set the clock so far. */
  private clockFile = '';

  /** After reading `file`: its first packet's time, the clock before it, and the clock after it. */
  fileRead(file: string, firstMs: number, clockBeforeMs: number, clockAfterMs: number): void {
    if (Number.isFinite(firstMs) && Number.isFinite(clockBeforeMs) && firstMs < clockBeforeMs) {
      if (this.first) this.more++;
      else this.first = { file, startMs: firstMs, laterFile: this.clockFile, clockMs: clockBeforeMs };
    }
    if (clockAfterMs > clockBeforeMs) this.clockFile = file;
  }

  /** One warning naming the files, and what it did to flow state; nothing when the files were in time order. */
  warn(log: Logger, packetsBackwards: number): void {
    const f = this.first;
    if (!f) return;
    log.warn({
      file: f.file, startsAt: iso(f.startMs), before: f.laterFile, whichEndsAt: iso(f.clockMs), otherFiles: this.more, packetsBackInTime: packetsBackwards,
    }, `${f.file} starts at ${iso(f.startMs)}, before the end of ${f.laterFile} (${iso(f.clockMs)})${this.more ? ` (and ${this.more} more file(s) go back in time)` : ''}: `
      + `the files are replayed as one capture in the order given, and flow state runs on the latest time seen, so idle timeouts and suppression windows wait until the clock passes ${iso(f.clockMs)}, `
      + `a connection in ${f.file} on the same addresses and ports as one in an earlier file is joined to that flow (one alert, not two), and alerts come out of time order. `
      + 'Give the files in time order (capinfos -a shows each one\'s first packet), or replay them one run each.');
  }
}
