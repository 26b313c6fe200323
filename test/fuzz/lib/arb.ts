/**
 * fast-check arbitraries and run settings shared by the property tests.
 *
 * Every property runs with a fixed seed (FUZZ_SEED overrides it) so a failure reproduces: fast-check
 * prints the seed and the shrunk counterexample. FUZZ_RUNS multiplies the run counts (CI uses 1; a
 * developer can run `FUZZ_RUNS=20 npx vitest run test/fuzz` for a deeper pass).
 */
import fc from 'fast-check';
import { applyMutations, LENGTH_EDITS, type Mutation } from './mutate.js';

export const SEED = Number(process.env.FUZZ_SEED ?? 0x70727701);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

/** fast-check parameters: fixed seed, `runs` scaled by FUZZ_RUNS, no time-based interruption. */
export function params(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: Math.max(1, Math.round(runs * SCALE)), endOnFailure: true };
}

const at = fc.nat({ max: 0x7fffffff });
/** Positions biased to the first 64 bytes half of the time: headers and length fields live there. */
const pos = fc.oneof(fc.nat({ max: 63 }), at);

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('flip' as const), at: pos, bit: fc.nat({ max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: pos, value: fc.oneof(fc.constantFrom(0, 1, 0x7f, 0x80, 0xff), fc.nat({ max: 255 })) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: pos, n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('splice' as const), at: pos, donor: at, from: at, n: fc.integer({ min: 1, max: 128 }) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('length' as const), at: pos, width: fc.constantFrom(1 as const, 2 as const, 4 as const), le: fc.boolean(), how: fc.constantFrom(...LENGTH_EDITS) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at: pos, n: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 8 }) }) },
);

export interface Mutated {
  /** Index of the corpus entry it came from. */
  base: number;
  mutations: Mutation[];
  bytes: Uint8Array;
}

/**
 * A real input from `corpus`, with 0..maxEdits mutations (splices draw from the same corpus). Zero
 * edits keeps the real inputs themselves in the mix.
 */
export function mutatedFrom(corpus: readonly Uint8Array[], maxEdits = 6): fc.Arbitrary<Mutated> {
  if (corpus.length === 0) throw new Error('empty corpus');
  return fc
    .tuple(fc.nat({ max: corpus.length - 1 }), fc.array(mutationArb, { maxLength: maxEdits }))
    .map(([base, mutations]) => ({ base, mutations, bytes: applyMutations(corpus[base], mutations, corpus) }));
}

/** Random bytes, or a mutated real input: the two kinds of hostile input every parser gets. */
export function hostileBytes(corpus: readonly Uint8Array[], maxRandom = 512): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: maxRandom }) },
    { weight: 4, arbitrary: mutatedFrom(corpus).map((m) => m.bytes) },
  );
}

/** Cut points that split `n` bytes into chunks (for stream parsers fed piecewise). */
export const chunkingArb: fc.Arbitrary<number[]> = fc.array(fc.integer({ min: 1, max: 1500 }), { minLength: 1, maxLength: 64 });

/** Split `b` into chunks by the sizes in `sizes` (cycled); never an empty chunk. */
export function chunks(b: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 0, i = 0; p < b.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]);
    out.push(b.subarray(p, p + n));
    p += n;
  }
  return out;
}

/**
 * Run `fn` and return how long it took (ms). Used to assert a generous per-call budget: a parser
 * whose work is bounded by its input caps finishes far inside it; a runaway loop does not.
 */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/**
 * Per-call time budget: far above any bounded parse of these inputs (microseconds to a few ms), far
 * below a hang. Generous so that GC pauses and a loaded CI machine never make it flaky.
 */
export const CALL_BUDGET_MS = 250;
