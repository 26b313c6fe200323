import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { InputError } from '../../util/errors.js';
import { parseJson, readCsv } from '../text.js';
import { isTiCsvHeader, parseTiCsv, type TiParseResult } from './csv.js';
import { IndicatorIndex } from './indicator-index.js';
import { isMispCsvHeader, parseMispCsv } from './misp-csv.js';
import { parseStixBundle } from './stix.js';

const MAX_INTEL_BYTES = 512 * 1024 * 1024;

/**
 * Read one `--intel` file: the format is found from the content (a JSON bundle -> STIX 2.1; a CSV
 * whose header has uuid,event_id,category,type,value -> MISP export; indicator,type,... -> CSV).
 */
export function parseIntelFile(file: string): TiParseResult & { format: string } {
  let text: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError({ file }, 'is a directory, not an indicator file');
    if (st.size > MAX_INTEL_BYTES) throw new InputError({ file }, `${st.size} bytes is more than an indicator file can be`);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'indicator file not found' : `cannot read indicator file (${code ?? (err as Error).message})`);
  }
  const start = text.trimStart();
  if (start.startsWith('{')) return { ...parseStixBundle(parseJson(text, file), file), format: 'stix' };
  const records = readCsv(text, file);
  const first = records.next();
  if (first.done) throw new InputError({ file }, 'empty indicator file');
  const header = first.value;
  const rest = { [Symbol.iterator]: () => records };
  if (isMispCsvHeader(header.fields)) return { ...parseMispCsv(rest, header, file), format: 'misp-csv' };
  if (isTiCsvHeader(header.fields)) return { ...parseTiCsv(rest, header, file), format: 'csv' };
  throw new InputError({ file, line: header.line }, 'not an indicator file torwatch reads: expected a STIX 2.1 bundle, a MISP CSV export (uuid,event_id,category,type,value,...) or a CSV with indicator,type,confidence,threat_type,tlp,tags');
}

/** Every `--intel` file into one index. */
export function loadIndicators(files: readonly string[], log: Logger): IndicatorIndex {
  const index = new IndicatorIndex();
  for (const f of files) {
    const r = parseIntelFile(f);
    for (const ind of r.indicators) index.add(ind);
    const skipped = Object.values(r.skipped).reduce((a, b) => a + b, 0);
    log.info({ file: f, format: r.format, indicators: r.indicators.length, ...(skipped ? { skipped: r.skipped } : {}) }, 'threat-intel indicators loaded');
  }
  return index;
}
