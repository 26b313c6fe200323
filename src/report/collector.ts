import { InputError } from '../util/errors.js';

/**
 * Every source `torwatch report` reads (files, Redis, JetStream) hands its alerts here as text: the
 * JSON is found (a whole NDJSON line, or what follows a syslog header and BOM), parsed, checked to be
 * a torwatch alert, and deduplicated on event.id (at-least-once delivery may have stored one twice,
 * and two outputs of one sensor, or a list and a stream, may hold the same alert).
 */
export type AlertDoc = Record<string, unknown>;

export interface ReadStats {
  /** Sources read: files, Redis keys, JetStream streams. */
  files: number;
  lines: number;
  alerts: number;
  duplicates: number;
  skipped: number;
}

/** Where a piece of text came from, for the error message: a file and line, or a server and position. */
export interface Where {
  file: string;
  line?: number;
}

function isAlert(v: unknown): v is AlertDoc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const ev = o.event as Record<string, unknown> | undefined;
  const rule = o.rule as Record<string, unknown> | undefined;
  if (typeof ev !== 'object' || ev === null || typeof rule !== 'object' || rule === null || typeof rule.id !== 'string') return false;
  // A detection (event.kind alert), or a summary of its repeats (event.kind event, dataset torwatch.summary).
  return ev.kind === 'alert' || (ev.kind === 'event' && ev.dataset === 'torwatch.summary');
}

/** The JSON part of a line: the whole line, or what follows a syslog header (and its BOM). */
function jsonPart(line: string): string | undefined {
  const t = line.replace(/^\uFEFF/, '').trimEnd();
  if (t.startsWith('{')) return t;
  const bom = t.indexOf('\uFEFF{');
  if (bom >= 0) return t.slice(bom + 1);
  const i = t.indexOf(' {');
  return i >= 0 ? t.slice(i + 1) : undefined;
}

export class AlertCollector {
  constructor(
    readonly seen: Set<string>,
    readonly stats: ReadStats,
    private readonly onAlert: (a: AlertDoc) => void,
    /** Skip and count what is not an alert instead of stopping the source at it. */
    readonly lenient: boolean,
  ) {}

  /** A line or stored message that was cut off at the size limit: not an alert. */
  tooLong(where: Where, max: number): void {
    this.invalid(where, `line is longer than ${max} bytes; not a torwatch alert`);
  }

  /** Something stored that holds no alert at all (a stream entry without an `alert` field). */
  invalid(where: Where, why: string): void {
    this.stats.lines++;
    this.reject(where, why);
  }

  /** One line or stored message. Throws an InputError naming `where` when it is not an alert (unless lenient). */
  text(text: string, where: Where): void {
    this.stats.lines++;
    if (text.trim() === '') return;
    const json = jsonPart(text);
    let doc: unknown;
    let why: string | undefined;
    if (json === undefined) why = 'no JSON object on this line';
    else {
      try {
        doc = JSON.parse(json);
        if (!isAlert(doc)) why = 'JSON, but not a torwatch alert (needs rule.id and event.kind "alert", or a torwatch.summary event)';
      } catch (err) {
        why = `not valid JSON (${(err as Error).message})`;
      }
    }
    if (why) return this.reject(where, why);
    const a = doc as AlertDoc;
    const id = (a.event as Record<string, unknown>).id;
    if (typeof id === 'string') {
      if (this.seen.has(id)) {
        this.stats.duplicates++;
        return;
      }
      this.seen.add(id);
    }
    this.stats.alerts++;
    this.onAlert(a);
  }

  private reject(where: Where, why: string): void {
    if (this.lenient) {
      this.stats.skipped++;
      return;
    }
    throw new InputError(where, why);
  }
}
