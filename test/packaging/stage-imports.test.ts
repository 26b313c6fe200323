/**
 * Issue 13, "the rule to keep": no import from a later stage into an earlier one. A packet goes
 * capture -> decode -> flow -> app layer -> (intel, consulted by) detect -> aggregation -> alert ->
 * output, and each stage's folder may import only from its own stage and earlier ones; util/ and log/
 * are leaves that everything may use and that use nothing else; the assembly and the programs
 * (pipeline/, metrics/, daemon/, cli/, report/, config/) sit on top and may import anything.
 * Type-only imports count too: they are still a dependency on a later stage's shape.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/run-cli.js';

/** The stages in packet order; folders in one entry are one tier. A nested folder is its own stage. */
const STAGES: readonly (readonly string[])[] = [
  ['util', 'log'],
  ['capture'],
  ['decode'],
  ['flow'],
  ['applayer'],
  ['intel'],
  ['detect'],
  ['detect/aggregate'],
  ['alert'],
  ['output'],
  ['pipeline', 'metrics', 'daemon', 'cli', 'report', 'config'],
];

const RANK = new Map(STAGES.flatMap((tier, rank) => tier.map((folder) => [folder, rank] as const)));

/** The stage of a path under src/ (posix, e.g. 'detect/aggregate/aggregator.ts'): its longest listed folder. */
function stageOf(path: string): string | undefined {
  let best: string | undefined;
  for (const folder of RANK.keys()) {
    if (path.startsWith(folder + '/') && (best === undefined || folder.length > best.length)) best = folder;
  }
  return best;
}

/** The source without comments (strings kept whole, so a '//' in a URL is not taken for one). */
function stripComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module a file names: `import ... from`, `export ... from`, `import 'x'` and `import('x')`. */
function importSpecifiers(text: string): string[] {
  const src = stripComments(text);
  const out: string[] = [];
  for (const re of [/\b(?:import|export)\s[^'";]*?\bfrom\s*(['"])([^'"]+)\1/g, /\bimport\s*(['"])([^'"]+)\1/g, /\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g]) {
    for (const m of src.matchAll(re)) out.push(m[2]);
  }
  return out;
}

interface SourceFile {
  /** Path under src/, posix separators. */
  path: string;
  text: string;
}

/** Every import that goes against the stage order, and every file in a folder no stage names. */
function stageViolations(files: readonly SourceFile[]): string[] {
  const problems: string[] = [];
  for (const f of files) {
    const from = stageOf(f.path);
    if (from === undefined) {
      problems.push(`${f.path}: its folder is in no stage; add it to STAGES in test/packaging/stage-imports.test.ts, in packet order`);
      continue;
    }
    for (const spec of importSpecifiers(f.text)) {
      if (!spec.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(f.path), spec)).replace(/\.js$/, '.ts');
      if (target.startsWith('../')) continue;
      const to = stageOf(target);
      if (to === undefined) {
        problems.push(`${f.path} imports ${spec}: ${target} is in no stage`);
        continue;
      }
      // Folders of one tier (util and log; the top) may import each other.
      if (RANK.get(to)! > RANK.get(from)!) problems.push(`${f.path} (${from}) imports ${spec} (${to}), a later stage`);
    }
  }
  return problems;
}

function sourceFiles(dir: string): SourceFile[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return n.endsWith('.ts') ? [{ path: relative(join(ROOT, 'src'), p).split(sep).join('/'), text: readFileSync(p, 'utf8') }] : [];
  });
}

describe('stage order of imports in src/', () => {
  it('no file imports from a later stage, and every folder has its place in the order', () => {
    const files = sourceFiles(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(100);
    expect(stageViolations(files)).toEqual([]);
  });

  it('every stage named is a folder in src/ (the list stays true as folders move)', () => {
    for (const folder of RANK.keys()) expect(statSync(join(ROOT, 'src', folder)).isDirectory(), folder).toBe(true);
  });
});

describe('the stage check itself', () => {
  const f = (path: string, text: string): SourceFile => ({ path, text });

  it('fails an earlier stage importing a later one, by value, by type, by re-export and dynamically', () => {
    expect(stageViolations([f('decode/ipv4.ts', "import { DetectEngine } from '../detect/engine.js';")])).toEqual([
      'decode/ipv4.ts (decode) imports ../detect/engine.js (detect), a later stage',
    ]);
    expect(stageViolations([f('applayer/tls/facts.ts', "import type {\n  EcsAlert,\n} from '../../alert/ecs-alert.js';")])).toHaveLength(1);
    expect(stageViolations([f('flow/table.ts', "export { Aggregator } from '../detect/aggregate/aggregator.js';")])).toHaveLength(1);
    expect(stageViolations([f('intel/intel.ts', "const m = await import('../config/settings.js');")])).toHaveLength(1);
    expect(stageViolations([f('util/private-files.ts', "import { trustProblem } from '../config/config-trust.js';")])).toHaveLength(1);
  });

  it('fails detection importing its own later sub-stage (aggregation), and an alert reaching into outputs', () => {
    expect(stageViolations([f('detect/engine.ts', "import { Aggregator } from './aggregate/aggregator.js';")])).toEqual([
      'detect/engine.ts (detect) imports ./aggregate/aggregator.js (detect/aggregate), a later stage',
    ]);
    expect(stageViolations([f('alert/ecs-alert.ts', "import { OutputSet } from '../output/output.js';")])).toHaveLength(1);
  });

  it('passes earlier stages, the same stage, leaves, the top tier, packages and comments', () => {
    expect(stageViolations([
      f('detect/aggregate/aggregator.ts', "import type { Detection } from '../detection.js';\nimport { pino } from 'pino';"),
      f('alert/ecs-alert.ts', "import type { AggregateSummary } from '../detect/aggregate/aggregator.js';\nimport { Flow } from '../flow/flow.js';"),
      f('decode/ipv4.ts', "import { Reader } from '../util/bytes.js';\n// import { DetectEngine } from '../detect/engine.js';\n/* import '../alert/x.js' */"),
      f('util/private-files.ts', "import { trustProblem } from './trust.js';\nimport { log } from '../log/logger.js';"),
      f('metrics/prometheus.ts', "import { RULE_IDS } from '../detect/catalog.js';\nimport { x } from '../pipeline/snapshot.js';\nimport { y } from '../config/settings.js';"),
      f('output/syslog.ts', "const url = 'https://example.org/'; import { alertHeader } from '../alert/alert-header.js';"),
    ])).toEqual([]);
  });

  it('fails a file in a folder no stage names (a new folder must be given its place)', () => {
    expect(stageViolations([f('enrich/geo.ts', '')])).toEqual([
      'enrich/geo.ts: its folder is in no stage; add it to STAGES in test/packaging/stage-imports.test.ts, in packet order',
    ]);
  });
});
