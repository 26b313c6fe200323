/**
 * `npm run fuzz`: mutation fuzzing of the whole pipeline, in-process, for a time or mutation budget.
 *
 *   npm run fuzz -- --seconds 600            (default 60)
 *   npm run fuzz -- --mutations 5000000 --seed 7 --out test/fuzz/regressions
 *
 * Seeds are the frames of real captures (pcaps/ and ../shared/data). Each case is one of:
 *  - frames: a real flow's frames, a few of them mutated (bit flips, byte sets, truncations, inserted
 *    and deleted bytes, splices from other frames, length-field edits, repeats), aimed at the payload
 *    half the time (with IP/UDP lengths fixed up so the bytes reach the app layer) and at the headers
 *    otherwise; now and then frames are dropped, duplicated, swapped or snapped;
 *  - stream: a real TCP application stream (TLS, HTTP, DNS over TCP) mutated, then cut into segments
 *    of random sizes with reordering, duplicates, overlapping resends and holes;
 *  - quic: a real QUIC Initial's decrypted frames mutated and encrypted again (so they pass the AEAD);
 *  - file: a whole small capture file mutated and read by the real pcap/pcapng record parsers.
 * Once per run, before them, the hostile-network cases of hostile-cases.ts (hash flooding, memory
 * starvation) give their figures.
 * Every case runs through PipelineHarness (fresh pipeline: decode to syslog framing) and its checks.
 * A failing case is saved as a capture under --out (`<hash>.pcap` or `.pcapng`, with `<hash>.json`
 * saying what failed and how the input was made); test/fuzz/regressions.test.ts replays them all.
 * Prints progress every 10 s and a JSON summary at the end: cases, mutations, mutations/s, failures.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeCapture } from './capture-writer.js';
import { anyCase, loadSeeds, type Case } from './cases.js';
import { buildCorpus, DATA, ROOT, seedCaptures } from './corpus.js';
import { describeMutations, Rng } from './mutate.js';
import { hostileCases } from './hostile-cases.js';
import { fuzzIntel, PipelineHarness } from './pipeline-harness.js';

// ---------------------------------------------------------------- arguments

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SECONDS = Number(arg('seconds') ?? (arg('mutations') ? Infinity : 60));
const MAX_MUTATIONS = Number(arg('mutations') ?? Infinity);
const SEED = Number(arg('seed') ?? Date.now() % 0x7fffffff);
const OUT = arg('out') ?? join(ROOT, 'test/fuzz/regressions');
const PER_SIGNATURE = 3;

// ---------------------------------------------------------------- failures

function signature(problem: string): string {
  const firstLine = problem.split('\n')[0];
  const at = problem.split('\n').find((l) => l.trim().startsWith('at '))?.trim() ?? '';
  return (firstLine.replace(/\d+/g, 'N') + ' ' + at.replace(/:\d+:\d+/g, '')).slice(0, 300);
}

const seen = new Map<string, number>();

function save(c: Case, problems: string[]): string | undefined {
  const sig = signature(problems[0]);
  const count = seen.get(sig) ?? 0;
  seen.set(sig, count + 1);
  if (count >= PER_SIGNATURE) return undefined;
  mkdirSync(OUT, { recursive: true });
  let bytes: Buffer;
  let ext: string;
  if (c.file) {
    bytes = c.file;
    ext = c.file.length >= 4 && c.file.readUInt32BE(0) === 0x0a0d0d0a ? 'pcapng' : 'pcap';
  } else ({ bytes, ext } = writeCapture(c.frames));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  writeFileSync(join(OUT, `${hash}.${ext}`), bytes);
  writeFileSync(join(OUT, `${hash}.json`), JSON.stringify({
    problem: problems, signature: sig, kind: c.kind, source: c.source.replace(ROOT, '').replace(DATA, '../shared/data/'),
    mutations: describeMutations(c.mutations), note: c.note, seed: SEED, found: new Date().toISOString().slice(0, 10),
  }, null, 2) + '\n');
  return `${hash}.${ext}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const t0 = performance.now();
  const files = seedCaptures();
  const caps = await loadSeeds(files);
  const corpus = await buildCorpus();
  const harness = new PipelineHarness(await fuzzIntel());
  const r = new Rng(SEED);
  const frameCount = caps.reduce((a, c) => a + c.frames.length, 0);
  process.stderr.write(`fuzz: seed ${SEED}; ${caps.length} captures, ${frameCount} frames, ${corpus.streams.length} TCP streams, ${corpus.quicPlain.length} QUIC Initials; loaded in ${Math.round(performance.now() - t0)} ms\n`);
  const hostile = await hostileCases(harness);
  for (const p of hostile.problems) process.stderr.write(`fuzz: FAILURE (hostile): ${p}\n`);
  process.stderr.write(`fuzz: hostile cases ${JSON.stringify(hostile.figures)}\n`);
  const start = performance.now();
  const stats = { cases: 0, mutations: 0, packets: 0, alerts: 0, failures: 0, byKind: { frames: 0, stream: 0, quic: 0, file: 0 } as Record<string, number>, slowestCaseMs: 0, slowestCase: '' };
  const saved: string[] = [];
  let nextReport = start + 10_000;
  while (performance.now() - start < SECONDS * 1000 && stats.mutations < MAX_MUTATIONS) {
    const c = anyCase(r, caps, corpus);
    if (!c) continue;
    const problems: string[] = [];
    if (c.readProblem) problems.push(c.readProblem);
    const o = harness.run(c.frames);
    problems.push(...o.problems);
    stats.cases++;
    stats.byKind[c.kind]++;
    stats.mutations += c.mutations.length;
    stats.packets += o.packets;
    stats.alerts += o.alerts;
    if (o.ms > stats.slowestCaseMs) {
      stats.slowestCaseMs = Math.round(o.ms);
      stats.slowestCase = `${c.kind} ${c.source.replace(ROOT, '').replace(DATA, '')}: ${c.frames.length} frames, ${o.alerts} alerts`;
    }
    if (problems.length) {
      stats.failures++;
      const name = save(c, problems);
      if (name) {
        saved.push(name);
        process.stderr.write(`fuzz: FAILURE (${c.kind}, ${c.source}) saved as ${name}: ${problems[0].split('\n').slice(0, 3).join(' | ')}\n`);
      }
    }
    const now = performance.now();
    if (now >= nextReport) {
      nextReport = now + 10_000;
      const s = (now - start) / 1000;
      process.stderr.write(`fuzz: ${Math.round(s)} s, ${stats.cases} cases, ${stats.mutations} mutations (${Math.round(stats.mutations / s)}/s), ${stats.packets} packets, ${stats.failures} failures\n`);
    }
  }
  const secs = (performance.now() - start) / 1000;
  const summary = {
    seed: SEED, seconds: Math.round(secs), ...stats,
    mutationsPerSecond: Math.round(stats.mutations / secs), casesPerSecond: Math.round(stats.cases / secs), packetsPerSecond: Math.round(stats.packets / secs),
    hostile: hostile.figures, hostileFailures: hostile.problems,
    uniqueFailures: seen.size, signatures: [...seen.entries()].map(([sig, n]) => ({ sig, n })), saved,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exitCode = stats.failures || hostile.problems.length ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 3;
});
