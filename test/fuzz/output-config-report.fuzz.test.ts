/**
 * Property tests of the text formats at the edges: the config file reader (with every option's
 * validator behind it), syslog framing and RFC 5424 / RFC 3164 formatting, and the report's alert
 * reader with the hunt summary and its terminal table.
 *
 *  - config: the shipped example (systemd/torwatch.yml, every key enabled) and its JSON twin, mutated:
 *    settings, or a one-line error naming the file (and line and key); never another exception;
 *  - syslog: any messages survive framing and deframing however the stream is cut; hostile streams
 *    give messages or a FramingError, never unbounded buffering; any header and structured-data
 *    values give a message that parses as RFC 5424 (6.1 ABNF) and carries the values back;
 *  - report: real alerts (made by the pipeline from pcaps/) mutated as NDJSON or syslog lines, plain
 *    or gzip: alerts, or a one-line error naming the file and line; the terminal table never carries
 *    a control character from an alert (a hostile SNI or Host must not drive the analyst's terminal).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { readConfigFile } from '../../src/config/config-file.js';
import { CAPTURE_OPTIONS } from '../../src/config/capture-options.js';
import { applyOption, COMMON_OPTIONS } from '../../src/config/options.js';
import { defaultSettings } from '../../src/config/settings.js';
import { FramingError } from '../../src/output/framing.js';
import { Deframer, frameAll } from '../support/deframer.js';
import { formatRfc3164 } from '../../src/output/rfc3164.js';
import { formatRfc5424, HEADER_LIMITS, type SdElement } from '../../src/output/rfc5424.js';
import { HuntSummary } from '../../src/report/hunt.js';
import { readAlertFile, type ReadStats } from '../../src/report/read-alerts.js';
import { AlertCollector } from '../../src/report/collector.js';
import { formatReport } from '../../src/report/table.js';
import { UserError } from '../../src/util/errors.js';
import { chunkingArb, chunks, mutatedFrom, params } from './lib/arb.js';
import { PCAPS, ROOT } from './lib/corpus.js';
import { fuzzIntel, PipelineHarness, type CaseFrame } from './lib/pipeline-harness.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw7-text-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** Control characters and line separators (a one-line message or a terminal table has none). */
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/;
let n = 0;
const tempPath = (name: string): string => join(tmp, `${n++}-${name}`);

function expectOneLine(err: unknown, file: string): void {
  if (!(err instanceof UserError)) throw new Error(`not a UserError: ${(err as Error)?.stack ?? String(err)}`);
  expect(err.message).not.toMatch(CONTROL);
  expect(err.message).not.toContain('\n');
  expect(err.message).toContain(file);
}

// ------------------------------------------------------------------------------------------ config

describe('config file', () => {
  const seeds: Uint8Array[] = [];
  beforeAll(() => {
    // The shipped example with every commented key switched on, and the same as JSON.
    const yml = readFileSync(join(ROOT, 'systemd/torwatch.yml'), 'utf8').replace(/^# ([a-z-]+:.*)$/gm, '$1').replace(/^#\s+(- .*)$/gm, '$1');
    seeds.push(Buffer.from(yml));
    seeds.push(Buffer.from(JSON.stringify({ 'home-net': ['10.0.0.0/8', 'fc00::/7'], rules: 'tor-relay,tor-exit', 'suppress-window': 600, 'rate-limit': 50, allow: ['10.0.0.5@tor-relay', 'port:443'], 'log-level': 'info', output: ['-'], 'max-flows': 1000 }, null, 2)));
  });

  const keys = new Set([...COMMON_OPTIONS, ...CAPTURE_OPTIONS].map((s) => s.key));

  it('mutated configs: settings, or a one-line error naming the file; never another exception', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(mutatedFrom(seeds, 6), async ({ bytes }) => {
        const file = tempPath('torwatch.yml');
        writeFileSync(file, bytes, { mode: 0o600 });
        try {
          const raw = await readConfigFile(file, keys);
          const s = defaultSettings();
          for (const spec of [...COMMON_OPTIONS, ...CAPTURE_OPTIONS]) {
            const line = raw.lines.get(spec.key);
            if (raw.has(spec.key)) applyOption(s, spec, raw.get(spec.key)!, `${file}: ${line !== undefined ? `line ${line}: ` : ''}key '${spec.key}'`);
          }
          accepted++;
        } catch (err) {
          refused++;
          expectOneLine(err, file);
        }
      }),
      params(1200),
    );
    expect(accepted).toBeGreaterThan(50);
    expect(refused).toBeGreaterThan(100);
  });
});

// ------------------------------------------------------------------------------------------ syslog

/** An RFC 5424 message parsed by the 6.1 ABNF; throws on any deviation. */
function parse5424(b: Buffer): { pri: number; fields: string[]; sd: { id: string; params: [string, string][] }[]; msg: Buffer | undefined } {
  let p = 0;
  const fail = (why: string): never => {
    throw new Error(`not RFC 5424 at byte ${p}: ${why}: ${b.toString('latin1').slice(0, 200)}`);
  };
  const m = /^<(\d{1,3})>1 /.exec(b.toString('latin1', 0, 8));
  if (!m) fail('PRI VERSION');
  const pri = Number(m![1]);
  if (pri > 191 || (m![1].length > 1 && m![1][0] === '0')) fail('PRIVAL');
  p = m![0].length;
  const token = (max: number): string => {
    const start = p;
    while (p < b.length && b[p] !== 0x20) {
      if (b[p] < 33 || b[p] > 126) fail('not PRINTUSASCII');
      p++;
    }
    if (p - start < 1 || p - start > max) fail(`field length ${p - start}`);
    if (b[p] !== 0x20) fail('SP');
    p++;
    return b.toString('latin1', start, p - 1);
  };
  const ts = token(64);
  if (ts !== '-' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/.test(ts)) fail('TIMESTAMP');
  const fields = [ts, token(HEADER_LIMITS.hostname), token(HEADER_LIMITS.appName), token(HEADER_LIMITS.procId), token(HEADER_LIMITS.msgId)];
  const sd: { id: string; params: [string, string][] }[] = [];
  const sdName = (): string => {
    const start = p;
    while (p < b.length && b[p] >= 33 && b[p] <= 126 && b[p] !== 0x3d && b[p] !== 0x5d && b[p] !== 0x22 && b[p] !== 0x20) p++;
    if (p - start < 1 || p - start > 32) fail('SD-NAME');
    return b.toString('latin1', start, p);
  };
  if (b[p] === 0x2d) p++;
  else {
    if (b[p] !== 0x5b) fail('STRUCTURED-DATA');
    while (b[p] === 0x5b) {
      p++;
      const el = { id: sdName(), params: [] as [string, string][] };
      while (b[p] === 0x20) {
        p++;
        const name = sdName();
        if (b[p] !== 0x3d || b[p + 1] !== 0x22) fail('="');
        p += 2;
        const bytes: number[] = [];
        for (;;) {
          if (p >= b.length) fail('unterminated PARAM-VALUE');
          const c = b[p];
          if (c === 0x5c && (b[p + 1] === 0x22 || b[p + 1] === 0x5c || b[p + 1] === 0x5d)) {
            bytes.push(b[p + 1]);
            p += 2;
            continue;
          }
          if (c === 0x22) break;
          if (c === 0x5d) fail('unescaped ] in PARAM-VALUE');
          bytes.push(c);
          p++;
        }
        p++;
        el.params.push([name, Buffer.from(bytes).toString('utf8')]);
      }
      if (b[p] !== 0x5d) fail(']');
      p++;
      sd.push(el);
    }
  }
  if (p === b.length) return { pri, fields, sd, msg: undefined };
  if (b[p] !== 0x20) fail('SP before MSG');
  return { pri, fields, sd, msg: b.subarray(p + 1) };
}

describe('syslog', () => {
  it('framing: any messages come back whole however the stream is cut (octet counting; LF for messages without LF)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 3000 }), { minLength: 1, maxLength: 20 }), chunkingArb, (msgs, sizes) => {
        for (const framing of ['octet-counting', 'lf'] as const) {
          const list = framing === 'lf' ? msgs.map((m) => Buffer.from(m.map((c) => (c === 0x0a ? 0x20 : c)))) : msgs.map((m) => Buffer.from(m));
          const d = new Deframer(framing);
          const got: Buffer[] = [];
          for (const ch of chunks(frameAll(list, framing), sizes)) got.push(...d.push(Buffer.from(ch)));
          expect(got.map((g) => g.toString('hex'))).toEqual(list.map((g) => g.toString('hex')));
          expect(d.pending).toBe(0);
        }
      }),
      params(1500),
    );
  });

  it('deframing hostile streams: messages or a FramingError; never more than one message buffered', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.uint8Array({ minLength: 1, maxLength: 200 }), { minLength: 1, maxLength: 8 }).map((ms) => Uint8Array.from(frameAll(ms.map((m) => Buffer.from(m)), 'octet-counting')).map((c, i) => (i % 53 === 0 ? c ^ 0x10 : c)))), chunkingArb, (bytes, sizes) => {
        const d = new Deframer('octet-counting', 4096);
        try {
          for (const ch of chunks(bytes, sizes)) {
            d.push(Buffer.from(ch));
            // At most one declared message (<= 4096) and its length digits are held.
            expect(d.pending).toBeLessThanOrEqual(4096 + 11 + Math.max(...sizes));
          }
        } catch (err) {
          if (!(err instanceof FramingError)) throw err;
        }
      }),
      params(1500),
    );
  });

  const sdName = fc.stringMatching(/^[!#-<>-Z^-~]{1,32}$/);
  // SD-ID: an IANA name (no '@') or name@<private enterprise number>.
  const sdNameNoAt = fc.stringMatching(/^[!#-<>-?A-Z^-~]{1,20}$/);
  const sdId = fc.oneof(sdNameNoAt, fc.tuple(sdNameNoAt, fc.integer({ min: 1, max: 99999999 })).map(([n, pen]) => `${n}@${pen}`));
  const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 300 }), fc.constantFrom('', ']', '"', '\\', '\\]', 'a\nb', '\r\n', '\u2028'));

  it('RFC 5424: any header values, structured data and message give a message that parses and carries them back', () => {
    fc.assert(
      fc.property(
        fc.record({
          facility: fc.integer({ min: 0, max: 23 }), severity: fc.integer({ min: 0, max: 7 }),
          timestamp: fc.option(fc.date({ min: new Date(0), max: new Date(253402300799000), noInvalidDate: true }).map((d) => d.toISOString())),
          hostname: fc.option(anyText), appName: fc.option(anyText), procId: fc.option(anyText), msgId: fc.option(anyText),
          structuredData: fc.array(fc.record({ id: sdId, params: fc.array(fc.tuple(sdName, anyText), { maxLength: 4 }) }), { maxLength: 3 }),
          msg: anyText, bom: fc.boolean(),
        }),
        (m) => {
          const msg = { ...m, timestamp: m.timestamp ?? undefined, hostname: m.hostname ?? undefined, appName: m.appName ?? undefined, procId: m.procId ?? undefined, msgId: m.msgId ?? undefined };
          const out = formatRfc5424(msg);
          const r = parse5424(out);
          expect(r.pri).toBe(m.facility * 8 + m.severity);
          expect(r.sd.map((e) => e.id)).toEqual(m.structuredData.map((e: SdElement) => e.id));
          // Values come back as sent, with CR and LF as spaces (no line breaks inside a message).
          const want = m.structuredData.map((e) => e.params.map(([k, v]) => [k, Buffer.from(v.replace(/[\r\n]/g, ' '), 'utf8').toString('utf8')]));
          expect(r.sd.map((e) => e.params)).toEqual(want);
          if (m.msg.length === 0) expect(r.msg).toBeUndefined();
          else {
            const body = Buffer.from(m.msg, 'utf8');
            expect(r.msg!.equals(m.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body)).toBe(true);
          }
        },
      ),
      params(3000),
    );
  });

  it('RFC 3164: one message with the PRI, a BSD timestamp, a clean tag; the JSON body unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 7 }), fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4102444800000) }), anyText, anyText, fc.option(fc.nat({ max: 4194304 })), fc.jsonValue(), (facility, severity, time, hostname, tag, pid, body) => {
        const msg = JSON.stringify(body) ?? 'null';
        const out = formatRfc3164({ facility, severity, time, hostname, tag, pid: pid ?? undefined, msg }).toString('utf8');
        const m = /^<(\d+)>([A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2}) (\S+) ([A-Za-z0-9_.-]{1,32})(\[\d+\])?: ([\s\S]*)$/.exec(out);
        expect(m, out.slice(0, 200)).not.toBeNull();
        expect(Number(m![1])).toBe(facility * 8 + severity);
        expect(m![6]).toBe(msg);
        expect(out).not.toContain('\n');
      }),
      params(2000),
    );
  });
});

// ------------------------------------------------------------------------------------------ report

describe('report', () => {
  const seeds: Uint8Array[] = [];
  beforeAll(async () => {
    // Real alerts: the pipeline's own output for the regression captures, as NDJSON and as syslog lines.
    const harness = new PipelineHarness(await fuzzIntel());
    for (const f of ['tor-port-mix.pcap', 'web-names.pcap', 'dns-names.pcap', 'tor-link-tls12.pcap', 'tor-private-net.pcap']) {
      const frames: CaseFrame[] = [];
      await readCaptureFile(join(PCAPS, f), (fr) => frames.push({ bytes: Uint8Array.from(fr.buf.subarray(fr.off, fr.off + fr.caplen)), linktype: fr.linktype, tsSec: fr.tsSec, tsNsec: fr.tsNsec, wirelen: fr.wirelen }));
      const o = harness.run(frames, true);
      seeds.push(Buffer.from(o.lines!.join('\n') + '\n'));
      seeds.push(Buffer.from(o.syslog!.map((s) => s.toString('utf8')).join('\n') + '\n'));
    }
    expect(seeds.every((s) => s.length > 100)).toBe(true);
  });

  /** A JSON value anywhere in an alert replaced by something else: hostile text, another type. */
  const hostileAlert = fc.tuple(fc.nat(), fc.nat(), fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('\u001b[2J\u001b]0;owned\u0007', 'a\nb\rc', '\u009b31m', '\u2028x'))).map(([which, at, v]) => {
    const lines = Buffer.from(seeds[which % seeds.length]).toString('utf8').split('\n').filter((l) => l.startsWith('{'));
    if (!lines.length) return seeds[0];
    const doc = JSON.parse(lines[at % lines.length]) as Record<string, unknown>;
    const paths: [Record<string, unknown>, string][] = [];
    const walk = (o: Record<string, unknown>): void => {
      for (const [k, x] of Object.entries(o)) {
        paths.push([o, k]);
        if (typeof x === 'object' && x !== null && !Array.isArray(x)) walk(x as Record<string, unknown>);
      }
    };
    walk(doc);
    const [holder, key] = paths[(at >>> 3) % paths.length];
    if (key !== 'kind' && key !== 'id') holder[key] = v;
    return Buffer.from(JSON.stringify(doc) + '\n');
  });

  it('mutated alert files (NDJSON or syslog lines, plain or gzip): alerts or a one-line error; the table stays clean', async () => {
    let reports = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedFrom(seeds, 6).map((m) => m.bytes), hostileAlert), fc.boolean(), fc.boolean(), async (bytes, gzip, lenient) => {
        const file = tempPath(gzip ? 'alerts.ndjson.gz' : 'alerts.ndjson');
        writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
        const stats: ReadStats = { files: 0, lines: 0, alerts: 0, duplicates: 0, skipped: 0 };
        const hunt = new HuntSummary();
        try {
          await readAlertFile(file, new AlertCollector(new Set(), stats, (a) => hunt.add(a), lenient));
        } catch (err) {
          expectOneLine(err, file);
        }
        expect(stats.alerts + stats.duplicates + stats.skipped).toBeLessThanOrEqual(stats.lines);
        const text = formatReport(hunt.report(), stats);
        // Whatever the alerts held, the table is plain text: no escape sequences, no stray line breaks.
        expect(text, text.slice(0, 400)).not.toMatch(CONTROL);
        JSON.stringify(hunt.report());
        reports++;
      }),
      params(1200),
    );
    expect(reports).toBe(Math.round(1200 * Number(process.env.FUZZ_RUNS ?? 1)));
  });
});
