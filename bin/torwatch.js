#!/usr/bin/env node
// Thin launcher: the CLI lives in src/cli, bundled into dist/torwatch.js by `npm run build` (run by
// `npm ci` through the prepare script). One file loads much faster than ~70 small ESM modules.
import('../dist/torwatch.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`torwatch: internal error: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
