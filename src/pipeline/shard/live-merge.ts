import type { Pipeline } from '../pipeline.js';
import { ShardMerge, type ShardBatch } from './merge.js';

/** A live worker's batch: its records and frames, and how far in packet time it has delivered. */
export interface LiveBatch extends ShardBatch {
  /**
   * The worker will deliver no frame older than this (ms, packet time): its latest frame's time, or,
   * when its handles were idle for a while, the wall clock less the kernel's delivery delay.
   */
  claimMs: number;
}

/** Numbers per frame in a live frame list: [ms, wirelen, input, the handle's packet number]. */
const FRAME_LEN = 4;
/** Packets per worker and interface whose interface-wide number is remembered. */
const RING = 1 << 16;

/** One worker's queue: where its next record and its next frame are. */
class LiveQueue {
  readonly q: LiveBatch[] = [];
  /** Next record: batch q[ri], position rpos. */
  ri = 0;
  rpos = 0;
  /** Next frame: batch q[fi], position fpos (FRAME_LEN numbers per frame). */
  fi = 0;
  fpos = 0;
  /** Frames of this worker merged so far (its records name frames by this count). */
  frames = 0;
  claimMs = -Infinity;
  /** The input (interface) of this worker's last merged frame, and that frame's number on its handle. */
  input = 0;
  lastLocal = 0;
  /**
   * Per input: the interface-wide packet number given to each of this worker's recent packets, by the
   * handle's own number (a ring: facts name the current packet or one shortly before it).
   */
  readonly numbers: { local: Float64Array; merged: Float64Array }[] = [];

  /** The next frame's time, or undefined when none has arrived. */
  nextFrameMs(): number | undefined {
    while (this.fi < this.q.length) {
      const f = this.q[this.fi].frames;
      if (f !== undefined && this.fpos < f.length) return f[this.fpos];
      this.fi++;
      this.fpos = 0;
    }
    return undefined;
  }
}

/**
 * The merge point of `capture --workers N`. The kernel spreads flows over the workers' handles, so
 * each worker's frames arrive in their own time order but the workers' batches arrive in any order.
 * One pipeline would have seen the packets in time order, and state that crosses flows depends on
 * it: a DNS answer in one worker must reach the DNS cache before the connection it names, seen by
 * another worker, is opened. So frames are merged across workers in packet-time order, and only up to
 * the watermark every worker has passed (the least of their claims): a frame waits until no worker
 * can still deliver an older one. An idle worker's claim follows the wall clock (live-worker-main.ts),
 * so the wait is bounded (about half a second) and the workers' queues with it (back-pressure).
 *
 * Each frame's records (flow opened, app facts, flows it timed out or evicted) are applied with it,
 * through ShardMerge.record, on the same stand-in flows, detect engine, aggregation and outputs as a
 * replay; records a worker wrote between frames (idle expiry on its wall-clock tick) follow the frame
 * before them.
 */
export class LiveMerge {
  readonly core: ShardMerge;
  /** Frames and wire bytes merged per input (interface), as one pipeline's daemon counts them. */
  readonly inputTraffic: { packets: number; bytes: number }[] = [];
  /** The merged frame came from another interface than the one before (alerts name the interface). */
  onInput: (input: number) => void = () => {};
  private readonly queues: LiveQueue[];
  private input = -1;

  constructor(private readonly pipeline: Pipeline, workers: number) {
    this.core = new ShardMerge(pipeline, workers);
    this.queues = Array.from({ length: workers }, () => new LiveQueue());
    this.core.translatePacket = (w, local) => this.packetNumber(w, local);
  }

  /**
   * The interface-wide number of worker w's packet `local` (on the input of its last merged frame). A
   * packet older than the ring keeps the distance it had to the latest one, an estimate.
   */
  private packetNumber(w: number, local: number): number {
    const q = this.queues[w];
    const n = q.numbers[q.input];
    if (n === undefined) return local;
    const slot = local % RING;
    if (n.local[slot] === local) return n.merged[slot];
    return n.merged[q.lastLocal % RING] - (q.lastLocal - local);
  }

  add(w: number, b: LiveBatch): void {
    const q = this.queues[w];
    q.q.push(b);
    if (b.claimMs > q.claimMs) q.claimMs = b.claimMs;
  }

  /** Worker w will deliver nothing older than `ms` (an idle worker's claim). */
  claim(w: number, ms: number): void {
    const q = this.queues[w];
    if (ms > q.claimMs) q.claimMs = ms;
  }

  /** Worker w delivers nothing more (it failed): what it sent is merged, the others are no longer held up by it. */
  retire(w: number): void {
    this.queues[w].claimMs = Infinity;
  }

  /** Merge every frame at or below the watermark, in time order. Returns, per worker, batches finished with. */
  pump(): number[] {
    let wm = Infinity;
    for (const q of this.queues) if (q.claimMs < wm) wm = q.claimMs;
    for (;;) {
      for (let w = 0; w < this.queues.length; w++) this.records(w, this.queues[w].frames);
      let best = -1;
      let bestMs = Infinity;
      for (let w = 0; w < this.queues.length; w++) {
        const ms = this.queues[w].nextFrameMs();
        if (ms !== undefined && ms <= wm && ms < bestMs) {
          best = w;
          bestMs = ms;
        }
      }
      if (best < 0) break;
      this.frame(best);
    }
    return this.release();
  }

  /** The workers stopped: whatever is left (their last frames, then the flows their flush ended), worker by worker. */
  finish(): number[] {
    for (const q of this.queues) q.claimMs = Infinity;
    this.pump();
    for (let w = 0; w < this.queues.length; w++) this.records(w, Infinity);
    return this.release();
  }

  /** Merge worker w's next frame: the clock and counters, then the records it caused. */
  private frame(w: number): void {
    const q = this.queues[w];
    const f = q.q[q.fi].frames!;
    const ms = f[q.fpos];
    const wirelen = f[q.fpos + 1];
    const input = f[q.fpos + 2];
    const local = f[q.fpos + 3];
    q.fpos += FRAME_LEN;
    q.frames++;
    if (input !== this.input) {
      this.input = input;
      this.onInput(input);
    }
    const t = (this.inputTraffic[input] ??= { packets: 0, bytes: 0 });
    t.packets++;
    t.bytes += wirelen;
    // This packet's number as one pipeline reading the interface would have given it.
    const n = (q.numbers[input] ??= { local: new Float64Array(RING).fill(-1), merged: new Float64Array(RING) });
    n.local[local % RING] = local;
    n.merged[local % RING] = t.packets;
    q.input = input;
    q.lastLocal = local;
    const pl = this.pipeline;
    // Two handles of one worker (two interfaces) are not ordered with each other: the clock never
    // goes back for such a frame (it is delivery order, not the traffic's).
    pl.frameArrived(Math.max(ms, pl.clockMs), wirelen);
    this.records(w, q.frames);
  }

  /** Apply worker w's records up to and including those of its frame number `upTo`. */
  private records(w: number, upTo: number): void {
    const q = this.queues[w];
    const stream = this.core.streams[w];
    while (q.ri < q.q.length) {
      const b = q.q[q.ri];
      const r = b.recs;
      if (q.rpos >= r.length) {
        q.ri++;
        q.rpos = 0;
        continue;
      }
      if (r[q.rpos + 1] > upTo) return;
      q.rpos = this.core.record(stream, b, q.rpos);
    }
  }

  /** Drop the batches whose records and frames are all merged; count them per worker. */
  private release(): number[] {
    return this.queues.map((q) => {
      let n = 0;
      while (q.q.length > 0) {
        const b = q.q[0];
        const recsDone = q.ri > 0 || q.rpos >= b.recs.length;
        const framesDone = q.fi > 0 || b.frames === undefined || q.fpos >= b.frames.length;
        if (!recsDone || !framesDone) break;
        q.q.shift();
        if (q.ri > 0) q.ri--;
        else q.rpos = 0;
        if (q.fi > 0) q.fi--;
        else q.fpos = 0;
        n++;
      }
      return n;
    });
  }
}
