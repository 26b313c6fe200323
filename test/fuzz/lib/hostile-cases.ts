/**
 * Hostile-network cases of `npm run fuzz` (issue 14), run once per fuzz run beside the mutations, from
 * the crafted captures in test/fixtures/hostile/ (make_*.py):
 *  - hash flooding: UDP flows whose sources collide under the pre-issue-14 flow hash, against as many
 *    random flows, through the same harness; the time ratio is reported, and over 3x is a failure
 *    (the keyed hash makes it about 1; unkeyed it grew with the square of the flow count);
 *  - memory starvation: small flows holding app-layer memory, then a two-segment legit.onion
 *    ClientHello: its alert must be kept.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadFrames, ROOT } from './corpus.js';
import type { PipelineHarness } from './pipeline-harness.js';

const HOSTILE = join(ROOT, 'test/fixtures/hostile');
/** Frames of each flood replayed: above the harness's flow cap, so the cap's eviction runs too. */
const FLOOD_FRAMES = 4000;

export interface HostileResult {
  figures: Record<string, number>;
  problems: string[];
}

export async function hostileCases(harness: PipelineHarness): Promise<HostileResult> {
  const figures: Record<string, number> = {};
  const problems: string[] = [];
  const collide = join(HOSTILE, 'hash-collide.pcap.gz');
  const random = join(HOSTILE, 'hash-random.pcap.gz');
  if (existsSync(collide) && existsSync(random)) {
    const c = (await loadFrames(collide)).slice(0, FLOOD_FRAMES);
    const r = (await loadFrames(random)).slice(0, FLOOD_FRAMES);
    // Warm up once, then the best of three runs each (the machine may be busy).
    harness.run(r);
    const timed = (frames: typeof c): { ms: number; problems: string[] } => {
      let best = Infinity;
      let problems: string[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        const o = harness.run(frames);
        best = Math.min(best, performance.now() - t0);
        problems = o.problems;
      }
      return { ms: best, problems };
    };
    const oc = timed(c);
    const or = timed(r);
    figures.hashFloodCollidingMs = Math.round(oc.ms);
    figures.hashFloodRandomMs = Math.round(or.ms);
    figures.hashFloodRatio = +(oc.ms / Math.max(or.ms, 0.001)).toFixed(2);
    problems.push(...oc.problems.filter((p) => !p.startsWith('case took')), ...or.problems.filter((p) => !p.startsWith('case took')));
    if (figures.hashFloodRatio > 3) problems.push(`hash flooding: colliding flows took ${figures.hashFloodRatio}x the time of random ones`);
  }
  const starve = join(HOSTILE, 'memory-starve.pcap.gz');
  if (existsSync(starve)) {
    const o = harness.run(await loadFrames(starve), true);
    const kept = (o.lines ?? []).filter((l) => l.includes('legit.onion')).length;
    figures.memoryStarvationOnionAlerts = kept;
    problems.push(...o.problems.filter((p) => !p.startsWith('case took')));
    if (kept === 0) problems.push('memory starvation: the legit.onion ClientHello sent after the pool was under attack gave no alert');
  }
  return { figures, problems };
}
