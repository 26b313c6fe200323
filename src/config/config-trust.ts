import { fstatSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { InputError } from '../util/errors.js';
import { trustProblem } from '../util/trust.js';

// trustProblem (util/trust.ts) is shared with util/private-files.ts, which may not import config/.
export { trustProblem };

/** Check an open config file (by its descriptor, so the file checked is the file read) and its directories. */
export function assertConfigTrusted(path: string, fd: number): void {
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  const st = fstatSync(fd);
  if (st.isDirectory()) throw new InputError({ file: path }, 'is a directory, not a config file');
  const own = trustProblem(st, euid, 'file');
  if (own) throw new InputError({ file: path }, `refusing the config file: ${own}`);
  let dir: string;
  try {
    dir = dirname(realpathSync(path));
  } catch {
    return; // it was just opened; a rename race cannot make it more trusted than the descriptor
  }
  for (;;) {
    const p = trustProblem(statSync(dir), euid, 'directory');
    if (p) throw new InputError({ file: path }, `refusing the config file: ${dir}: ${p}`);
    const up = dirname(dir);
    if (up === dir) return;
    dir = up;
  }
}
