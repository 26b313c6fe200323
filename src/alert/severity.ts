import type { Severity } from '../detect/catalog.js';

/*
 * What a rule's severity word (detect/catalog.ts) becomes in an alert: ECS event.severity and
 * event.risk_score, and the syslog severity the outputs put in PRI. Detectors decide the word; only
 * the alert stage knows the numbers.
 */

/** Risk scores by severity, the Elastic detection-rule convention the seeds use (21/47/73/99). */
export const RISK_SCORE: Readonly<Record<Severity, number>> = { low: 21, medium: 47, high: 73, critical: 99 };

/**
 * ECS event.severity by severity: the syslog severity code (RFC 5424 table 2), four distinct levels.
 * critical -> 2 (crit), high -> 3 (err), medium -> 4 (warning), low -> 5 (notice). The syslog outputs
 * put the same number in PRI (syslogSeverity below), so a receiver's `*.warning` selector, a SIEM
 * query on event.severity <= 4 and the alert's own word agree; lower is more severe, as in syslog and
 * in Filebeat's syslog-derived event.severity.
 */
export const EVENT_SEVERITY: Readonly<Record<Severity, number>> = { critical: 2, high: 3, medium: 4, low: 5 };

/** The syslog name of each code above, for `torwatch rules` and the README. */
export const SYSLOG_SEVERITY_NAME: Readonly<Record<Severity, string>> = { critical: 'crit', high: 'err', medium: 'warning', low: 'notice' };

/**
 * The syslog severity of a torwatch.severity word: the same number as the alert's event.severity
 * (one table, so PRI and event.severity never disagree); notice (5) for anything else.
 */
export function syslogSeverity(word: unknown): number {
  const table: Readonly<Record<string, number>> = EVENT_SEVERITY;
  return table[String(word ?? '')] ?? 5;
}
