import { basename } from 'node:path';
import { InputError } from '../../util/errors.js';
import { cellAt, checkFieldCount, headerIndex, type CsvRecord } from '../text.js';
import { addressIndicator, normalizeDomain, normalizeTlp, parseConfidence, type Indicator } from './indicator.js';

export interface TiParseResult {
  indicators: Indicator[];
  /** Records of kinds torwatch does not match on the wire (URLs, hashes, ...), by type. */
  skipped: Record<string, number>;
}

const IP_TYPES = new Set(['ip', 'ipv4', 'ipv6', 'ipv4-addr', 'ipv6-addr', 'ip-dst', 'ip-src', 'ipaddress', 'ip-address', 'cidr', 'address']);
const DOMAIN_TYPES = new Set(['domain', 'domain-name', 'hostname', 'fqdn']);

/** Whether a header row is this format (indicator and type columns). */
export function isTiCsvHeader(fields: readonly string[]): boolean {
  return headerIndex(fields, 'indicator') >= 0 && headerIndex(fields, 'type') >= 0;
}

/**
 * The simple indicator CSV of seed 002's ThreatIntelligenceIndicator projection:
 *   indicator,type,confidence,threat_type,tlp,tags
 * Columns are found by header name (case-insensitive, any order, extra columns ignored); only
 * `indicator` and `type` are required. Types: ip/ipv4/ipv6/ipv4-addr/ipv6-addr (addresses or CIDRs),
 * domain/domain-name/hostname; other types (url, file hashes) are counted and skipped. Tags are
 * separated by ';', '|' or ','.
 */
export function parseTiCsv(records: Iterable<CsvRecord>, header: CsvRecord, file: string): TiParseResult {
  const h = header.fields;
  const col = {
    indicator: headerIndex(h, 'indicator'),
    type: headerIndex(h, 'type'),
    confidence: headerIndex(h, 'confidence'),
    threatType: headerIndex(h, 'threattype', 'threat'),
    tlp: headerIndex(h, 'tlp', 'tlplevel'),
    tags: headerIndex(h, 'tags'),
    description: headerIndex(h, 'description'),
    provider: headerIndex(h, 'provider', 'source'),
  };
  const out: Indicator[] = [];
  const skipped: Record<string, number> = {};
  const provider = basename(file);
  for (const rec of records) {
    const f = rec.fields;
    const bad = (what: string): InputError => new InputError({ file, line: rec.line }, what);
    checkFieldCount(rec, h.length, file);
    const cell = (i: number): string => cellAt(f, i);
    const type = cell(col.type).toLowerCase();
    const value = cell(col.indicator);
    if (!value) throw bad('empty indicator');
    const conf = parseConfidence(cell(col.confidence));
    if (typeof conf === 'object') throw bad(conf.error);
    let tlp: string | undefined;
    if (cell(col.tlp)) {
      const t = normalizeTlp(cell(col.tlp));
      if (typeof t === 'object') throw bad(t.error);
      tlp = t;
    }
    const common = {
      confidence: conf,
      threatType: cell(col.threatType) || undefined,
      tlp,
      tags: cell(col.tags).split(/[;|,]/).map((s) => s.trim()).filter(Boolean),
      provider: cell(col.provider) || provider,
      description: cell(col.description) || undefined,
      source: `${file}:${rec.line}`,
      format: 'csv' as const,
    };
    if (IP_TYPES.has(type)) {
      const a = addressIndicator(value);
      if (typeof a === 'string') throw bad(a);
      out.push({ ...a, ...common });
    } else if (DOMAIN_TYPES.has(type)) {
      const d = normalizeDomain(value);
      if (!d) throw bad(`'${value}' is not a domain name`);
      out.push({ type: 'domain-name', value: d, ...common });
    } else {
      skipped[type || '(empty type)'] = (skipped[type || '(empty type)'] ?? 0) + 1;
    }
  }
  return { indicators: out, skipped };
}
