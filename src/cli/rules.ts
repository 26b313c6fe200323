import { EVENT_SEVERITY, RISK_SCORE, SYSLOG_SEVERITY_NAME } from '../alert/severity.js';
import { RULES } from '../detect/catalog.js';

/** `torwatch rules`: the rule table (id, severity with its event.severity / syslog code, risk, MITRE, seed), or JSON with --json. */
export function printRules(json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(RULES.map((r) => ({ ...r, riskScore: RISK_SCORE[r.severity], eventSeverity: EVENT_SEVERITY[r.severity] })), null, 2) + '\n');
    return;
  }
  const rows = RULES.map((r) => [
    r.id, `${r.severity} (${EVENT_SEVERITY[r.severity]} ${SYSLOG_SEVERITY_NAME[r.severity]})`, String(RISK_SCORE[r.severity]),
    [...r.threat.tactics, ...r.threat.techniques, ...r.threat.subtechniques].map((t) => t.id).join(' ') || 'none (no defensible technique)',
    r.seed, r.name,
  ]);
  const head = ['RULE', 'SEVERITY', 'RISK', 'MITRE', 'SEED', 'NAME'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ');
  process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
}
