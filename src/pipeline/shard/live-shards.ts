import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { fanoutProgram, flattenProgram } from '../../capture/live/fanout-program.js';
import type { CaptureStats, LiveOptions } from '../../capture/live/live-source.js';
import type { FlowTimeouts } from '../../flow/table.js';
import { UserError } from '../../util/errors.js';
import type { Pipeline } from '../pipeline.js';
import { sumIfAll, type PipelineSnapshot } from '../snapshot.js';
import { LiveMerge } from './live-merge.js';
import {
  liveClaimWord, liveControlWords, type LiveControl, type LiveInterfaceInfo, type LiveWorkerData, type LiveWorkerMessage, type LiveWorkerStats,
} from './protocol.js';
import { workersSnapshot } from './sharded-replay.js';

export interface LiveShardsOptions {
  workers: number;
  interfaces: string[];
  live: LiveOptions;
  homeNet: string[];
  maxFlows: number;
  timeouts: FlowTimeouts;
}

export interface LiveShardsHooks {
  /** After each merged batch: the outputs' turn. */
  afterBatch(): void;
  /** Capture failed on an interface, or a worker failed with a bug (one line): the daemon stops, exit 1. */
  onFailure(message: string, detail?: string): void;
}

/** The workers' script beside the bundle (dist/live-worker.js). */
function workerScript(): URL {
  const url = new URL('./live-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`--workers: ${fileURLToPath(url)} is missing (run npm run build)`);
  return url;
}

/**
 * `torwatch capture --workers N` (N > 1) on the daemon's side: N worker threads, each with its own
 * libpcap handle per interface in one kernel fanout group per interface (live-worker-main.ts), and
 * the merge point that feeds what they found, in packet-time order as the workers' watermark allows,
 * to the one detect engine, aggregation and outputs (live-merge.ts). Host state (DNS answers,
 * transport and BitTorrent evidence) and aggregation live here, once, so they see every worker's flows.
 */
export class LiveShards {
  readonly interfaces: LiveInterfaceInfo[];
  /** Per worker, its latest counters (every second; final after stop). */
  private readonly latest: (LiveWorkerStats | undefined)[];
  private merge: LiveMerge | undefined;
  private hooks: LiveShardsHooks | undefined;
  private readonly ctl: Int32Array;
  private readonly finals: Promise<void>[] = [];
  private readonly resolveFinal: (() => void)[] = [];
  private stopping: Promise<CaptureStats[]> | undefined;
  private failed = false;
  /** Every worker sent its last counters and is being terminated: their exits are expected. */
  private terminating = false;
  /** The merge itself failed: batches are no longer merged (only released). */
  private mergeFailed = false;

  private constructor(
    private readonly workers: Worker[],
    control: SharedArrayBuffer,
    interfaces: LiveInterfaceInfo[],
  ) {
    this.ctl = new Int32Array(control);
    this.interfaces = interfaces;
    this.latest = workers.map(() => undefined);
    for (let i = 0; i < workers.length; i++) this.finals.push(new Promise<void>((resolve) => this.resolveFinal.push(resolve)));
    // Listening from the first moment: a start-up that fails later (the metrics port is taken) stops
    // the workers before any start, and their final counters must still be heard.
    workers.forEach((w, i) => {
      w.on('message', (m: LiveWorkerMessage) => this.onMessage(i, m));
      w.on('error', (err: Error) => {
        this.merge?.retire(i);
        this.pump();
        this.fail(`internal error in live worker ${i}: ${err.message}`, err.stack);
      });
      w.on('exit', (code) => {
        this.merge?.retire(i);
        this.pump();
        if (code !== 0 && !this.terminating) this.fail(`live worker ${i} exited with code ${code}`);
        this.resolveFinal[i]();
      });
    });
  }

  /**
   * Start the workers and let each open its handles (this needs CAP_NET_RAW: call before dropping
   * privileges). Throws UserError with the first worker's one-line error if any cannot open.
   */
  static async open(o: LiveShardsOptions): Promise<LiveShards> {
    // A group id another program on this host already uses with another mode cannot be joined: try
    // fresh ids a few times before giving up with the one-line error.
    for (let attempt = 1; ; attempt++) {
      const r = await LiveShards.tryOpen(o);
      if (r instanceof LiveShards) return r;
      if (!r.fanout || attempt === 3) {
        if (r.user) throw new UserError(r.message);
        throw new Error(`live worker failed to open: ${r.message}`);
      }
    }
  }

  private static async tryOpen(o: LiveShardsOptions): Promise<LiveShards | Extract<LiveWorkerMessage, { type: 'open-failed' }>> {
    const n = o.workers;
    const control = new SharedArrayBuffer(4 * liveControlWords(n));
    // One group per interface. The id is per run: a fixed id would join another sensor's group on the
    // same host (the kernel shares a group among every socket that names it with the same mode).
    const fanoutGroups = o.interfaces.map(() => randomInt(1, 0x10000));
    const live: LiveOptions = { ...o.live, fanoutProgram: flattenProgram(fanoutProgram(n, [randomInt(0, 2 ** 32 - 1), randomInt(0, 2 ** 32 - 1)])) };
    const script = workerScript();
    const workers: Worker[] = [];
    const opened = await Promise.all(Array.from({ length: n }, (_, i) => new Promise<LiveWorkerMessage>((resolve) => {
      const data: LiveWorkerData = {
        index: i, workers: n, interfaces: o.interfaces, live, fanoutGroups, homeNet: o.homeNet,
        maxFlows: Math.max(1, Math.ceil(o.maxFlows / n)), timeouts: o.timeouts, control,
      };
      const w = new Worker(script, { workerData: data });
      workers.push(w);
      w.once('message', (m: LiveWorkerMessage) => resolve(m));
      w.once('error', (err: Error) => resolve({ type: 'open-failed', message: err.message, user: false }));
    })));
    const bad = opened.find((m) => m.type !== 'opened');
    if (bad !== undefined) {
      await Promise.all(workers.map((w) => w.terminate()));
      return bad.type === 'open-failed' ? bad : { type: 'open-failed', message: `unexpected ${bad.type} message`, user: false };
    }
    const first = opened[0] as Extract<LiveWorkerMessage, { type: 'opened' }>;
    return new LiveShards(workers, control, first.interfaces);
  }

  /** Capture from now on, merging into `pipeline` (assembled after privileges were dropped). */
  start(pipeline: Pipeline, hooks: LiveShardsHooks): void {
    const merge = new LiveMerge(pipeline, this.workers.length);
    merge.onInput = (i) => pipeline.setInput(this.interfaces[i]?.name ?? '');
    this.merge = merge;
    this.hooks = hooks;
    this.workers.forEach((_, i) => this.post(i, { type: 'start' }));
  }

  setHomeNet(homeNet: string[]): void {
    this.workers.forEach((_, i) => this.post(i, { type: 'home-net', homeNet }));
  }

  /** Per interface, the counters summed over the workers' handles. */
  captureStats(): CaptureStats[] {
    return this.interfaces.map((iface, k) => sumCaptures(iface.name, this.latest.map((x) => x?.captures[k])));
  }

  /** Per interface, the frames and wire bytes merged (what entered the pipeline). */
  traffic(): { packets: number; bytes: number }[] {
    return this.interfaces.map((_, k) => ({ ...(this.merge?.inputTraffic[k] ?? { packets: 0, bytes: 0 }) }));
  }

  /** Per worker, its latest counters (for /metrics and the stats line). */
  workerStats(): { worker: number; captures: CaptureStats[]; packets: number }[] {
    return this.latest.map((x, worker) => ({
      worker,
      captures: x?.captures ?? [],
      packets: x?.captures.reduce((a, c) => a + c.delivered, 0) ?? 0,
    }));
  }

  /**
   * The daemon's snapshot with the workers' part filled in: decode, flow-table internals and app-layer
   * counters summed over the workers (each decoded only its share), the flow counts as the merge point
   * kept them, and `hosts` (the merge point's host state, detect.hosts.summary()).
   */
  snapshot(snap: PipelineSnapshot, hosts: Record<string, number>): PipelineSnapshot {
    const stats = this.latest.filter((x): x is LiveWorkerStats => x !== undefined).map((x) => x.pipeline);
    if (this.merge === undefined) return snap;
    return workersSnapshot(snap, stats, this.merge.core.flowCounts, hosts, 'summed');
  }

  /** Stop every worker: they deliver what the kernel holds, end their flows and send final counters. */
  stop(): Promise<CaptureStats[]> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.workers.forEach((_, i) => this.post(i, { type: 'stop' }));
      await Promise.all(this.finals);
      this.terminating = true;
      // Every worker has sent its last batch: merge what is left, in time order, then their last flows.
      if (!this.mergeFailed && this.merge) {
        try {
          this.merge.finish();
        } catch (err) {
          this.mergeFailed = true;
          this.fail(`internal error merging the live workers' last batches: ${(err as Error).message}`, (err as Error).stack);
        }
        this.hooks?.afterBatch();
      }
      await Promise.all(this.workers.map((w) => w.terminate()));
      return this.captureStats();
    })();
    return this.stopping;
  }

  /** Merge what the watermark allows; release the batches finished with; the outputs' turn. */
  private pump(): void {
    if (this.mergeFailed || this.merge === undefined) return;
    let released: number[];
    try {
      released = this.merge.pump();
    } catch (err) {
      // A bug in the merge itself: nothing more can be merged; release everything so no worker waits.
      this.mergeFailed = true;
      this.workers.forEach((_, w) => this.release(w, 1 << 30));
      this.fail(`internal error merging the live workers' batches: ${(err as Error).message}`, (err as Error).stack);
      return;
    }
    released.forEach((n, w) => this.release(w, n));
    this.hooks?.afterBatch();
  }

  /** Tell worker w that n more of its batches are finished with (back-pressure, protocol.ts). */
  private release(w: number, n: number): void {
    if (n <= 0) return;
    Atomics.add(this.ctl, w, n);
    Atomics.notify(this.ctl, w);
  }

  private post(i: number, m: LiveControl): void {
    this.workers[i].postMessage(m);
  }

  private onMessage(i: number, m: LiveWorkerMessage): void {
    switch (m.type) {
      case 'batch': {
        if (this.mergeFailed) {
          // Nobody will merge it: release it at once, so the worker never waits on it.
          this.release(i, 1);
          return;
        }
        this.merge!.add(i, m);
        this.pump();
        return;
      }
      case 'claim':
        Atomics.add(this.ctl, liveClaimWord(this.workers.length, i), 1);
        if (this.mergeFailed) return;
        this.merge!.claim(i, m.claimMs);
        this.pump();
        return;
      case 'stats':
        this.latest[i] = { captures: m.captures, pipeline: m.pipeline };
        if (m.final) this.resolveFinal[i]();
        return;
      case 'capture-error':
        this.fail(`${m.interface}: ${m.message}`);
        return;
      case 'crash': {
        // What it sent before the failing packet is merged, and the others are not held up waiting for it.
        this.merge?.retire(i);
        this.pump();
        const where = m.interface ? ` at packet ${m.packet} on ${m.interface}` : '';
        this.fail(`internal error in live worker ${i}${where}: ${m.message}`, m.stack);
        return;
      }
      default:
        return;
    }
  }

  private fail(message: string, detail?: string): void {
    if (this.failed) return;
    this.failed = true;
    this.hooks?.onFailure(message, detail);
  }
}

function sumCaptures(name: string, parts: (CaptureStats | undefined)[]): CaptureStats {
  const have = parts.filter((x): x is CaptureStats => x !== undefined);
  // pcap_stats counts only when every worker's handle reported them.
  const sum = (f: (c: CaptureStats) => number | undefined): number | undefined => sumIfAll(parts.map((c) => (c === undefined ? undefined : f(c))));
  return {
    interface: name,
    backend: 'pcap-batch',
    delivered: have.reduce((a, c) => a + c.delivered, 0),
    deliveredBytes: have.reduce((a, c) => a + c.deliveredBytes, 0),
    received: sum((c) => c.received),
    dropped: sum((c) => c.dropped),
    ifDropped: sum((c) => c.ifDropped),
    batches: have.reduce((a, c) => a + c.batches, 0),
    bufferWaits: sum((c) => c.bufferWaits),
    discarded: have.reduce((a, c) => a + c.discarded, 0),
  };
}
