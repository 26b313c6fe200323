import { headerField, priority } from './rfc5424.js';

/**
 * The BSD syslog format (RFC 3164 4.1), for receivers that only parse it: systemd-journald behind
 * /dev/log, and old collectors. `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`. The timestamp is the
 * sender's local time without a year or zone, as the RFC says; the ECS JSON in MSG carries the exact
 * UTC time. TAG is at most 32 alphanumeric characters (4.1.3); we cut the app name to fit.
 */
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface Rfc3164Message {
  facility: number;
  severity: number;
  /** When the event happened; local time is printed. */
  time: Date;
  hostname?: string;
  tag: string;
  pid?: number;
  msg: string;
}

export function bsdTimestamp(d: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function formatRfc3164(m: Rfc3164Message): Buffer {
  const tag = m.tag.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 32) || 'torwatch';
  const host = headerField(m.hostname, 255);
  const pid = m.pid === undefined ? '' : `[${m.pid}]`;
  return Buffer.from(`<${priority(m.facility, m.severity)}>${bsdTimestamp(m.time)} ${host} ${tag}${pid}: ${m.msg}`, 'utf8');
}
