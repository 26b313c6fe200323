import { InputError } from '../../util/errors.js';
import { parsePort } from '../addr.js';
import { cellAt, checkFieldCount, headerIndex, type CsvRecord } from '../text.js';
import type { TiParseResult } from './csv.js';
import { addressIndicator, normalizeDomain, normalizeTlp, type Indicator } from './indicator.js';

/** Whether a header row is a MISP attribute CSV export. */
export function isMispCsvHeader(fields: readonly string[]): boolean {
  return ['uuid', 'event_id', 'category', 'type', 'value'].every((n) => headerIndex(fields, n) >= 0);
}

/**
 * MISP's attribute CSV export (restSearch returnFormat=csv):
 *   uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,...
 * Attribute types read: ip-dst, ip-src (address or CIDR), ip-dst|port, ip-src|port ("addr|port"),
 * domain, hostname, domain|ip (both halves). Attributes with to_ids = 0 are not meant for detection
 * (MISP's own rule) and are skipped, counted. Confidence comes from the attribute's tags:
 * misp:confidence-level="..." or estimative-language:confidence-in-analytic-judgment="..."; TLP from a
 * tlp:* tag.
 */
export function parseMispCsv(records: Iterable<CsvRecord>, header: CsvRecord, file: string): TiParseResult {
  const h = header.fields;
  const col = {
    uuid: headerIndex(h, 'uuid'),
    event: headerIndex(h, 'event_id'),
    category: headerIndex(h, 'category'),
    type: headerIndex(h, 'type'),
    value: headerIndex(h, 'value'),
    comment: headerIndex(h, 'comment'),
    toIds: headerIndex(h, 'to_ids'),
    date: headerIndex(h, 'date', 'timestamp'),
    tags: headerIndex(h, 'attribute_tag', 'tags'),
    eventInfo: headerIndex(h, 'event_info'),
  };
  const out: Indicator[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  for (const rec of records) {
    const f = rec.fields;
    const bad = (what: string): InputError => new InputError({ file, line: rec.line }, what);
    checkFieldCount(rec, h.length, file);
    const cell = (i: number): string => cellAt(f, i);
    const type = cell(col.type).toLowerCase();
    const value = cell(col.value);
    const toIds = cell(col.toIds).toLowerCase();
    if (toIds === '0' || toIds === 'false') {
      skip('to_ids=0');
      continue;
    }
    const tags = cell(col.tags).split(',').map((s) => s.trim()).filter(Boolean);
    let tlp: string | undefined;
    let confidence: number | undefined;
    for (const t of tags) {
      if (/^tlp:/i.test(t)) {
        const n = normalizeTlp(t);
        if (typeof n === 'string') tlp = n;
      }
      const c = tagConfidence(t);
      if (c !== undefined) confidence = c;
    }
    const date = mispDate(cell(col.date));
    if (Number.isNaN(date)) throw bad(`date '${cell(col.date)}' is not a Unix time or YYYY-MM-DD / YYYYMMDD`);
    const category = cell(col.category);
    const comment = cell(col.comment);
    const event = cell(col.event);
    const common = {
      confidence,
      threatType: category || undefined,
      tlp,
      tags,
      provider: 'MISP',
      name: event ? `MISP event ${event}${cell(col.eventInfo) ? `: ${cell(col.eventInfo)}` : ''}` : undefined,
      description: comment || undefined,
      modifiedMs: date,
      source: `${file}:${rec.line}${cell(col.uuid) ? ` (attribute ${cell(col.uuid)})` : ''}`,
      format: 'misp-csv' as const,
    };
    const addIp = (text: string, port?: number): void => {
      const a = addressIndicator(text);
      if (typeof a === 'string') throw bad(`${type}: ${a}`);
      out.push({ ...a, ...common, port });
    };
    const addDomain = (text: string): void => {
      const d = normalizeDomain(text);
      if (!d) throw bad(`${type}: '${text}' is not a domain name`);
      out.push({ type: 'domain-name', value: d, ...common });
    };
    switch (type) {
      case 'ip-dst':
      case 'ip-src':
        addIp(value);
        break;
      case 'ip-dst|port':
      case 'ip-src|port': {
        const bar = value.lastIndexOf('|');
        const port = bar < 0 ? -1 : parsePort(value.slice(bar + 1));
        if (port < 0) throw bad(`${type}: '${value}' is not address|port`);
        addIp(value.slice(0, bar), port || undefined);
        break;
      }
      case 'domain':
      case 'hostname':
        addDomain(value);
        break;
      case 'domain|ip': {
        const bar = value.indexOf('|');
        if (bar < 0) throw bad(`domain|ip: '${value}' has no '|'`);
        addDomain(value.slice(0, bar));
        addIp(value.slice(bar + 1));
        break;
      }
      default:
        skip(type || '(empty type)');
    }
  }
  return { indicators: out, skipped };
}

const MISP_CONFIDENCE: Record<string, number> = {
  'completely-confident': 100, 'usually-confident': 75, 'fairly-confident': 50, 'rarely-confident': 25, unconfident: 0,
};
const ESTIMATIVE: Record<string, number> = { high: 85, moderate: 50, low: 15 };

function tagConfidence(tag: string): number | undefined {
  const m = /^misp:confidence-level="([^"]+)"$/i.exec(tag);
  if (m) return MISP_CONFIDENCE[m[1].toLowerCase()];
  const e = /^estimative-language:confidence-in-analytic-judgment="([^"]+)"$/i.exec(tag);
  if (e) return ESTIMATIVE[e[1].toLowerCase()];
  return undefined;
}

/** MISP writes Unix seconds; hand-made exports use dates. Empty -> undefined; bad -> NaN. */
function mispDate(s: string): number | undefined {
  if (!s) return undefined;
  if (/^\d{9,11}$/.test(s)) return Number(s) * 1000;
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(s);
  return m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : NaN;
}
