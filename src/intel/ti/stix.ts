import { InputError } from '../../util/errors.js';
import type { TiParseResult } from './csv.js';
import { addressIndicator, normalizeDomain, normalizeTlp, type Indicator } from './indicator.js';

/** The TLP marking-definition objects STIX 2.1 predefines (section 7.2.1.4), by id. */
const TLP_IDS: Record<string, string> = {
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'WHITE',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'GREEN',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'AMBER',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'RED',
  // TLP 2.0 (OASIS extension definitions).
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'CLEAR',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'GREEN',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'AMBER',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'AMBER+STRICT',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'RED',
};

/**
 * STIX 2.1 bundles: every `indicator` object whose pattern (pattern_type stix) is a disjunction of
 * equality tests on addresses or domain names:
 *   [ipv4-addr:value = '198.51.100.7']   [ipv6-addr:value = '2001:db8::/32']
 *   [domain-name:value = 'x.example' OR domain-name:value = 'y.example']   [ipv4-addr:value IN ('a','b')]
 *   [network-traffic:dst_ref.value = '203.0.113.9']
 * Patterns with AND, other operators, other objects or qualifiers cannot be decided from an address
 * alone: such indicators are counted and skipped. Revoked indicators are skipped. confidence,
 * valid_from / valid_until (a flow outside them does not match), modified, name, description,
 * indicator_types, labels, TLP markings and the creator identity's name are kept.
 */
export function parseStixBundle(doc: unknown, file: string): TiParseResult {
  const bad = (path: string, what: string): InputError => new InputError({ file }, `${path}: ${what}`);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('top level', 'a STIX bundle is a JSON object');
  const b = doc as Record<string, unknown>;
  if (b.type !== 'bundle') throw bad('type', `${JSON.stringify(b.type)} is not "bundle"`);
  const objects = b.objects ?? [];
  if (!Array.isArray(objects)) throw bad('objects', 'not a list');
  const identities = new Map<string, string>();
  const markings = new Map<string, string>(Object.entries(TLP_IDS));
  for (const o of objects) {
    if (typeof o !== 'object' || o === null) continue;
    const r = o as Record<string, unknown>;
    if (r.type === 'identity' && typeof r.id === 'string' && typeof r.name === 'string') identities.set(r.id, r.name);
    if (r.type === 'marking-definition' && typeof r.id === 'string') {
      const def = r.definition as Record<string, unknown> | undefined;
      const name = typeof def?.tlp === 'string' ? def.tlp : typeof r.name === 'string' ? r.name : '';
      const t = normalizeTlp(name);
      if (typeof t === 'string') markings.set(r.id, t);
    }
  }
  const out: Indicator[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => {
    skipped[why] = (skipped[why] ?? 0) + 1;
  };
  objects.forEach((o, i) => {
    if (typeof o !== 'object' || o === null || Array.isArray(o)) throw bad(`objects[${i}]`, 'not an object');
    const r = o as Record<string, unknown>;
    if (r.type !== 'indicator') return;
    const where = `objects[${i}]${typeof r.id === 'string' ? ` (${r.id})` : ''}`;
    if (r.revoked === true) return skip('revoked');
    if (r.pattern_type !== undefined && r.pattern_type !== 'stix') return skip(`pattern_type ${String(r.pattern_type)}`);
    if (typeof r.pattern !== 'string') throw bad(where, 'indicator without a pattern');
    let atoms: { object: string; value: string }[] | undefined;
    try {
      atoms = patternAtoms(r.pattern);
    } catch (err) {
      throw bad(where, `pattern ${JSON.stringify(r.pattern.slice(0, 80))}: ${(err as Error).message}`);
    }
    if (!atoms) return skip('pattern not a disjunction of address/domain equalities');
    const time = (k: string): number | undefined => {
      const v = r[k];
      if (v === undefined) return undefined;
      const t = typeof v === 'string' ? Date.parse(v) : NaN;
      if (Number.isNaN(t)) throw bad(`${where}.${k}`, `${JSON.stringify(v)} is not a timestamp`);
      return t;
    };
    let confidence: number | undefined;
    if (r.confidence !== undefined) {
      if (typeof r.confidence !== 'number' || !Number.isInteger(r.confidence) || r.confidence < 0 || r.confidence > 100) throw bad(`${where}.confidence`, `${JSON.stringify(r.confidence)} is not 0-100`);
      confidence = r.confidence;
    }
    const refs = Array.isArray(r.object_marking_refs) ? (r.object_marking_refs as unknown[]) : [];
    const tlp = refs.map((x) => (typeof x === 'string' ? markings.get(x) : undefined)).find((x) => x !== undefined);
    const strs = (k: string): string[] => (Array.isArray(r[k]) ? (r[k] as unknown[]).filter((x): x is string => typeof x === 'string') : []);
    const types = strs('indicator_types');
    const common = {
      confidence,
      threatType: types[0],
      tlp,
      tags: [...types, ...strs('labels')],
      provider: (typeof r.created_by_ref === 'string' && identities.get(r.created_by_ref)) || 'STIX',
      name: typeof r.name === 'string' ? r.name : undefined,
      description: typeof r.description === 'string' ? r.description : undefined,
      validFromMs: time('valid_from'),
      validUntilMs: time('valid_until'),
      modifiedMs: time('modified'),
      source: `${file}: ${where}`,
      format: 'stix' as const,
    };
    for (const a of atoms) {
      if (a.object === 'domain-name') {
        const d = normalizeDomain(a.value);
        if (!d) throw bad(where, `'${a.value}' is not a domain name`);
        out.push({ type: 'domain-name', value: d, ...common });
      } else {
        const ip = addressIndicator(a.value);
        if (typeof ip === 'string') throw bad(where, ip);
        if (a.object !== 'network-traffic' && ip.type !== a.object) throw bad(where, `'${a.value}' is not an ${a.object}`);
        out.push({ ...ip, ...common });
      }
    }
  });
  return { indicators: out, skipped };
}

type Tok = { k: 'lb' | 'rb' | 'lp' | 'rp' | 'comma' } | { k: 'str'; v: string } | { k: 'word'; v: string };

const MAX_PATTERN = 64 * 1024;

function tokenize(p: string): Tok[] {
  if (p.length > MAX_PATTERN) throw new Error(`longer than ${MAX_PATTERN} characters`);
  const out: Tok[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (/\s/.test(c)) { i++; continue; }
    if (c === '[') { out.push({ k: 'lb' }); i++; continue; }
    if (c === ']') { out.push({ k: 'rb' }); i++; continue; }
    if (c === '(') { out.push({ k: 'lp' }); i++; continue; }
    if (c === ')') { out.push({ k: 'rp' }); i++; continue; }
    if (c === ',') { out.push({ k: 'comma' }); i++; continue; }
    if (c === '=') { out.push({ k: 'word', v: '=' }); i++; continue; }
    if (c === "'") {
      let v = '';
      i++;
      for (;;) {
        if (i >= p.length) throw new Error('unterminated string');
        const d = p[i];
        if (d === '\\') {
          v += p[i + 1] ?? '';
          i += 2;
          continue;
        }
        if (d === "'") { i++; break; }
        v += d;
        i++;
      }
      out.push({ k: 'str', v });
      continue;
    }
    let j = i;
    while (j < p.length && !/[\s[\]()',=]/.test(p[j])) j++;
    out.push({ k: 'word', v: p.slice(i, j) });
    i = j;
  }
  return out;
}

const PATHS: Record<string, string> = {
  'ipv4-addr:value': 'ipv4-addr',
  'ipv6-addr:value': 'ipv6-addr',
  'domain-name:value': 'domain-name',
  'network-traffic:dst_ref.value': 'network-traffic',
  'network-traffic:src_ref.value': 'network-traffic',
};

/**
 * The address/domain literals of a pattern that is an OR of `path = 'lit'` / `path IN (...)` tests,
 * brackets and parentheses anywhere; undefined when the pattern has any other shape. Throws on a
 * pattern that is not even well-formed (unbalanced brackets, unterminated strings).
 */
export function patternAtoms(pattern: string): { object: string; value: string }[] | undefined {
  const t = tokenize(pattern);
  let depth = 0;
  for (const x of t) {
    if (x.k === 'lb' || x.k === 'lp') depth++;
    if (x.k === 'rb' || x.k === 'rp') depth--;
    if (depth < 0) throw new Error('unbalanced brackets');
  }
  if (depth !== 0) throw new Error('unbalanced brackets');
  const atoms: { object: string; value: string }[] = [];
  let i = 0;
  let expectTest = true;
  while (i < t.length) {
    const x = t[i];
    if (x.k === 'lb' || x.k === 'lp' || x.k === 'rb' || x.k === 'rp') { i++; continue; }
    if (!expectTest) {
      if (x.k === 'word' && x.v.toUpperCase() === 'OR') { expectTest = true; i++; continue; }
      return undefined;
    }
    if (x.k !== 'word' || !(x.v in PATHS)) return undefined;
    const object = PATHS[x.v];
    const op = t[i + 1];
    if (op?.k !== 'word') return undefined;
    if (op.v === '=') {
      const lit = t[i + 2];
      if (lit?.k !== 'str') return undefined;
      atoms.push({ object, value: lit.v });
      i += 3;
    } else if (op.v.toUpperCase() === 'IN') {
      if (t[i + 2]?.k !== 'lp') return undefined;
      let j = i + 3;
      for (;;) {
        const lit = t[j];
        if (lit?.k !== 'str') return undefined;
        atoms.push({ object, value: lit.v });
        const sep = t[j + 1];
        if (sep?.k === 'comma') { j += 2; continue; }
        if (sep?.k === 'rp') { j += 2; break; }
        return undefined;
      }
      i = j;
    } else return undefined;
    expectTest = false;
  }
  return atoms.length ? atoms : undefined;
}
