import { closeSync, openSync, readFileSync } from 'node:fs';
import type { Node } from 'yaml';
import { InputError } from '../util/errors.js';
import { nearest } from '../util/nearest.js';
import { assertConfigTrusted } from './config-trust.js';

/** Raw values of a config file, by option key, each value as the strings a CLI flag would give. */
export class RawOptions extends Map<string, string[]> {
  /** Line of each key in the file, for error messages. */
  readonly lines = new Map<string, number>();
}

/**
 * Read a YAML or JSON config file (JSON is YAML 1.2) into raw option values. Keys are the long CLI
 * flags without dashes (`home-net`, `output`, ...); a value is a scalar or a list of scalars. Errors
 * name the file, line and key. Which keys exist, and what values mean, is decided by the caller.
 */
export async function readConfigFile(path: string, knownKeys: ReadonlySet<string>): Promise<RawOptions> {
  // Loaded on demand: most runs have no config file, and the parser is the biggest module at start-up.
  const { LineCounter, parseDocument, isMap, isScalar, isSeq } = await import('yaml');
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    assertConfigTrusted(path, fd);
    text = readFileSync(fd, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const e = err as NodeJS.ErrnoException;
    throw new InputError({ file: path }, e.code === 'ENOENT' ? 'config file not found' : e.code === 'EISDIR' ? 'is a directory, not a config file' : e.code === 'EACCES' ? 'permission denied' : `cannot read config file (${e.code ?? e.message})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const lineOf = (n: Node | null | undefined): number | undefined => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new InputError({ file: path, line: lc.linePos(e.pos[0]).line }, `not valid YAML/JSON: ${e.message.split('\n')[0]}`);
  }
  const out = new RawOptions();
  if (doc.contents === null) return out;
  if (!isMap(doc.contents)) throw new InputError({ file: path, line: lineOf(doc.contents) }, 'the top level must be a mapping of option: value');
  for (const pair of doc.contents.items) {
    const keyNode = pair.key as Node | null;
    const key = isScalar(keyNode) ? String(keyNode.value) : '';
    const line = lineOf(keyNode);
    if (!knownKeys.has(key)) {
      // The nearest key, not a list of all of them: a typo is the usual cause.
      const guess = nearest(key, knownKeys);
      throw new InputError({ file: path, line }, `unknown key '${key}' (${guess ? `did you mean '${guess}'?` : "keys are the long option names, see 'torwatch replay --help' and 'torwatch capture --help'"})`);
    }
    const v = pair.value as Node | null;
    const values: string[] = [];
    if (isSeq(v)) {
      for (const item of v.items) {
        if (!isScalar(item) || item.value === null || typeof item.value === 'object') throw new InputError({ file: path, line: lineOf(item as Node) ?? line }, `key '${key}': list items must be plain values`);
        values.push(String(item.value));
      }
    } else if (isScalar(v) && v.value !== null && typeof v.value !== 'object') {
      values.push(String(v.value));
    } else {
      throw new InputError({ file: path, line }, `key '${key}': expected a value or a list of values`);
    }
    out.set(key, values);
    if (line !== undefined) out.lines.set(key, line);
  }
  return out;
}
