/** The run summary a CLI run logged on stderr (pino JSON line with msg "run summary"). */
export function runSummary(stderr: string): Record<string, unknown> & {
  flows: Record<string, number>;
  alerts: { total: number; byRule: Record<string, number> };
  anomalies: Record<string, number>;
  applayer: Record<string, number>;
} {
  for (const l of stderr.split('\n')) {
    if (!l.startsWith('{')) continue;
    const rec = JSON.parse(l) as { msg?: string; summary?: unknown };
    if (rec.msg === 'run summary') return rec.summary as never;
  }
  throw new Error(`no run summary in stderr: ${stderr.slice(0, 300)}`);
}
