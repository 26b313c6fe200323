/**
 * `--workers N` gives the alerts of one pipeline (issue 13) on the other tools' test captures in
 * ../shared/data: nDPI's, suricata-verify's and Zeek's (malformed ones included: the same one-line
 * errors and exit codes too), replayed with 1, 2 and 4 workers.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED } from '../support/run-cli.js';
import { expectSameWhateverWorkers } from './shard-same.js';

function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...capturesUnder(p));
    else if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(e)) out.push(p);
  }
  return out.sort();
}

for (const corpus of ['ndpi', 'suricata-verify', 'zeek']) {
  const files = capturesUnder(join(SHARED, 'data', corpus));
  describe(`the same alerts whatever --workers: ${corpus}`, () => {
    it('has captures', () => expect(files.length).toBeGreaterThan(20));
    for (const f of files) {
      it(f.slice(join(SHARED, 'data', corpus).length + 1), async () => {
        await expectSameWhateverWorkers([f]);
      }, 120_000);
    }
  });
}
