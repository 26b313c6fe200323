/**
 * `--workers N` gives the alerts of one pipeline (issue 13) on the other tools' test captures in
 * ../shared/data: nDPI's, suricata-verify's and Zeek's, Arkime's, and the file-format corpora
 * (libpcap's broken files, tcpdump's reproducers, the pcapng test generator's), malformed ones
 * included: the same one-line errors and exit codes too. Replayed with 1, 2 and 4 workers.
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
    else if (/\.(pcap|pcapng|cap|ntar)(\.gz)?$/.test(e)) out.push(p);
  }
  return out.sort();
}

for (const [corpus, least] of [['ndpi', 50], ['suricata-verify', 40], ['zeek', 50], ['arkime', 30], ['libpcap', 5], ['tcpdump', 5], ['pcapng-test-generator', 5]] as const) {
  const files = capturesUnder(join(SHARED, 'data', corpus));
  describe(`the same alerts whatever --workers: ${corpus}`, () => {
    it('has its captures', () => expect(files.length).toBeGreaterThanOrEqual(least));
    for (const f of files) {
      it(f.slice(join(SHARED, 'data', corpus).length + 1), async () => {
        await expectSameWhateverWorkers([f]);
      }, 120_000);
    }
  });
}
