import { readFileSync } from 'node:fs';

/**
 * torwatch's version, from package.json (one source of truth for --version and observer.version).
 * Walks up from this module: it runs from src/cli in tests and from the bundle in dist/.
 */
export function torwatchVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'torwatch' && pkg.version) return pkg.version;
    } catch {
      // not there; try the next level up
    }
  }
  return '0.0.0';
}
