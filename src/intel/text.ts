import { InputError } from '../util/errors.js';

/**
 * Line-oriented reading of list files (relay lists, indicator feeds). Lines are numbered from 1 for
 * error messages. A trailing CR is dropped and counted: Tor's directory formats are LF-only, but a
 * list saved on Windows should still read (the caller decides whether to warn).
 */
export class LineReader {
  private pos = 0;
  /** 1-based number of the line last returned. */
  lineNo = 0;
  /** Lines that ended in CRLF. */
  crlf = 0;

  constructor(private readonly text: string) {
    // A UTF-8 byte order mark is not part of the first line.
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** Character code at offset `i` of the next line (NaN past the end of the text). */
  peekChar(i: number): number {
    return this.text.charCodeAt(this.pos + i);
  }

  /** Step over the next line without making a string of it. */
  skip(): void {
    const t = this.text;
    if (this.pos >= t.length) return;
    let end = t.indexOf('\n', this.pos);
    if (end < 0) end = t.length;
    if (end > this.pos && t.charCodeAt(end - 1) === 13) this.crlf++;
    this.pos = end + 1;
    this.lineNo++;
  }

  /** The next line without its end-of-line, or undefined at the end. */
  next(): string | undefined {
    const t = this.text;
    if (this.pos >= t.length) return undefined;
    let end = t.indexOf('\n', this.pos);
    if (end < 0) end = t.length;
    let line = t.slice(this.pos, end);
    this.pos = end + 1;
    this.lineNo++;
    if (line.endsWith('\r')) {
      line = line.slice(0, -1);
      this.crlf++;
    }
    return line;
  }
}

/** One CSV record with the line it started on. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Hard caps, so a hostile file cannot make a record unbounded. */
const MAX_FIELDS = 4096;

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes ("" escapes a quote; a quoted
 * field may span lines). Blank lines are skipped. Errors (an unterminated quote, a quote in the middle
 * of an unquoted field) name the file and line.
 */
export function* readCsv(text: string, file: string): Generator<CsvRecord> {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let nextQuote = text.indexOf('"', i);
  while (i < n) {
    const startLine = line;
    // Fast path: a record on one line without quotes is just split on commas (most lists, every row).
    let eol = text.indexOf('\n', i);
    if (eol < 0) eol = n;
    // (The next quote's position is remembered: searching from every row would be quadratic.)
    if (nextQuote >= 0 && nextQuote < i) nextQuote = text.indexOf('"', i);
    if (nextQuote < 0 || nextQuote > eol) {
      const raw = text.slice(i, text.charCodeAt(eol - 1) === 13 && eol > i ? eol - 1 : eol);
      i = eol + 1;
      line++;
      if (raw.trim() === '') continue;
      const fields = raw.split(',');
      if (fields.length > MAX_FIELDS) throw new InputError({ file, line: startLine }, `more than ${MAX_FIELDS} fields in a CSV record`);
      yield { line: startLine, fields };
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let quotedField = false;
    let atFieldStart = true;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const c = text.charCodeAt(i);
      if (atFieldStart && c === 34) {
        // Quoted field: read to the closing quote.
        quotedField = true;
        atFieldStart = false;
        i++;
        let closed = false;
        let chunkStart = i;
        while (i < n) {
          const q = text.charCodeAt(i);
          if (q === 34) {
            field += text.slice(chunkStart, i);
            if (text.charCodeAt(i + 1) === 34) {
              field += '"';
              i += 2;
              chunkStart = i;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (q === 10) line++;
          i++;
        }
        if (!closed) throw new InputError({ file, line: startLine }, 'unterminated quoted CSV field');
        const after = text.charCodeAt(i);
        if (i < n && after !== 44 && after !== 10 && after !== 13) {
          throw new InputError({ file, line }, `unexpected character '${text[i]}' after a closing quote`);
        }
        continue;
      }
      if (c === 44) {
        fields.push(field);
        if (fields.length > MAX_FIELDS) throw new InputError({ file, line: startLine }, `more than ${MAX_FIELDS} fields in a CSV record`);
        field = '';
        quotedField = false;
        atFieldStart = true;
        i++;
      } else if (c === 10 || c === 13) {
        i += c === 13 && text.charCodeAt(i + 1) === 10 ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        if (c === 34 && !quotedField) throw new InputError({ file, line }, 'a double quote inside an unquoted CSV field');
        // Unquoted run up to the next delimiter.
        let j = i;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === 44 || d === 10 || d === 13 || d === 34) break;
          j++;
        }
        field += text.slice(i, j);
        atFieldStart = false;
        i = j;
      }
    }
    fields.push(field);
    if (fields.length === 1 && fields[0].trim() === '' && !quotedField) continue;
    yield { line: startLine, fields };
  }
}

/**
 * JSON.parse with the failure turned into an InputError that names the line (V8's SyntaxError gives a
 * character position; the line is what a user can open in an editor).
 */
export function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const msg = (err as Error).message;
    // V8 names the position for some errors only; otherwise find it with a small grammar walk.
    const pos = /position (\d+)/.exec(msg);
    const offset = pos ? Number(pos[1]) : jsonErrorOffset(text);
    let line = 1;
    const end = Math.min(offset, text.length);
    for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) line++;
    const what = msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/,\s*(?:\.\.\.)?".*?\s*is not valid JSON\s*$/s, '').replace(/ in JSON at position \d+/, '');
    throw new InputError({ file, line }, `not valid JSON: ${what}`);
  }
}

/**
 * Offset of the first JSON syntax error (RFC 8259 grammar), or the text length when it ends early.
 * Only called after JSON.parse failed, to put a line number on the message.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const n = text.length;
  const ws = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const str = (): void => {
    if (text[i] !== '"') fail();
    i++;
    while (i < n && text[i] !== '"') {
      if (text.charCodeAt(i) < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail();
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    if (i >= n) fail();
    i++;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        str();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail();
      }
    } else if (c === '"') str();
    else if (text.startsWith('true', i)) i += 4;
    else if (text.startsWith('false', i)) i += 5;
    else if (text.startsWith('null', i)) i += 4;
    else {
      const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
      if (!m) fail();
      i += m![0].length;
    }
  };
  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    ws();
    return i < n ? i : n;
  } catch (at) {
    return typeof at === 'number' ? at : n;
  }
}

/** Field `i` of a record, trimmed; '' for a column the header does not have (i < 0). */
export function cellAt(fields: readonly string[], i: number): string {
  return i >= 0 ? fields[i].trim() : '';
}

/** A record under a header must have the header's number of fields, or every column after a slip is off. */
export function checkFieldCount(rec: CsvRecord, headerLength: number, file: string): void {
  if (rec.fields.length !== headerLength) throw new InputError({ file, line: rec.line }, `${rec.fields.length} fields, the header has ${headerLength}`);
}

/** Column index by header name (case-insensitive, spaces and underscores ignored), or -1. */
export function headerIndex(header: readonly string[], ...names: string[]): number {
  const norm = (s: string): string => s.trim().toLowerCase().replace(/[\s_-]/g, '');
  const want = names.map(norm);
  for (let i = 0; i < header.length; i++) if (want.includes(norm(header[i]))) return i;
  return -1;
}
