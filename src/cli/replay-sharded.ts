import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import type { OutputSet } from '../output/output.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { replaySharded, type ShardedReplayResult } from '../pipeline/shard/sharded-replay.js';
import type { InputSummary } from '../pipeline/summary.js';
import { oneLine } from '../util/printable.js';
import type { FileClocks } from './file-clocks.js';

/**
 * How many workers a replay of `files` uses: --workers, else one. Measured on the 2-core machine this
 * was built on (README, Every core), two workers were slower than one, because each worker reads and
 * decodes every frame and the merge point shares the two cores with them; one per core once that is
 * no longer so. Standard input is always read in one thread.
 */
export function replayWorkers(files: readonly string[], s: Settings, log: Logger): number {
  const n = s.workers ?? 1;
  if (n <= 1) return 1;
  if (files.includes('-')) {
    // Standard input can be read once: the workers each read the inputs themselves.
    log.info({ workers: 1 }, 'standard input is read in one thread');
    return 1;
  }
  return n;
}

export interface ShardedReadContext {
  settings: Settings;
  log: Logger;
  pipeline: Pipeline;
  outputs: OutputSet;
  /** Filled per input, as the one-thread loop in replay.ts fills it. */
  inputs: InputSummary[];
  clocks: FileClocks;
  signal: AbortSignal;
  /** Told the workers' counters for the run summary. */
  sharded: (r: ShardedReplayResult) => void;
}

/**
 * Read every input with `workers` threads (pipeline/shard/); the same per-input bookkeeping, one-line
 * errors and exit codes as the one-thread loop. Returns the exit code so far (2: a bad input; 1: a
 * worker failed with a bug, after everything merged until then was written).
 */
export async function readSharded(files: string[], workers: number, c: ShardedReadContext): Promise<number> {
  const pl = c.pipeline;
  let exitCode = 0;
  let mark = { packets: pl.counters.packets, bytes: pl.counters.bytes };
  let clockBefore = pl.clockMs;
  const firstMs: number[] = [];
  pl.setInput(files[0]);
  const result = await replaySharded({
    files,
    workers,
    pipeline: pl,
    homeNet: c.settings.homeNet,
    maxFlows: c.settings.maxFlows,
    timeouts: c.settings.flowTimeouts,
    signal: c.signal,
    onFirstFrame: (i, ms) => {
      firstMs[i] = ms;
    },
    onInputEnd: (i, end) => {
      const file = files[i];
      const entry: InputSummary = { name: file, packets: pl.counters.packets - mark.packets, bytes: pl.counters.bytes - mark.bytes };
      if (end.format !== undefined) entry.format = end.format;
      if (end.compressed !== undefined) entry.compressed = end.compressed;
      if (end.error !== undefined) {
        entry.error = end.error;
        process.stderr.write(`torwatch: ${end.error}\n`);
        exitCode = 2;
      }
      c.inputs.push(entry);
      c.clocks.fileRead(file, firstMs[i] ?? NaN, clockBefore, pl.clockMs);
      mark = { packets: pl.counters.packets, bytes: pl.counters.bytes };
      clockBefore = pl.clockMs;
      if (i + 1 < files.length) pl.setInput(files[i + 1]);
    },
    afterBatch: () => c.outputs.flush(),
  });
  c.sharded(result);
  if (result.crash !== undefined) {
    c.log.error({ stack: result.crashStack }, 'a worker failed');
    process.stderr.write(`torwatch: ${oneLine(result.crash)}\n`);
    return 1;
  }
  return exitCode;
}
