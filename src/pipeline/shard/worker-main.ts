/**
 * A shard worker's thread (bundled as dist/shard-worker.js): reads every input itself (the files are
 * on disk; each worker decodes every frame, see worker-pipeline.ts), runs its share of the flows
 * through the flow table and the app layer, and posts what the detect engine must hear in batches.
 * It never runs ahead of the merge point by more than MAX_IN_FLIGHT batches (Atomics.wait on the
 * counter the merge point raises as it finishes with a batch): memory stays bounded whatever the
 * input and however slow the outputs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readCaptureFile } from '../../capture/file/open.js';
import type { Frame } from '../../capture/frame.js';
import { CidrSet } from '../../util/cidr.js';
import { UserError } from '../../util/errors.js';
import { ShardPipeline } from './worker-pipeline.js';
import { BATCH_FRAMES, ctlStopAt, MAX_IN_FLIGHT, waitUntilMerged, type ShardWorkerData, type WorkerMessage } from './protocol.js';

const d = workerData as ShardWorkerData;
const port = parentPort!;
const ctl = new Int32Array(d.control);
const STOP_AT = ctlStopAt(d.workers);
const pl = new ShardPipeline({
  index: d.index,
  workers: d.workers,
  key: d.key,
  homeNet: CidrSet.parse(d.homeNet),
  maxFlows: d.maxFlows,
  timeouts: d.timeouts,
});

/**
 * Tests only: the frame number at which worker TORWATCH_TEST_CRASH_WORKER (default 0) throws as a bug
 * would, so the crash path (one line naming the packet, exit 1, what was merged still written) is
 * exercised for real. Unset in every real run.
 */
const crashAt = Number(process.env.TORWATCH_TEST_CRASH_AT ?? 0);
const crashWorker = Number(process.env.TORWATCH_TEST_CRASH_WORKER ?? 0);

let posted = 0;
let sinceLast = 0;
let file = '';
let frameIndex = 0;
/** The run-wide number of the frame being read (a failure names it). */
let current = 0;

function send(msg: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Post what was written since the last batch, then wait while the merge point is too far behind. */
function postBatch(): void {
  const t = pl.take();
  const transfer = [t.recs.buffer as ArrayBuffer];
  if (t.frames) transfer.push(t.frames.buffer as ArrayBuffer);
  send({ type: 'batch', hi: pl.ordinal, recs: t.recs, events: t.events, frames: t.frames }, transfer);
  posted++;
  sinceLast = 0;
  waitUntilMerged(ctl, d.index, posted, MAX_IN_FLIGHT);
}

async function run(): Promise<void> {
  const abort = new AbortController();
  for (let i = 0; i < d.files.length && !abort.signal.aborted; i++) {
    file = d.files[i];
    pl.input = i;
    let error: string | undefined;
    let format: 'pcap' | 'pcapng' | undefined;
    let compressed: boolean | undefined;
    try {
      const info = await readCaptureFile(file, (f: Frame) => {
        // Interrupted (SIGINT): every worker stops at the same frame the merge point chose.
        const stop = Atomics.load(ctl, STOP_AT);
        if (stop !== 0 && pl.ordinal + 1 >= stop) {
          abort.abort();
          return;
        }
        frameIndex = f.index;
        current = pl.ordinal + 1;
        if (crashAt > 0 && pl.ordinal + 1 === crashAt && d.index === crashWorker) throw new Error('test crash (TORWATCH_TEST_CRASH_AT)');
        pl.onFrame(f);
        if (++sinceLast >= BATCH_FRAMES) postBatch();
      }, { signal: abort.signal });
      format = info.format;
      compressed = info.compressed;
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      error = err.message;
    }
    postBatch();
    send({ type: 'input', index: i, error, format, compressed });
  }
  pl.finish();
  postBatch();
  send({ type: 'done', stats: pl.stats() });
}

run().catch((err: unknown) => {
  const e = err instanceof Error ? err : new Error(String(err));
  // What this worker found before the failing frame still counts: post it (without waiting), then fail.
  try {
    const t = pl.take();
    send({ type: 'batch', hi: pl.ordinal, recs: t.recs, events: t.events, frames: t.frames });
  } catch {
    // The records themselves are what failed: the merge point stops at what it has.
  }
  send({ type: 'crash', message: e.message, stack: e.stack ?? '', ordinal: current, file, packet: frameIndex });
});
