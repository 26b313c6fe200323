import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FlowTimeouts } from '../../flow/table.js';
import type { Pipeline } from '../pipeline.js';
import { mergeCounts, type PipelineSnapshot } from '../snapshot.js';
import { ShardMerge } from './merge.js';
import { BATCH_FRAMES, controlWords, ctlStopAt, MAX_IN_FLIGHT, type ShardWorkerData, type ShardWorkerStats, type WorkerMessage } from './protocol.js';

export interface ShardedReplayOptions {
  files: string[];
  workers: number;
  pipeline: Pipeline;
  homeNet: string[];
  maxFlows: number;
  timeouts: FlowTimeouts;
  /** Set when the run is interrupted: every worker stops at one frame, and what was merged is kept. */
  signal: AbortSignal;
  /** Input `index` gave its first frame (ms): for the time-order warning (cli/file-clocks.ts). */
  onFirstFrame(index: number, ms: number): void;
  /** Input `index` was read to its end or to a one-line error; every frame of it has been merged. */
  onInputEnd(index: number, end: { error?: string; format?: 'pcap' | 'pcapng'; compressed?: boolean }): void;
  /** After each merged batch: the outputs' turn to write (their promise is awaited: back-pressure). */
  afterBatch(): Promise<void>;
}

export interface ShardedReplayResult {
  /** Set when a worker failed with a bug: the one line to print (exit 1), and the stack for the log. */
  crash?: string;
  crashStack?: string;
  /** Counters the merge point cannot see itself (decode, flow-table internals, app layer), per worker. */
  stats: ShardWorkerStats[];
  flowCounts: ShardMerge['flowCounts'];
}

/** The workers' script beside the bundle (dist/shard-worker.js). */
function workerScript(): URL {
  const url = new URL('./shard-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`--workers: ${fileURLToPath(url)} is missing (run npm run build)`);
  return url;
}

/**
 * `replay --workers N` (N > 1): N worker threads each read the inputs and take their share of the
 * flows (worker-pipeline.ts); this thread merges what they found into the one detect engine, in one
 * pipeline's order (merge.ts), then aggregation, the alert builder and the outputs as always.
 */
export async function replaySharded(o: ShardedReplayOptions): Promise<ShardedReplayResult> {
  const n = o.workers;
  const control = new SharedArrayBuffer(4 * controlWords(n));
  const ctl = new Int32Array(control);
  const keyBytes = randomBytes(12);
  const key = [keyBytes.readUInt32LE(0), keyBytes.readUInt32LE(4), keyBytes.readUInt32LE(8)];
  const merge = new ShardMerge(o.pipeline, n);
  merge.onFirstFrame = o.onFirstFrame;
  const script = workerScript();

  const inbox: { w: number; m: WorkerMessage }[] = [];
  let wake: (() => void) | undefined;
  const deliver = (w: number, m: WorkerMessage): void => {
    inbox.push({ w, m });
    const k = wake;
    wake = undefined;
    k?.();
  };
  const workers = Array.from({ length: n }, (_, i) => {
    const data: ShardWorkerData = {
      index: i, workers: n, key, files: o.files, homeNet: o.homeNet,
      maxFlows: Math.max(1, Math.ceil(o.maxFlows / n)), timeouts: o.timeouts, control,
    };
    const w = new Worker(script, { workerData: data });
    w.on('message', (m: WorkerMessage) => deliver(i, m));
    w.on('error', (err: Error) => deliver(i, { type: 'crash', message: err.message, stack: err.stack ?? '', ordinal: merge.merged, file: '', packet: 0 }));
    w.on('exit', (code) => {
      if (code !== 0) deliver(i, { type: 'crash', message: `exited with code ${code}`, stack: '', ordinal: merge.merged, file: '', packet: 0 });
    });
    return w;
  });

  const onAbort = (): void => {
    // Far enough ahead that no worker has passed it (none runs more than MAX_IN_FLIGHT batches ahead).
    Atomics.store(ctl, ctlStopAt(n), merge.merged + (MAX_IN_FLIGHT + 2) * BATCH_FRAMES + 1);
  };
  if (o.signal.aborted) onAbort();
  else o.signal.addEventListener('abort', onAbort, { once: true });

  const stats: (ShardWorkerStats | undefined)[] = new Array(n).fill(undefined);
  /** Input ends from worker 0, with the frame number they follow. */
  const ends: { after: number; index: number; end: { error?: string; format?: 'pcap' | 'pcapng'; compressed?: boolean } }[] = [];
  let crash: string | undefined;
  let crashStack = '';
  /** After a worker failed: merge up to the frame before the one it failed on, then stop. */
  let crashLimit = Infinity;
  try {
    for (;;) {
      if (crash !== undefined ? merge.merged >= crashLimit : stats.every((x) => x !== undefined)) break;
      if (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      for (const { w, m } of inbox.splice(0)) {
        if (m.type === 'batch') merge.add(w, m);
        else if (m.type === 'input') {
          if (w === 0) ends.push({ after: merge.streams[0].covered, index: m.index, end: { error: m.error, format: m.format, compressed: m.compressed } });
        } else if (m.type === 'done') stats[w] = m.stats;
        else if (crash === undefined) {
          const where = m.file ? ` at packet ${m.packet} of ${m.file}` : '';
          crash = `internal error in worker ${w}${where}: ${m.message}`;
          crashLimit = Math.max(merge.merged, m.ordinal - 1);
          crashStack = m.stack;
        }
      }
      // Merge up to each input's end, then close that input, so its counts and name are its own.
      for (;;) {
        const next = ends[0];
        const released = merge.pump(Math.min(crashLimit, next === undefined ? Infinity : next.after));
        for (let w = 0; w < n; w++) {
          if (released[w] > 0) {
            Atomics.add(ctl, w, released[w]);
            Atomics.notify(ctl, w);
          }
        }
        if (next === undefined || merge.merged < next.after) break;
        ends.shift();
        o.onInputEnd(next.index, next.end);
      }
      await o.afterBatch();
    }
    // The flows still open end (detectors' last word) unless a worker failed: then only what was merged stands.
    if (crash === undefined) merge.flush();
    o.pipeline.finishTimer();
  } finally {
    o.signal.removeEventListener('abort', onAbort);
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return { crash, crashStack, stats: stats.filter((s): s is ShardWorkerStats => s !== undefined), flowCounts: merge.flowCounts };
}

/**
 * The run's snapshot with the workers' part filled in: decode counts from worker 0 (every worker
 * decodes every frame), app-layer and flow-table internals summed (high-water marks maxed), the flow
 * table's own counts as one table would have kept them (the merge point counts opens and ends).
 */
export function shardedSnapshot(snap: PipelineSnapshot, r: ShardedReplayResult, hosts: Record<string, number>): PipelineSnapshot {
  return workersSnapshot(snap, r.stats, r.flowCounts, hosts, 'first');
}

/**
 * A snapshot with the workers' counters merged in. `decode`: 'first' when every worker decoded every
 * frame (replay: worker 0's counts are the run's), 'summed' when each decoded only its share (live).
 */
export function workersSnapshot(
  snap: PipelineSnapshot,
  stats: ShardWorkerStats[],
  flowCounts: ShardMerge['flowCounts'],
  hosts: Record<string, number>,
  decode: 'first' | 'summed',
): PipelineSnapshot {
  if (stats.length === 0) return snap;
  let applayer: Record<string, number> = {};
  let anomalies: Record<string, number> = {};
  let decoder: Record<string, number> = {};
  let decodeAnomalies: Record<string, number> = {};
  let chainEvicted = 0;
  let collisions = 0;
  let longestChain = 0;
  for (const s of stats) {
    applayer = mergeCounts(applayer, s.applayer);
    anomalies = mergeCounts(anomalies, s.applayerAnomalies);
    if (decode === 'summed') {
      decoder = mergeCounts(decoder, s.decoder);
      decodeAnomalies = mergeCounts(decodeAnomalies, s.decodeAnomalies);
    }
    chainEvicted += s.flows.chainEvicted;
    collisions += s.flows.collisions;
    longestChain = Math.max(longestChain, s.flows.longestChain);
  }
  return {
    ...snap,
    flows: { ...flowCounts, collisions, chainEvicted, longestChain },
    decoder: decode === 'first' ? { ...stats[0].decoder } : decoder,
    decodeAnomalies: decode === 'first' ? { ...stats[0].decodeAnomalies } : decodeAnomalies,
    // The host state (DNS cache, transport evidence) lives at the merge point.
    applayer: { ...applayer, ...hosts },
    applayerAnomalies: anomalies,
  };
}
