import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Chart.js (MIT; the UMD build, licence banner kept), read from the installed package so it can be
 * put inside the page: the page needs no network when it is opened. The source-map comment is cut
 * (a browser would try to fetch the map) and a `</script` inside the code could not end the tag.
 */
export function chartJsSource(): { code: string; version: string } {
  const require = createRequire(import.meta.url);
  // The package exports only its module entry points; the UMD build sits beside them in dist/.
  const dist = dirname(require.resolve('chart.js'));
  const code = readFileSync(join(dist, 'chart.umd.min.js'), 'utf8')
    .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replace(/<\/(script)/gi, '<\\/$1');
  const version = /Chart\.js v(\S+)/.exec(code)?.[1] ?? 'unknown';
  return { code, version };
}
