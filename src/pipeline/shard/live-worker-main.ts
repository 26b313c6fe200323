/**
 * A live worker's thread (bundled as dist/live-worker.js; `torwatch capture --workers N`). It opens
 * its own libpcap handle on every interface, each joined to that interface's kernel fanout group, so
 * the kernel hands it whole flows (PACKET_FANOUT_HASH: both directions of a connection to one socket;
 * defragmented first, so fragments follow their flow). The addon's native thread reads the handle;
 * this thread runs decode -> flow table -> app layer on what it is given (worker-pipeline.ts, live
 * mode) and posts what the detect engine must hear to the daemon's merge point (live-merge.ts).
 *
 * Back-pressure: posting waits (Atomics.wait) while more than MAX_IN_FLIGHT of its batches are
 * unmerged; the capture thread's buffers then stay busy, packets queue in the kernel ring and, past
 * it, the kernel drops and counts them (pcap_stats, reported per worker). Nothing queues without bound.
 *
 * Order of start: open (still privileged) -> 'opened' -> the daemon drops privileges and capabilities
 * of every thread, this one included -> 'start' -> capture. 'stop' delivers what the kernel holds,
 * ends every flow and posts the final counters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FANOUT_JOIN_FAILED, loadBackend, nameThisThread, openInterface } from '../../capture/live/open-live.js';
import type { LiveSource } from '../../capture/live/live-source.js';
import type { Frame } from '../../capture/frame.js';
import { CidrSet } from '../../util/cidr.js';
import { UserError } from '../../util/errors.js';
import { ShardPipeline } from './worker-pipeline.js';
import { BATCH_FRAMES, LIVE_MAX_IN_FLIGHT, liveClaimWord, waitUntilMerged, type LiveControl, type LiveWorkerData, type LiveWorkerMessage } from './protocol.js';

const d = workerData as LiveWorkerData;
const port = parentPort!;
const ctl = new Int32Array(d.control);
/**
 * How often this worker tells the merge point how far it has delivered (its claim, live-merge.ts),
 * expires idle flows on the wall clock, and (every STATS_EVERY ticks) sends its counters.
 */
const TICK_MS = 100;
const STATS_EVERY = 10;
/**
 * When none of its handles delivered a packet for a whole tick, the worker claims the wall clock less
 * this much: the kernel holds a packet at most the handle's timeout (--immediate off) before handing
 * it over, and its timestamp is when it arrived; the rest is margin for scheduling.
 */
const IDLE_MARGIN_MS = d.live.timeoutMs + 400;

/**
 * Tests only: this worker (TORWATCH_TEST_CRASH_WORKER, default 0) throws as a bug would on the Nth
 * packet it reads (TORWATCH_TEST_CRASH_AT), so the daemon's crash path is exercised for real.
 */
const crashAt = Number(process.env.TORWATCH_TEST_CRASH_AT ?? 0);
const crashWorker = Number(process.env.TORWATCH_TEST_CRASH_WORKER ?? 0);

const pl = new ShardPipeline({
  index: d.index,
  workers: d.workers,
  key: [0, 0, 0],
  homeNet: CidrSet.parse(d.homeNet),
  maxFlows: d.maxFlows,
  timeouts: d.timeouts,
  live: true,
});

let sources: LiveSource[] = [];
/** How far in packet time this worker has delivered (LiveBatch.claimMs). */
let claimMs = -Infinity;
/** The claim last sent, and how many claim-only messages were sent (the merge point counts those it read). */
let sentClaimMs = -Infinity;
let claimsSent = 0;
const CLAIMS_READ = liveClaimWord(d.workers, d.index);
let framesThisTick = 0;
let ticks = 0;
let posted = 0;
let sinceLast = 0;
let failed = false;
let ticker: NodeJS.Timeout | undefined;

function send(msg: LiveWorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Post what was written since the last batch, with the claim; wait while the merge point is too far behind. */
function postBatch(wait = true): void {
  if (pl.clockMs > claimMs) claimMs = pl.clockMs;
  if (!pl.pending) return;
  sentClaimMs = claimMs;
  const t = pl.take();
  const transfer = [t.recs.buffer as ArrayBuffer];
  if (t.frames) transfer.push(t.frames.buffer as ArrayBuffer);
  send({ type: 'batch', hi: pl.ordinal, recs: t.recs, events: t.events, frames: t.frames, claimMs }, transfer);
  posted++;
  sinceLast = 0;
  if (wait) waitUntilMerged(ctl, d.index, posted, LIVE_MAX_IN_FLIGHT);
}

function stats(final: boolean): void {
  send({ type: 'stats', final, captures: sources.map((x) => x.stats()), pipeline: pl.stats() });
}

/** A bug while reading a packet: post what was found before it, say which packet, stop reading. */
function crash(err: unknown, iface: string, packet: number): void {
  if (failed) return;
  failed = true;
  const e = err instanceof Error ? err : new Error(String(err));
  try {
    postBatch(false);
  } catch {
    // the records themselves are what failed: the daemon keeps what it merged
  }
  send({ type: 'crash', message: e.message, stack: e.stack ?? '', interface: iface, packet });
  if (ticker) clearInterval(ticker);
  for (const s of sources) void s.stop().catch(() => undefined);
}

function open(): void {
  nameThisThread(`tw-worker-${d.index}`);
  try {
    const backend = loadBackend('pcap-batch');
    sources = d.interfaces.map((name, i) => openInterface(backend, name, { ...d.live, fanoutGroup: d.fanoutGroups[i] }, i));
  } catch (err) {
    for (const s of sources) void s.stop().catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    send({ type: 'open-failed', message, user: err instanceof UserError, fanout: message.includes(FANOUT_JOIN_FAILED) });
    return;
  }
  send({ type: 'opened', interfaces: sources.map((x) => ({ name: x.interfaceName, linktype: x.linktype, snaplen: x.snaplen, warning: x.warning })) });
}

function start(): void {
  sources.forEach((src, i) => {
    let packets = 0;
    src.start({
      onFrame: (f: Frame) => {
        if (failed) return;
        packets++;
        try {
          if (crashAt > 0 && packets === crashAt && d.index === crashWorker) throw new Error('test crash (TORWATCH_TEST_CRASH_AT)');
          pl.input = i;
          pl.onFrame(f);
          framesThisTick++;
          if (++sinceLast >= BATCH_FRAMES) postBatch();
        } catch (err) {
          crash(err, src.interfaceName, packets);
        }
      },
      afterBatch: () => {
        if (!failed) postBatch();
      },
      onError: (message) => send({ type: 'capture-error', interface: src.interfaceName, message }),
    });
  });
  ticker = setInterval(() => {
    if (failed) return;
    const now = Date.now();
    try {
      pl.tick(now);
      // Idle for a whole tick: nothing older than the wall clock less the kernel's delay can still come.
      if (framesThisTick === 0 && now - IDLE_MARGIN_MS > claimMs) claimMs = now - IDLE_MARGIN_MS;
      framesThisTick = 0;
      postBatch();
      // A newer claim with no batch to carry it: send it alone, unless the last one is still unread.
      if (claimMs > sentClaimMs && Atomics.load(ctl, CLAIMS_READ) === claimsSent) {
        sentClaimMs = claimMs;
        claimsSent++;
        send({ type: 'claim', claimMs });
      }
    } catch (err) {
      crash(err, '', 0);
      return;
    }
    if (++ticks % STATS_EVERY === 0) stats(false);
  }, TICK_MS);
}

async function stop(): Promise<void> {
  if (ticker) clearInterval(ticker);
  await Promise.all(sources.map((s) => s.stop()));
  if (!failed) {
    // Every flow ends here (detectors' last word at the merge point), as Pipeline.finish does.
    pl.finish();
    postBatch(false);
  }
  stats(true);
}

port.on('message', (m: LiveControl) => {
  if (m.type === 'start') start();
  else if (m.type === 'home-net') pl.setHomeNet(CidrSet.parse(m.homeNet));
  else if (m.type === 'stop') {
    stop().catch((err: unknown) => crash(err, '', 0));
  }
});

open();
