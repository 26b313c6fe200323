/**
 * Issue 14 point 1, end to end: test/fixtures/hostile/hash-collide.pcap.gz holds 30,000 UDP flows whose
 * sources were chosen (make_hash_flood.py) so the pre-issue-14 flow hash put all of them in one bucket
 * (10.4 s against 0.6 s for 30,000 random flows). Under the keyed hash the colliding capture behaves
 * like the random one: short chains, no chain evictions, every flow kept.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../support/run-cli.js';
import { runSummary } from '../support/run-summary.js';

const HOSTILE = join(ROOT, 'test/fixtures/hostile');

describe('hash flooding the flow table', () => {
  it('flows crafted to collide under the old hash spread like random ones', async () => {
    const runs = [];
    for (const f of ['hash-collide.pcap.gz', 'hash-random.pcap.gz']) {
      const r = await runCli(['replay', '--relays', 'none', join(HOSTILE, f)], { timeoutMs: 60_000 });
      expect(r.code).toBe(0);
      runs.push(runSummary(r.stderr).flows);
    }
    const [collide, random] = runs;
    expect(collide.created).toBe(30_000);
    expect(collide.chainEvicted).toBe(0);
    // At most one flow per bucket on average: the longest chain of a random spread is about 7.
    expect(collide.longestChain).toBeLessThan(12);
    // Collisions are counted and near the random capture's figure (the birthday figure, not 30,000).
    expect(collide.collisions).toBeLessThan(random.collisions * 1.2);
    expect(collide.collisions).toBeGreaterThan(random.collisions * 0.8);
  });
});
