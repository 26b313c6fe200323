/**
 * A one-line progress bar on stderr for long replays. Drawn at most 10 times a second; cleared before
 * anything else is printed. Only used when stderr is a TTY (or --progress always).
 */
export class ProgressBar {
  private last = 0;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly label: string,
  ) {}

  update(done: number, total: number | undefined, packets: number, alerts: number): void {
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const width = 30;
    const frac = total ? Math.min(1, done / total) : 0;
    const bar = total ? '#'.repeat(Math.round(frac * width)).padEnd(width, '.') : '';
    const pct = total ? `${(frac * 100).toFixed(0).padStart(3)}% ` : '';
    const mb = (done / 1e6).toFixed(0);
    this.out.write(`\r${this.label} ${bar} ${pct}${mb} MB, ${packets} packets, ${alerts} alerts\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }
}
