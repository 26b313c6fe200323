import { readFileSync, statSync } from 'node:fs';
import { InputError } from '../../util/errors.js';
import { LineReader } from '../text.js';
import { parseBridgeLine } from './bridge-line.js';
import { BridgeSet, type BridgeSource } from './bridge-set.js';
import { BUILTIN_BRIDGES, BUILTIN_BRIDGES_COMPILED, BUILTIN_RENDEZVOUS } from './builtin.js';

/** A bridge file is a few lines; a megabyte is already absurd. */
export const MAX_BRIDGE_FILE_BYTES = 4 * 1024 * 1024;
const MAX_BRIDGE_LINES = 100_000;

export const BUILTIN_SOURCE: BridgeSource = { name: 'builtin', date: BUILTIN_BRIDGES_COMPILED, builtin: true };

/** The built-in list plus the user's `--bridges` files. Throws an InputError naming file and line. */
export function loadBridges(files: readonly string[]): BridgeSet {
  const set = new BridgeSet();
  set.addSource(BUILTIN_SOURCE);
  for (const b of BUILTIN_BRIDGES) {
    const line = parseBridgeLine(b.line);
    // The built-in list is checked by the tests; a bad entry is a bug, not the user's problem.
    if (typeof line === 'string') throw new Error(`built-in bridge list: ${line}: ${b.line}`);
    set.add({ line, source: BUILTIN_SOURCE, status: b.status, seen: b.seen });
  }
  for (const r of BUILTIN_RENDEZVOUS) set.addName(r.name, { transport: r.transport, role: r.role, source: BUILTIN_SOURCE, status: r.status });
  for (const f of files) readBridgeFile(f, set);
  return set;
}

/**
 * One `--bridges` file: bridge lines as a torrc or Tor Browser writes them, with or without the
 * `Bridge` keyword, one per line; `#` starts a comment; other torrc options (a capitalised keyword
 * such as `UseBridges 1` or `ClientTransportPlugin ...`) are skipped, so a whole torrc can be given.
 * Any other line that is not a bridge line is an error naming the file and line: a list that silently
 * lost a bridge would hide it.
 */
export function readBridgeFile(file: string, set: BridgeSet): void {
  let text: string;
  let mtimeMs: number;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new InputError({ file }, 'is a directory, not a bridge file');
    if (st.size > MAX_BRIDGE_FILE_BYTES) throw new InputError({ file }, `${st.size} bytes is more than a bridge file can be (cap ${MAX_BRIDGE_FILE_BYTES})`);
    mtimeMs = st.mtimeMs;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'ENOENT' ? 'bridge file not found' : `cannot read bridge file (${code ?? (err as Error).message})`);
  }
  const source: BridgeSource = { name: file, date: new Date(mtimeMs).toISOString(), builtin: false };
  set.addSource(source);
  const lines = new LineReader(text);
  let n = 0;
  for (let line = lines.next(); line !== undefined; line = lines.next()) {
    const hash = line.indexOf('#');
    const t = (hash < 0 ? line : line.slice(0, hash)).trim();
    if (t.length === 0) continue;
    const first = t.split(/\s/, 1)[0];
    if (/^[A-Z]/.test(first) && first.toLowerCase() !== 'bridge') continue;
    if (++n > MAX_BRIDGE_LINES) throw new InputError({ file, line: lines.lineNo }, `more than ${MAX_BRIDGE_LINES} bridge lines`);
    const parsed = parseBridgeLine(t);
    if (typeof parsed === 'string') throw new InputError({ file, line: lines.lineNo }, `not a bridge line: ${parsed}`);
    set.add({ line: parsed, source, status: 'current' });
  }
}
