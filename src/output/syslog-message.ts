import { alertHeader, type AlertHeader } from '../alert/alert-header.js';
import type { EcsAlert } from '../alert/ecs-alert.js';
import { formatRfc3164 } from './rfc3164.js';
import { formatRfc5424, type SdElement } from './rfc5424.js';

/** Facility names (RFC 5424 table 1; the names rsyslog, syslog-ng and logger use). */
export const FACILITIES: Readonly<Record<string, number>> = {
  kern: 0, user: 1, mail: 2, daemon: 3, auth: 4, syslog: 5, lpr: 6, news: 7, uucp: 8, cron: 9,
  authpriv: 10, ftp: 11, ntp: 12, security: 13, console: 14, 'solaris-cron': 15,
  local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23,
};

/** A facility name or number 0-23, or undefined when it is neither. */
export function parseFacility(v: string): number | undefined {
  const t = v.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t) <= 23 ? Number(t) : undefined;
  return FACILITIES[t];
}

export type SyslogFormat = 'rfc5424' | 'rfc3164';

export interface SyslogFormatOptions {
  format: SyslogFormat;
  facility: number;
  appName: string;
  hostname: string;
  /** PROCID; torwatch's pid by default. */
  procId: string;
  /** RFC 5424 only: prefix the JSON with the UTF-8 BOM (the RFC's MSG-UTF8). */
  bom: boolean;
  /** RFC 5424 only: a private enterprise number to add `[torwatch@PEN event.id=.. rule.id=..]`. */
  enterpriseId?: string;
  /** For `[origin swVersion=..]`. */
  version: string;
}

/**
 * MSGID: the rule id, so receivers filter without parsing JSON; a summary of repeats is
 * `<rule-id>.summary`, so a receiver's filter on the rule id does not count it as a detection (at
 * most 32 characters: the longest rule id is 20).
 */
function msgId(h: AlertHeader): string | undefined {
  return h.ruleId !== undefined && h.summary ? `${h.ruleId}.summary` : h.ruleId;
}

/**
 * Turns one alert (already serialized to JSON by OutputSet) into one syslog message. It takes only
 * what framing needs from the alert, through alert/alert-header.ts: the time, the rule id (MSGID), the
 * severity (PRI: the alert's event.severity, the syslog code already) and, with an enterprise id, the
 * event id and risk. The message body is the JSON line, unchanged.
 */
export class SyslogFormatter {
  private sequence = 0;

  constructor(readonly opts: SyslogFormatOptions) {}

  format(line: string, alert: EcsAlert): Buffer {
    const h = alertHeader(alert);
    const severity = h.syslogSeverity;
    const ts = h.timestamp ?? new Date().toISOString();
    if (this.opts.format === 'rfc3164') {
      const when = new Date(ts);
      return formatRfc3164({
        facility: this.opts.facility, severity, time: Number.isNaN(when.getTime()) ? new Date() : when,
        hostname: this.opts.hostname, tag: this.opts.appName, pid: Number(this.opts.procId) || undefined, msg: line,
      });
    }
    // RFC 5424 7.3.1: sequenceId counts from 1 per start and wraps after 2147483647.
    this.sequence = this.sequence >= 2147483647 ? 1 : this.sequence + 1;
    const sd: SdElement[] = [
      { id: 'origin', params: [['software', 'torwatch'], ['swVersion', this.opts.version]] },
      { id: 'meta', params: [['sequenceId', String(this.sequence)]] },
    ];
    if (this.opts.enterpriseId) {
      const params: [string, string][] = [];
      if (h.eventId) params.push(['event.id', h.eventId]);
      if (h.ruleId) params.push(['rule.id', h.ruleId]);
      if (h.riskScore) params.push(['event.risk_score', h.riskScore]);
      sd.push({ id: `torwatch@${this.opts.enterpriseId}`, params });
    }
    return formatRfc5424({
      facility: this.opts.facility,
      severity,
      timestamp: ts,
      hostname: this.opts.hostname,
      appName: this.opts.appName,
      procId: this.opts.procId,
      msgId: msgId(h),
      structuredData: sd,
      msg: line,
      bom: this.opts.bom,
    });
  }
}
