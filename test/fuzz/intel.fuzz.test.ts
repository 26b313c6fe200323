/**
 * Property tests of the intel loaders: every relay-list format (consensus and microdesc consensus,
 * TorDNSEL exit list, Onionoo details, bulk exit list, plain address lists and JSON arrays, relay
 * CSVs), the threat-intel formats (CSV, MISP CSV export, STIX 2.1 bundle) and the --allow parser.
 *
 * Seeds are the real snapshots in ../shared/data/tor (CollecTor consensuses, a chutney test-network
 * consensus, a CRLF microdesc consensus, a TorDNSEL list, doodad-labs / ling0x / secops lists) and
 * pcaps/tor-private-net.consensus/ (a private Tor network's); Onionoo, MISP and STIX documents are built from the same real
 * relays. Mutations are byte edits of the text, line edits (drop, repeat, swap, cut), and for JSON
 * a value anywhere replaced by one of another type.
 *
 *  - the outcome is a parsed source (or "not a relay list"), or an InputError/UserError on one line
 *    naming the file; never another exception;
 *  - what comes out is bounded by what went in (relays <= lines, addresses well-formed), and indexes
 *    (RelaySet, IndicatorIndex) build from it without error.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RULE_IDS } from '../../src/detect/catalog.js';
import { AllowList, checkAllowEntries } from '../../src/detect/allow.js';
import { parseRelayText } from '../../src/intel/relays/detect-format.js';
import type { ParsedSource } from '../../src/intel/relays/model.js';
import { RelaySet } from '../../src/intel/relays/relay-set.js';
import { IndicatorIndex } from '../../src/intel/ti/indicator-index.js';
import { parseIntelFile } from '../../src/intel/ti/load.js';
import { applyOption, COMMON_OPTIONS } from '../../src/config/options.js';
import { defaultSettings, splitList } from '../../src/config/settings.js';
import { UserError } from '../../src/util/errors.js';
import { CALL_BUDGET_MS, mutatedFrom, params } from './lib/arb.js';
import { DATA, PCAPS } from './lib/corpus.js';
import { STIX_BUNDLE } from '../intel/fixtures.js';

const TOR = join(DATA, 'tor');
const dir = mkdtempSync(join(tmpdir(), 'tw7-intel-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Seed {
  name: string;
  text: string;
}
const relaySeeds: Seed[] = [];
const tiSeeds: Seed[] = [];

/** Relays from a consensus, read with a few regular expressions (independent of the loader under test). */
function consensusRelays(text: string): { nick: string; fp: string; ip: string; or: number; dir: number; v6?: string; flags: string[] }[] {
  const out: { nick: string; fp: string; ip: string; or: number; dir: number; v6?: string; flags: string[] }[] = [];
  for (const line of text.split('\n')) {
    const r = /^r (\S+) (\S+) \S+ \S+ \S+ (\S+) (\d+) (\d+)/.exec(line);
    if (r) out.push({ nick: r[1], fp: Buffer.from(r[2], 'base64').toString('hex').toUpperCase(), ip: r[3], or: Number(r[4]), dir: Number(r[5]), flags: [] });
    const a = /^a \[(.+)\]:(\d+)/.exec(line);
    if (a && out.length) out[out.length - 1].v6 = `[${a[1]}]:${a[2]}`;
    const s = /^s (.*)/.exec(line);
    if (s && out.length) out[out.length - 1].flags = s[1].split(' ');
  }
  return out;
}

beforeAll(() => {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/LICENSE|README|License|Last-Checked/.test(n)) files.push(p);
    }
  };
  walk(TOR);
  walk(join(PCAPS, 'tor-private-net.consensus'));
  for (const f of files) {
    let text = readFileSync(f, 'utf8');
    // Big lists are cut to their first 300 lines or entries (the format is in the head; parse time stays small).
    if (text.trimStart().startsWith('[')) text = JSON.stringify((JSON.parse(text) as unknown[]).slice(0, 300));
    relaySeeds.push({ name: f.split('/').pop()!, text: text.split('\n').slice(0, 300).join('\n') });
  }
  // Onionoo details from the real 2018 consensus's relays.
  const relays = consensusRelays(readFileSync(join(TOR, 'stem-collector-samples/2018-06-01-00-00-00-consensus'), 'utf8')).slice(0, 40);
  const onionoo = {
    version: '8.0', relays_published: '2018-06-01 00:00:00',
    relays: relays.map((r) => ({
      nickname: r.nick, fingerprint: r.fp, or_addresses: [`${r.ip}:${r.or}`, ...(r.v6 ? [r.v6] : [])], dir_address: r.dir ? `${r.ip}:${r.dir}` : undefined,
      exit_addresses: r.flags.includes('Exit') ? [r.ip] : undefined, flags: r.flags, first_seen: '2017-01-01 00:00:00', last_seen: '2018-06-01 00:00:00', running: true,
    })),
    bridges_published: '2018-06-01 00:00:00', bridges: [],
  };
  relaySeeds.push({ name: 'details.json', text: JSON.stringify(onionoo, null, 1) });
  relaySeeds.push({ name: 'relays.json', text: JSON.stringify(relays.map((r) => r.ip)) });
  // Threat intel in each format, from the same relays.
  const exits = readFileSync(join(TOR, 'secops-tor-ip-addresses/2024-02-27T03-57Z/tor-exit-nodes.lst'), 'utf8').split('\n').filter(Boolean).slice(0, 40);
  tiSeeds.push({ name: 'ti.csv', text: 'indicator,type,confidence,threat_type,tlp,tags\n' + exits.map((ip, i) => `${ip},ip,${(i * 7) % 101},tor-exit,${['white', 'green', 'amber', 'red'][i % 4]},"tor,exit"`).join('\n') + '\nexample.onion,domain,high,tor,amber,onion\n' });
  tiSeeds.push({ name: 'misp.csv', text: 'uuid,event_id,category,type,value,comment,to_ids,date,object_relation,attribute_tag,object_uuid,object_name,object_meta_category\n' +
    exits.map((ip, i) => `5f4d3c2b-1a09-4f8e-9d7c-6b5a4f3e2d${String(i).padStart(2, '0')},42,Network activity,${i % 3 ? 'ip-dst' : 'ip-dst|port'},${i % 3 ? ip : ip + '|9001'},tor exit,${i % 5 ? 1 : 0},1763856000,,"tlp:amber,misp:confidence-level=""usually-confident""",,,`).join('\n') + '\n' });
  const bundle = structuredClone(STIX_BUNDLE) as { objects: Record<string, unknown>[] };
  bundle.objects.push(...exits.map((ip, i) => ({ type: 'indicator', spec_version: '2.1', id: `indicator--00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, created: '2026-11-01T00:00:00Z', modified: '2026-11-01T00:00:00Z', pattern: `[ipv4-addr:value = '${ip}']`, pattern_type: 'stix', valid_from: '2026-11-01T00:00:00Z', confidence: i })));
  tiSeeds.push({ name: 'bundle.json', text: JSON.stringify(bundle, null, 1) });
});

/** Line-level edits on top of byte edits: what a truncated download or a hand-edited list looks like. */
const lineEdit = fc.record({ op: fc.constantFrom('drop', 'repeat', 'swap', 'cut', 'blank', 'crlf'), at: fc.nat(), n: fc.integer({ min: 1, max: 20 }) });
function editLines(text: string, edits: { op: string; at: number; n: number }[]): string {
  let lines = text.split('\n');
  for (const e of edits) {
    if (!lines.length) break;
    const i = e.at % lines.length;
    if (e.op === 'drop') lines.splice(i, e.n);
    else if (e.op === 'repeat') lines.splice(i, 0, ...Array.from({ length: e.n }, () => lines[i]));
    else if (e.op === 'swap') [lines[i], lines[(i + e.n) % lines.length]] = [lines[(i + e.n) % lines.length], lines[i]];
    else if (e.op === 'cut') lines[i] = lines[i].slice(0, e.n);
    else if (e.op === 'blank') lines.splice(i, 0, '', ' \t');
    else lines = lines.map((l) => l + '\r');
  }
  return lines.join('\n');
}

/** In a JSON document, a value anywhere replaced by one of another type (a field that lies about its type). */
function replaceInJson(text: string, at: number, value: unknown): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return text;
  }
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { slots.push([v, i]); walk(x); });
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) { slots.push([v as Record<string, unknown>, k]); walk(x); }
  };
  walk(doc);
  if (!slots.length) return text;
  const [holder, key] = slots[at % slots.length];
  (holder as Record<string | number, unknown>)[key] = value;
  return JSON.stringify(doc);
}

function hostileText(seeds: Seed[]): fc.Arbitrary<{ name: string; text: string }> {
  const bytes = seeds.map((s) => Uint8Array.from(Buffer.from(s.text, 'utf8')));
  return fc.oneof(
    { weight: 3, arbitrary: mutatedFrom(bytes, 6).map((m) => ({ name: seeds[m.base].name, text: Buffer.from(m.bytes).toString('utf8') })) },
    { weight: 2, arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(lineEdit, { minLength: 1, maxLength: 4 })).map(([i, e]) => ({ name: seeds[i].name, text: editLines(seeds[i].text, e) })) },
    { weight: 2, arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.nat(), fc.jsonValue({ maxDepth: 2 })).map(([i, at, v]) => ({ name: seeds[i].name, text: replaceInJson(seeds[i].text, at, v) })) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.string({ unit: 'binary', maxLength: 200 })).map(([i, s]) => ({ name: seeds[i].name, text: s })) },
  );
}

/** Control characters and line separators: a one-line message for a terminal has none. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function expectOneLineUserError(err: unknown, file: string): void {
  if (!(err instanceof UserError)) throw new Error(`not a UserError: ${(err as Error)?.stack ?? String(err)}`);
  expect(err.message).not.toMatch(CONTROL);
  expect(err.message.startsWith(file)).toBe(true);
}

describe('relay lists', () => {
  it('every format, mutated: a source (or "not a relay list"), or a one-line error naming the file; bounded; indexable', () => {
    let parsed = 0;
    let errors = 0;
    const byFormat: Record<string, number> = {};
    fc.assert(
      fc.property(hostileText(relaySeeds), fc.constantFrom(undefined, 'exit' as const, 'guard' as const, 'relay' as const), ({ name, text }, hint) => {
        let src: ParsedSource | undefined;
        const t0 = performance.now();
        try {
          src = parseRelayText(text, name, 1_700_000_000_000, hint);
        } catch (err) {
          errors++;
          expectOneLineUserError(err, name);
          return;
        }
        expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS * 4);
        if (!src) return;
        parsed++;
        byFormat[src.info.format] = (byFormat[src.info.format] ?? 0) + 1;
        // No relay entry in any format is shorter than an address ("1.2.3.4").
        expect(src.relays.length).toBeLessThanOrEqual(text.length / 7 + 1);
        // Plain checks in the loop (thousands of addresses per run), one assertion after it.
        const bad = src.relays.flatMap((r) => r.addresses).filter((a) =>
          !(a.version === 4 || a.version === 6) || a.words.some((w) => w >>> 0 !== w) || !(a.prefix >= 0 && a.prefix <= (a.version === 4 ? 32 : 128)) ||
          !(a.orPort >= 0 && a.orPort <= 65535) || !(a.dirPort >= 0 && a.dirPort <= 65535));
        expect(bad).toEqual([]);
        // The index builds from whatever parsed.
        new RelaySet([src], { graceMs: 86_400_000, maxAgeMs: 3 * 3_600_000 });
      }),
      params(2500),
    );
    expect(parsed).toBeGreaterThan(500);
    expect(errors).toBeGreaterThan(100);
    // Every format was reached, and parsed (mutated) many times.
    for (const f of ['consensus', 'microdesc-consensus', 'onionoo', 'tordnsel', 'bulk-exit-list', 'relay-csv', 'ip-list']) expect(byFormat[f] ?? 0, f).toBeGreaterThan(20);
  });
});

describe('threat intel', () => {
  it('CSV, MISP CSV and STIX, mutated: indicators, or a one-line error naming the file (and line); indexable', () => {
    let loaded = 0;
    const byFormat: Record<string, number> = {};
    fc.assert(
      fc.property(hostileText(tiSeeds), ({ name, text }) => {
        const file = join(dir, name);
        writeFileSync(file, text);
        let r;
        try {
          r = parseIntelFile(file);
        } catch (err) {
          expectOneLineUserError(err, file);
          return;
        }
        loaded++;
        byFormat[r.format] = (byFormat[r.format] ?? 0) + 1;
        expect(r.indicators.length).toBeLessThanOrEqual(text.length);
        const index = new IndicatorIndex();
        for (const ind of r.indicators) index.add(ind);
      }),
      params(1500),
    );
    expect(loaded).toBeGreaterThan(200);
    for (const f of ['csv', 'misp-csv', 'stix']) expect(byFormat[f] ?? 0, f).toBeGreaterThan(50);
  });
});

describe('--allow entries', () => {
  const ALLOW = COMMON_OPTIONS.find((o) => o.key === 'allow')!;
  const valid = fc.oneof(
    fc.ipV4(), fc.ipV6(), fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, n]) => `${a}/${n}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })).map(([a, n]) => `${a}/${n}`), fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([a, p]) => `${a}:${p}`),
    fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([a, p]) => `[${a}]:${p}`), fc.integer({ min: 0, max: 65535 }).map((p) => `port:${p}`),
    fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => `port:${Math.min(a, b)}-${Math.max(a, b)}`), fc.domain().map((d) => `domain:${d}`),
  );
  const entry = fc.oneof(
    { weight: 3, arbitrary: fc.tuple(valid, fc.option(fc.constantFrom(...RULE_IDS))).map(([e, r]) => (r ? `${e}@${r}` : e)) },
    { weight: 3, arbitrary: fc.tuple(valid, fc.array(mutationOfString(), { minLength: 1, maxLength: 3 })).map(([e, ms]) => ms.reduce((s, f) => f(s), e)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  );

  function mutationOfString(): fc.Arbitrary<(s: string) => string> {
    return fc.oneof(
      fc.tuple(fc.nat(), fc.string({ unit: 'binary', maxLength: 3 })).map(([at, ins]) => (s: string) => s.slice(0, at % (s.length + 1)) + ins + s.slice(at % (s.length + 1))),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })).map(([at, n]) => (s: string) => s.slice(0, at % (s.length + 1)) + s.slice((at % (s.length + 1)) + n)),
      fc.constantFrom((s: string) => s + '@', (s: string) => s + '@nope', (s: string) => '@' + s, (s: string) => s.replace(/\d+$/, '99999'), (s: string) => s.replace(':', '::')),
    );
  }

  it('any entry: the validator and the parser agree, never throw anything else, errors are one line', () => {
    let refused = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 5 }), (entries) => {
        // The option splits values on commas (`--allow a,b`) before checking each entry.
        const list = splitList(entries);
        const problem = checkAllowEntries(list);
        let userError: unknown;
        try {
          applyOption(defaultSettings(), ALLOW, entries, '--allow');
        } catch (err) {
          userError = err;
        }
        if (problem === undefined) {
          expect(userError).toBeUndefined();
          expect(AllowList.parse(list).size).toBe(list.length);
        } else {
          refused++;
          expect(() => AllowList.parse(list)).toThrow(problem);
          // What the user sees: one line, whatever the entry held.
          expectOneLineUserError(userError, '--allow');
        }
      }),
      params(4000),
    );
    expect(refused).toBeGreaterThan(500);
  });
});
