import { readFileSync } from 'node:fs';

/** torwatch's version, from package.json (one source of truth for --version and observer.version). */
export function torwatchVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
