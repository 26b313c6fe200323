import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file shipped inside the torwatch package (package.json "files"), found from this module: it runs
 * from src/util in tests and from the bundle in dist/, so the package root is one or two levels up.
 * Returns undefined when no torwatch package.json is found there.
 */
export function packagePath(relative: string): string | undefined {
  for (const up of ['../', '../../']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { name?: string };
      if (pkg.name === 'torwatch') return fileURLToPath(new URL(`${up}${relative}`, import.meta.url));
    } catch {
      // not there; try the next level up
    }
  }
  return undefined;
}
