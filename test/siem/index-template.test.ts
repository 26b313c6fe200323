/**
 * The Elasticsearch index template (siem/elasticsearch/torwatch-index-template.json), built from
 * siem/fields.yml: it is up to date with the data file, every ECS mapping has ECS 9.4.0's own type
 * (and multi-fields), every torwatch.* field says what it holds, and every field of every alert the
 * captures in pcaps/ and ../shared/data produce (all rules, relay lists and threat intel loaded,
 * aggregation on, a sensor name) is mapped, with a value its type accepts.
 *
 * TORWATCH_WRITE_SIEM=1 rewrites the template from the data file instead of comparing.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIndexTemplate, parseFieldsFile } from './index-template-builder.js';
import { ecsFields, ecsVersion } from '../support/ecs-schema.js';
import { PCAPS, ROOT, runCli, SHARED } from '../support/run-cli.js';

const FIELDS = join(ROOT, 'siem', 'fields.yml');
const TEMPLATE = join(ROOT, 'siem', 'elasticsearch', 'torwatch-index-template.json');
const fields = parseFieldsFile(readFileSync(FIELDS, 'utf8'));
const built = buildIndexTemplate(fields, { ecsVersion: ecsVersion(), indexPatterns: ['torwatch-*'] });

type Mapping = { type?: string; properties?: Record<string, Mapping>; fields?: Record<string, { type: string }> };
const rootProps = (built.template as { mappings: { properties: Record<string, Mapping> } }).mappings.properties;

/** The mapping of a dotted path (through objects and nested), or undefined. */
function mappingOf(path: string): Mapping | undefined {
  const parts = path === '@timestamp' ? [path] : path.split('.');
  let props: Record<string, Mapping> | undefined = rootProps;
  let m: Mapping | undefined;
  for (const p of parts) {
    m = props?.[p];
    if (!m) return undefined;
    props = m.properties;
  }
  return m;
}

describe('index template', () => {
  it('is built from siem/fields.yml (rebuild: TORWATCH_WRITE_SIEM=1)', () => {
    const text = JSON.stringify(built, null, 2) + '\n';
    if (process.env.TORWATCH_WRITE_SIEM === '1') writeFileSync(TEMPLATE, text);
    expect(readFileSync(TEMPLATE, 'utf8')).toBe(text);
  });

  it("maps every ECS field with ECS 9.4.0's type and multi-fields", () => {
    const ecs = ecsFields();
    expect(fields.ecs.size).toBeGreaterThan(90);
    for (const [name, spec] of fields.ecs) {
      const def = ecs.get(name) as { type: string; multi_fields?: { name: string; type: string }[] } | undefined;
      expect(def, `${name} is not an ECS ${ecsVersion()} field`).toBeDefined();
      expect(spec.type, name).toBe(def!.type);
      const want = Object.fromEntries((def!.multi_fields ?? []).map((m) => [m.name, m.type]));
      expect(spec.multi_fields ?? {}, `${name} multi-fields`).toEqual(want);
      const m = mappingOf(name)!;
      expect(m.type, name).toBe(def!.type);
    }
  });

  it('declares each torwatch.* field once, with a description', () => {
    for (const [name, spec] of fields.torwatch) {
      expect(name.startsWith('torwatch.'), name).toBe(true);
      expect(spec.description, `${name} needs a description`).toMatch(/\S/);
      expect(mappingOf(name)?.type, name).toBe(spec.type);
    }
  });
});

/** Values a mapping type takes, as JSON. */
function fits(type: string, v: unknown): boolean {
  switch (type) {
    case 'keyword':
    case 'wildcard':
    case 'match_only_text':
    case 'text':
      return typeof v === 'string';
    case 'long':
      return Number.isInteger(v);
    case 'float':
    case 'double':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    case 'ip':
      return typeof v === 'string' && isIP(v) !== 0;
    case 'date':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v));
    default:
      return false;
  }
}

/** Every leaf of an alert as [path, value]: arrays give one entry per element. */
function leaves(doc: unknown, prefix = ''): [string, unknown][] {
  if (Array.isArray(doc)) return doc.flatMap((e) => leaves(e, prefix));
  if (typeof doc === 'object' && doc !== null) return Object.entries(doc).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k));
  return [[prefix, doc]];
}

function captures(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...captures(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e)) out.push(p);
  }
  return out.sort();
}

describe('every field the captures produce is mapped', () => {
  let dir = '';
  const alerts: Record<string, unknown>[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tw12-fields-'));
    // Relay lists and intel that match the test traffic's documentation addresses, a real private Tor
    // network's consensus, and a real relay snapshot: tor-relay and tor-exit fire with every detail.
    writeFileSync(join(dir, 'exits.txt'), '# exit list\n198.51.100.0/24\n203.0.113.0/24\n2001:db8:2::5\n');
    writeFileSync(join(dir, 'ti.csv'), 'indicator,type,confidence,threat_type,tlp,tags\n198.51.100.5,ip,90,tor,amber,hunt\nexample.onion,domain,50,tor,green,hunt\n');
    const intel = ['--relays', `${join(dir, 'exits.txt')}#exit`, '--relays', join(PCAPS, 'tor-private-net.consensus'), '--relays', join(SHARED, 'data/tor/ling0x-tor-nodes'), '--intel', join(dir, 'ti.csv'), '--relays-cache', dir, '--sensor-name', 'fields-test'];
    // pcaps/ one by one (several are the same traffic re-encoded); a short suppression window, so
    // summary alerts (torwatch.aggregate.*) come too.
    for (const f of captures(PCAPS)) {
      const r = await runCli(['replay', ...intel, '--suppress-window', '1', f], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      alerts.push(...r.alerts);
    }
    // ../shared/data in one run: malformed captures there end with exit 2 and a line each.
    const r = await runCli(['replay', ...intel, ...captures(join(SHARED, 'data'))], { timeoutMs: 180_000 });
    expect([0, 2]).toContain(r.code);
    alerts.push(...r.alerts);
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('each alert field resolves to a mapping whose type takes its value', () => {
    expect(alerts.length).toBeGreaterThan(300);
    const seen = new Set<string>();
    const problems = new Set<string>();
    for (const a of alerts) {
      for (const [path, v] of leaves(a)) {
        seen.add(path);
        if (path.startsWith('labels.')) {
          if (typeof v !== 'string') problems.add(`${path}: labels are keyword values`);
          continue;
        }
        const m = mappingOf(path);
        if (!m?.type) problems.add(`${path}: not in siem/fields.yml`);
        else if (!fits(m.type, v)) problems.add(`${path}: ${JSON.stringify(v)} does not fit ${m.type}`);
      }
    }
    expect([...problems].sort()).toEqual([]);
    // The run reached what it means to: relay and intel details, summaries, TLS, hostnames, a sensor.
    for (const p of ['torwatch.indicators.fingerprint', 'torwatch.indicators.ti_confidence', 'threat.enrichments.indicator.ip', 'torwatch.aggregate.count', 'torwatch.tls.ja4', 'torwatch.hostname.source', 'observer.name', 'network.vlan.id']) {
      expect(seen.has(p), p).toBe(true);
    }
  });

});
