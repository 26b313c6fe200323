#!/usr/bin/env node
// `npm run fuzz [-- --seconds N | --mutations N] [--seed S] [--out DIR]`: bundles the fuzz driver
// (test/fuzz/lib/fuzz-main.ts, TypeScript over the real src/) with esbuild, as the CLI is bundled,
// and runs it. Not part of CI: failures it finds become regression files that CI replays.
// FUZZ_BUILD_ONLY=1 only bundles (.cache/fuzz/fuzz-main.mjs), e.g. to run several seeds by hand.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outfile = `${root}.cache/fuzz/fuzz-main.mjs`;
mkdirSync(`${root}.cache/fuzz`, { recursive: true });
await build({
  entryPoints: [`${root}test/fuzz/lib/fuzz-main.ts`],
  bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'inline', outfile, logLevel: 'warning',
  // Modules find data relative to themselves (import.meta.url); keep each one's own location in the bundle.
  plugins: [{
    name: 'keep-module-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (a) => ({
        contents: readFileSync(a.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)).replaceAll('import.meta.dirname', JSON.stringify(a.path.replace(/\/[^/]*$/, ''))),
        loader: 'ts',
      }));
    },
  }],
});
if (process.env.FUZZ_BUILD_ONLY) process.exit(0);
const r = spawnSync(process.execPath, ['--enable-source-maps', '--max-old-space-size=2048', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
