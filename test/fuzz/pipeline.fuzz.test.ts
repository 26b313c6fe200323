/**
 * A fixed-seed slice of `npm run fuzz` in CI: the same cases (mutated real flows, re-segmented
 * mutated TCP streams, re-encrypted mutated QUIC Initials, mutated capture files), the same seeds
 * (every capture in pcaps/ and the shared captures), through the same whole-pipeline harness and its
 * checks (no exception, no stage-internal error, memory budget given back, flow cap, valid bounded
 * ECS that survives syslog framing, a time budget per case). A failure prints the case's source and
 * mutations; `npm run fuzz -- --seed <n>` explores beyond it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { anyCase, loadSeeds, type SeedCapture } from './lib/cases.js';
import { buildCorpus, seedCaptures, type Corpus } from './lib/corpus.js';
import { describeMutations, Rng } from './lib/mutate.js';
import { fuzzIntel, PipelineHarness } from './lib/pipeline-harness.js';

const CASES = Math.round(6000 * Number(process.env.FUZZ_RUNS ?? 1));
const SEED = Number(process.env.FUZZ_SEED ?? 0x7077);

let caps: SeedCapture[];
let corpus: Corpus;
let harness: PipelineHarness;
beforeAll(async () => {
  caps = await loadSeeds(seedCaptures());
  corpus = await buildCorpus();
  harness = new PipelineHarness(await fuzzIntel());
}, 60_000);

describe('the whole pipeline on mutated real traffic (fixed seed)', () => {
  it(`${CASES} cases: nothing escapes, nothing leaks, every alert valid`, () => {
    const r = new Rng(SEED);
    const kinds: Record<string, number> = {};
    let mutations = 0;
    let alerts = 0;
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const c = anyCase(r, caps, corpus);
      if (!c) continue;
      const o = harness.run(c.frames);
      const problems = [...(c.readProblem ? [c.readProblem] : []), ...o.problems];
      if (problems.length) {
        throw new Error(`case ${i} (seed ${SEED}, ${c.kind}, ${c.source}; ${describeMutations(c.mutations)}${c.note ? '; ' + c.note : ''}):\n${problems.join('\n')}`);
      }
      kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
      mutations += c.mutations.length;
      alerts += o.alerts;
    }
    const s = (performance.now() - t0) / 1000;
    process.stderr.write(`pipeline fuzz slice: ${CASES} cases, ${mutations} mutations (${Math.round(mutations / s)}/s), ${alerts} alerts, ${JSON.stringify(kinds)}\n`);
    for (const k of ['frames', 'stream', 'quic', 'file']) expect(kinds[k] ?? 0, k).toBeGreaterThan(CASES / 20);
    expect(alerts).toBeGreaterThan(CASES / 10);
  }, 240_000);
});
