/**
 * Counts connections, not alerts, for one report row: the distinct connections its detections name,
 * plus the repeats its summaries stand for. Summaries carry no connection of their own; repeats of
 * several rules on one row are usually the same connections seen by each rule, so the row takes the
 * largest rule's count rather than the sum (see model.ts).
 */
export class ConnectionCount {
  private readonly seen = new Set<string>();
  private readonly repeatsByRule = new Map<string, number>();
  alerts = 0;

  add(connection: string | undefined, rule: string, repeats: number): void {
    if (connection !== undefined) {
      this.seen.add(connection);
      this.alerts++;
    } else {
      this.repeatsByRule.set(rule, (this.repeatsByRule.get(rule) ?? 0) + repeats);
      this.alerts += repeats;
    }
  }

  get connections(): number {
    let most = 0;
    for (const n of this.repeatsByRule.values()) if (n > most) most = n;
    return this.seen.size + most;
  }
}
