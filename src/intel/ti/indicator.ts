import { parseAddressOrCidr } from '../addr.js';
import type { IpWords } from '../../util/ip.js';

/** Indicator kinds torwatch matches on the wire (STIX cyber-observable names). */
export type IndicatorType = 'ipv4-addr' | 'ipv6-addr' | 'domain-name';

export type TiFormat = 'csv' | 'misp-csv' | 'stix';

/** One threat-intel indicator, whatever feed it came from. */
export interface Indicator {
  type: IndicatorType;
  /** Canonical text: the address or CIDR as given, or the domain in lower case without a final dot. */
  value: string;
  /** Addresses: the parsed form. */
  ip?: IpWords & { prefix: number };
  /** 0-100 (STIX scale); undefined when the feed does not say. */
  confidence?: number;
  threatType?: string;
  /** ECS threat.indicator.marking.tlp: WHITE, CLEAR, GREEN, AMBER, AMBER+STRICT, RED. */
  tlp?: string;
  tags: string[];
  /** Who says so: the feed's identity or the file name. */
  provider: string;
  name?: string;
  description?: string;
  validFromMs?: number;
  validUntilMs?: number;
  modifiedMs?: number;
  /** The port the indicator names (MISP ip-dst|port), if any. */
  port?: number;
  /** File and line (or object) it came from, for analysts. */
  source: string;
  format: TiFormat;
}

const TLP = new Set(['WHITE', 'CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED']);

/** "amber", "TLP:AMBER", "tlp:amber+strict" -> ECS form; an error phrase when it is not a TLP level. */
export function normalizeTlp(s: string): string | { error: string } {
  const t = s.trim().toUpperCase().replace(/^TLP:\s*/, '');
  return TLP.has(t) ? t : { error: `'${s}' is not a TLP level (clear, white, green, amber, amber+strict, red)` };
}

/**
 * Confidence as a 0-100 number. Words map to the STIX 2.1 Appendix A "None/Low/Med/High" scale's
 * representative values (0, 15, 50, 85).
 */
export function parseConfidence(s: string): number | undefined | { error: string } {
  const t = s.trim().toLowerCase();
  if (t === '') return undefined;
  if (/^\d{1,3}$/.test(t) && Number(t) <= 100) return Number(t);
  const words: Record<string, number> = { none: 0, low: 15, med: 50, medium: 50, moderate: 50, high: 85 };
  if (t in words) return words[t];
  return { error: `confidence '${s}' is not 0-100 or none/low/medium/high` };
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** A domain name in canonical form, or undefined when it is not one. */
export function normalizeDomain(s: string): string | undefined {
  let t = s.trim().toLowerCase();
  if (t.endsWith('.')) t = t.slice(0, -1);
  return DOMAIN.test(t) ? t : undefined;
}

/** Build the address part of an indicator; an error phrase when the text is no address or CIDR. */
export function addressIndicator(text: string): Pick<Indicator, 'type' | 'value' | 'ip'> | string {
  const a = parseAddressOrCidr(text.trim());
  if (typeof a === 'string') return a;
  return { type: a.version === 4 ? 'ipv4-addr' : 'ipv6-addr', value: text.trim(), ip: a };
}
