import { parse } from 'yaml';

/**
 * The Elasticsearch index template for torwatch's alerts, built from siem/fields.yml: the ECS 9.4
 * fields torwatch writes, with ECS's own types, and the torwatch.* fields, declared once there.
 * Nothing here knows a field name; the data file does. Not part of the sensor (so not in src/): the
 * template is built into siem/elasticsearch/ by index-template.test.ts beside it, which also checks it.
 */
export interface FieldSpec {
  type: string;
  description?: string;
  /** Extra mappings of the same value under `<field>.<name>` (ECS: `text` as match_only_text). */
  multi_fields?: Record<string, string>;
}

/** Container types: their children are mapped under them. */
const CONTAINERS = new Set(['object', 'nested']);
/** Types a torwatch field may have. */
export const FIELD_TYPES = new Set(['keyword', 'wildcard', 'match_only_text', 'text', 'long', 'float', 'double', 'boolean', 'date', 'ip', 'object', 'nested', 'flattened']);

/** siem/fields.yml: `ecs` and `torwatch` maps of field -> type or {type, description, multi_fields}. */
export function parseFieldsFile(text: string): { ecs: Map<string, FieldSpec>; torwatch: Map<string, FieldSpec> } {
  const doc = parse(text) as Record<string, Record<string, string | FieldSpec> | undefined>;
  const section = (name: 'ecs' | 'torwatch'): Map<string, FieldSpec> => {
    const out = new Map<string, FieldSpec>();
    for (const [field, v] of Object.entries(doc[name] ?? {})) {
      const spec: FieldSpec = typeof v === 'string' ? { type: v } : v;
      if (!FIELD_TYPES.has(spec.type)) throw new Error(`siem/fields.yml: ${field}: '${spec.type}' is not a mapping type torwatch uses (${[...FIELD_TYPES].join(', ')})`);
      if ((name === 'torwatch') !== (field === 'torwatch' || field.startsWith('torwatch.'))) throw new Error(`siem/fields.yml: ${field} belongs in the ${name === 'torwatch' ? 'ecs' : 'torwatch'} section`);
      out.set(field, spec);
    }
    return out;
  };
  return { ecs: section('ecs'), torwatch: section('torwatch') };
}

type Mapping = Record<string, unknown> & { properties?: Record<string, Mapping> };

function leafMapping(spec: FieldSpec): Mapping {
  const m: Mapping = { type: spec.type };
  // As ECS's own templates: keyword values longer than this are stored but not indexed.
  if (spec.type === 'keyword') m.ignore_above = 1024;
  if (spec.multi_fields) m.fields = Object.fromEntries(Object.entries(spec.multi_fields).map(([n, t]) => [n, { type: t }]));
  return m;
}

/** `properties` for every field, containers created as the dotted names need them. */
export function buildProperties(fields: Map<string, FieldSpec>): Record<string, Mapping> {
  const root: Record<string, Mapping> = {};
  const names = [...fields.keys()].sort();
  for (const name of names) {
    const spec = fields.get(name)!;
    const parts = name === '@timestamp' ? [name] : name.split('.');
    let level = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const node = (level[parts[i]] ??= { properties: {} });
      node.properties ??= {};
      level = node.properties;
    }
    const last = parts[parts.length - 1];
    if (CONTAINERS.has(spec.type)) {
      // Sorted, a parent comes before its children: they are added to its properties afterwards.
      const node = (level[last] ??= {});
      node.type = spec.type;
    } else {
      level[last] = leafMapping(spec);
    }
  }
  return root;
}

export interface TemplateOptions {
  ecsVersion: string;
  indexPatterns: string[];
}

export function buildIndexTemplate(fields: { ecs: Map<string, FieldSpec>; torwatch: Map<string, FieldSpec> }, o: TemplateOptions): Record<string, unknown> {
  const all = new Map([...fields.ecs, ...fields.torwatch]);
  const keyword = { type: 'keyword', ignore_above: 1024 };
  return {
    index_patterns: o.indexPatterns,
    priority: 200,
    _meta: { description: `torwatch alerts, ECS ${o.ecsVersion}; built from siem/fields.yml`, ecs_version: o.ecsVersion },
    template: {
      mappings: {
        _meta: {
          ecs_version: o.ecsVersion,
          torwatch_fields: Object.fromEntries([...fields.torwatch].filter(([, s]) => s.description).map(([n, s]) => [n, s.description])),
        },
        date_detection: false,
        dynamic_templates: [
          // ECS: labels are keyword values under any name.
          { labels: { path_match: 'labels.*', match_mapping_type: 'string', mapping: keyword } },
          // A field a newer torwatch adds before this template is updated is still searchable as a keyword.
          { strings_as_keyword: { match_mapping_type: 'string', mapping: keyword } },
        ],
        properties: buildProperties(all),
      },
    },
  };
}
