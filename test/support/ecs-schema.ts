import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parse } from 'yaml';

/**
 * Validates alerts against ECS's own field list (../shared/data/ecs/ecs_flat.yml, ECS 9.4.0): every
 * field exists (or lives under the custom `torwatch.*` namespace or `labels`), its JSON type fits the
 * ECS type, arrays where ECS normalizes to arrays (and only there), allowed/expected values respected.
 */
interface EcsField {
  type: string;
  normalize?: string[];
  allowed_values?: { name: string }[];
  expected_values?: string[];
}

const ECS_FLAT = new URL('../../../shared/data/ecs/ecs_flat.yml', import.meta.url);
let fields: Map<string, EcsField> | undefined;

export function ecsFields(): Map<string, EcsField> {
  if (!fields) {
    const raw = parse(readFileSync(ECS_FLAT, 'utf8')) as Record<string, EcsField>;
    fields = new Map(Object.entries(raw));
  }
  return fields;
}

export function ecsVersion(): string {
  return readFileSync(new URL('../../../shared/data/ecs/version', import.meta.url), 'utf8').trim();
}

const STRINGISH = new Set(['keyword', 'constant_keyword', 'wildcard', 'text', 'match_only_text']);
const INTEGER = new Set(['long', 'integer', 'short', 'byte', 'unsigned_long']);
const FLOAT = new Set(['float', 'double', 'half_float', 'scaled_float']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function scalarProblem(path: string, f: EcsField, v: unknown): string | undefined {
  if (STRINGISH.has(f.type)) {
    if (typeof v !== 'string') return `${path}: ${f.type} wants a string, got ${JSON.stringify(v)}`;
  } else if (INTEGER.has(f.type)) {
    if (typeof v !== 'number' || !Number.isInteger(v)) return `${path}: ${f.type} wants an integer, got ${JSON.stringify(v)}`;
  } else if (FLOAT.has(f.type)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${path}: ${f.type} wants a number, got ${JSON.stringify(v)}`;
  } else if (f.type === 'boolean') {
    if (typeof v !== 'boolean') return `${path}: boolean wanted, got ${JSON.stringify(v)}`;
  } else if (f.type === 'ip') {
    if (typeof v !== 'string' || isIP(v) === 0) return `${path}: ip wanted, got ${JSON.stringify(v)}`;
  } else if (f.type === 'date') {
    if (typeof v !== 'string' || !ISO.test(v) || Number.isNaN(Date.parse(v))) return `${path}: ISO 8601 date wanted, got ${JSON.stringify(v)}`;
  } else if (f.type === 'object' || f.type === 'flattened') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path}: object wanted`;
  } else {
    return `${path}: torwatch does not emit ECS type ${f.type}`;
  }
  const allowed = f.allowed_values?.map((a) => a.name) ?? f.expected_values;
  if (allowed && typeof v === 'string' && !allowed.includes(v)) return `${path}: '${v}' is not an allowed value (${allowed.join(', ')})`;
  return undefined;
}

let prefixes: Set<string> | undefined;
function hasChildren(path: string): boolean {
  if (!prefixes) {
    prefixes = new Set();
    for (const k of ecsFields().keys()) {
      const parts = k.split('.');
      for (let i = 1; i < parts.length; i++) prefixes.add(parts.slice(0, i).join('.'));
    }
  }
  return prefixes.has(path);
}

/** Problems found in one alert document (empty when it is valid ECS). */
export function ecsProblems(doc: Record<string, unknown>): string[] {
  const out: string[] = [];
  const defs = ecsFields();
  const walk = (prefix: string, obj: Record<string, unknown>): void => {
    for (const [k, v] of Object.entries(obj)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (path === 'torwatch' || path.startsWith('torwatch.')) continue;
      if (path === 'labels') {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) out.push('labels: must be an object');
        else for (const [lk, lv] of Object.entries(v)) if (typeof lv !== 'string') out.push(`labels.${lk}: labels hold keyword (string) values`);
        continue;
      }
      const f = defs.get(path);
      if (!f) {
        if (typeof v === 'object' && v !== null && !Array.isArray(v)) walk(path, v as Record<string, unknown>);
        else out.push(`${path}: not an ECS ${ecsVersion()} field`);
        continue;
      }
      // An ECS `object` with defined sub-fields (threat.enrichments.indicator) is a namespace: its
      // children are checked like any other field. One without (an open map) takes any keys.
      if (f.type === 'object' && typeof v === 'object' && v !== null && !Array.isArray(v) && hasChildren(path)) {
        walk(path, v as Record<string, unknown>);
        continue;
      }
      if (f.type === 'nested') {
        if (!Array.isArray(v)) out.push(`${path}: nested field must be an array of objects`);
        else for (const el of v) {
          if (typeof el !== 'object' || el === null || Array.isArray(el)) out.push(`${path}[]: must be objects`);
          else walk(path, el as Record<string, unknown>);
        }
        continue;
      }
      const isArrayField = f.normalize?.includes('array') ?? false;
      if (Array.isArray(v)) {
        if (!isArrayField) out.push(`${path}: ECS does not normalize this field to an array`);
        for (const el of v) {
          const p = scalarProblem(path, f, el);
          if (p) out.push(p);
        }
      } else {
        if (isArrayField) out.push(`${path}: ECS normalizes this field to an array`);
        const p = scalarProblem(path, f, v);
        if (p) out.push(p);
      }
    }
  };
  walk('', doc);
  return out;
}
