import { SUMMARY_DATASET, type EcsAlert } from './ecs-alert.js';
import { syslogSeverity } from './severity.js';

/**
 * What a transport needs from a built alert besides its JSON line: the time, the rule, the severity
 * for a syslog PRI, the event id and risk. Read here, where the field names are known, so outputs
 * never pick a document apart themselves.
 */
export interface AlertHeader {
  /** @timestamp, when the document has one as text. */
  timestamp?: string;
  /** rule.id */
  ruleId?: string;
  /** event.id */
  eventId?: string;
  /** event.risk_score, as text. */
  riskScore?: string;
  /** The syslog severity code: the same number as event.severity (alert/severity.ts). */
  syslogSeverity: number;
  /** A summary of repeats (event.dataset is the summary dataset), not a detection. */
  summary: boolean;
}

/** `doc[a][b]` as text when it is a string or a number. */
function pick(doc: EcsAlert, a: string, b: string): string | undefined {
  const o = doc[a];
  if (typeof o !== 'object' || o === null) return undefined;
  const v = (o as Record<string, unknown>)[b];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

export function alertHeader(doc: EcsAlert): AlertHeader {
  const tw = doc.torwatch as Record<string, unknown> | undefined;
  const ts = doc['@timestamp'];
  return {
    ...(typeof ts === 'string' ? { timestamp: ts } : {}),
    ruleId: pick(doc, 'rule', 'id'),
    eventId: pick(doc, 'event', 'id'),
    riskScore: pick(doc, 'event', 'risk_score'),
    syslogSeverity: syslogSeverity(tw?.severity),
    summary: pick(doc, 'event', 'dataset') === SUMMARY_DATASET,
  };
}
