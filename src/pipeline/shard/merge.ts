import type { EventTime } from '../../applayer/events.js';
import type { Packet } from '../../decode/packet.js';
import { countPacket, Flow, type InitiatorValue } from '../../flow/flow.js';
import type { FlowEndReason } from '../../flow/table.js';
import type { FlowCounts } from '../snapshot.js';
import type { Pipeline } from '../pipeline.js';
import { reviveEvent } from './plain-event.js';
import {
  END_REASONS, LEN_END, LEN_END_BEGIN, LEN_EVENT, LEN_FRAME, LEN_OPEN, LEN_PACKET, OP_END, OP_END_BEGIN, OP_EVENT,
  OP_FRAME, OP_OPEN, OP_PACKET, PHASE_EXPIRY, PHASE_FLUSH,
} from './records.js';

/** One batch from a worker: its records and facts, and (worker 0) the frames it covers. */
export interface ShardBatch {
  /** Every frame up to this run-wide number has been read by the worker that sent it. */
  hi: number;
  recs: Float64Array;
  events: unknown[];
  /** Worker 0: [ms, wirelen, input] per frame, for the frames after the previous batch's `hi`. */
  frames?: Float64Array;
}

/** Where a flow-end group starts, and how one table would have ordered it among the others. */
interface Group {
  stream: Stream;
  batch: ShardBatch;
  pos: number;
  /** PHASE_EXPIRY: timeout class, then latest packet. PHASE_FLUSH: last activity, then flow number. */
  k1: number;
  k2: number;
  /** PHASE_FLUSH: the latest packet (the flow's place in its class's LRU list). */
  lru: number;
}

class Stream {
  readonly q: ShardBatch[] = [];
  /** The batch and position of the next record. */
  qi = 0;
  pos = 0;
  /** Highest frame number this worker has read and sent. */
  covered = 0;
  /** The worker's flows (by slot, worker-pipeline.ts) as the detect engine knows them. */
  readonly flows: (Flow | undefined)[] = [];

  constructor(readonly index: number) {}

  /** The next record's batch (undefined: none received yet), skipping batches already read. */
  head(): ShardBatch | undefined {
    while (this.qi < this.q.length) {
      const b = this.q[this.qi];
      if (this.pos < b.recs.length) return b;
      this.qi++;
      this.pos = 0;
    }
    return undefined;
  }
}

/** The pieces of a Packet that detectors read (the frame's time, number and length, the payload length). */
interface MergedPacket {
  frame: { tsSec: number; tsNsec: number; index: number; wirelen: number };
  payLen: number;
}

/**
 * The merge point of a sharded run: the workers' records (records.ts) go to the one detect engine in
 * the order one pipeline would have produced them, frame by frame: the clock and counters for every
 * frame (from worker 0's frame list), then the flows that timed out on that frame in any worker (in
 * one table's order), then the owning worker's calls for the frame itself. The engine works on
 * stand-in Flow objects that carry a flow's identity and counters (what detectors and the alert
 * builder read; hosts/host-state.ts), numbered in the order flows were created, as one table numbers
 * them. So alerts, their order, their event ids and every cross-flow state are those of one pipeline.
 */
export class ShardMerge {
  readonly streams: Stream[];
  /** Frames merged so far (the run-wide number of the last one). */
  merged = 0;
  /** The flow table as one table would have counted it (the workers' tables see only their share). */
  readonly flowCounts: Pick<FlowCounts, 'created' | 'active' | 'peak' | 'expired' | 'evicted' | 'reused'> = {
    created: 0, active: 0, peak: 0, expired: 0, evicted: 0, reused: 0,
  };
  /** An input's first frame was merged (its time, for the warning about inputs out of time order). */
  onFirstFrame: (input: number, ms: number) => void = () => {};

  /**
   * Live (live-merge.ts): a worker numbers the packets of its own handle; one pipeline numbers every
   * packet of the interface. Translates a worker's packet number to the merged one. Replay: unset (every
   * worker reads the whole file, so its numbers are the file's).
   */
  translatePacket: ((worker: number, local: number) => number) | undefined = undefined;

  private nextFlowId = 1;
  private input = -1;
  private fq = 0;
  private fpos = 0;
  private readonly pkt: MergedPacket = { frame: { tsSec: 0, tsNsec: 0, index: 0, wirelen: 0 }, payLen: 0 };
  private readonly at: EventTime = { tsSec: 0, tsNsec: 0, packet: 0 };
  /** The frame being merged: its flow (the worker's number), whether it created it, its direction. */
  private frameFlow = 0;
  private isNew = false;
  private dir = 0;

  constructor(private readonly pipeline: Pipeline, workers: number) {
    this.streams = Array.from({ length: workers }, (_, i) => new Stream(i));
  }

  /** A batch arrived from worker `w`. */
  add(w: number, b: ShardBatch): void {
    const s = this.streams[w];
    s.q.push(b);
    s.covered = b.hi;
  }

  /**
   * Merge every frame that all workers have read (and no further than `upTo`). Returns per worker how many batches are finished
   * with (to be released to it: back-pressure).
   */
  pump(upTo = Infinity): number[] {
    const s0 = this.streams[0];
    let limit = upTo;
    for (const s of this.streams) limit = Math.min(limit, s.covered);
    while (this.merged < limit && this.fq < s0.q.length) {
      const fb = s0.q[this.fq].frames;
      if (fb === undefined || this.fpos >= fb.length) {
        this.fq++;
        this.fpos = 0;
        continue;
      }
      const ordinal = ++this.merged;
      const ms = fb[this.fpos];
      const wirelen = fb[this.fpos + 1];
      const input = fb[this.fpos + 2];
      this.fpos += 3;
      if (input !== this.input) {
        this.input = input;
        this.onFirstFrame(input, ms);
      }
      this.pipeline.frameArrived(ms, wirelen);
      this.frame(ordinal);
    }
    return this.release();
  }

  /**
   * After the last frame: the flows still open end, in the order FlowTable.flushAll ends them: it
   * takes, of the heads of its per-class LRU lists, the one with the oldest activity (then the lowest
   * flow number), so the lists are rebuilt here (class, then latest packet) and walked the same way.
   */
  flush(): void {
    const lists: Group[][] = [];
    for (const s of this.streams) {
      for (let b = s.head(); b !== undefined; b = s.head()) {
        const r = b.recs;
        if (r[s.pos] !== OP_END_BEGIN || r[s.pos + 4] !== PHASE_FLUSH) throw new Error(`shard merge: worker ${s.index} sent a record of type ${r[s.pos]} after its last frame`);
        const flow = s.flows[r[s.pos + 2]];
        (lists[r[s.pos + 5]] ??= []).push({ stream: s, batch: b, pos: s.pos, k1: r[s.pos + 7], k2: flow?.id ?? 0, lru: r[s.pos + 6] });
        s.pos = groupEnd(r, s.pos);
      }
    }
    const heads = lists.filter((l) => l !== undefined).map((l) => l.sort((a, b) => a.lru - b.lru));
    const at = heads.map(() => 0);
    for (;;) {
      let best = -1;
      for (let c = 0; c < heads.length; c++) {
        const g = heads[c][at[c]];
        if (g === undefined) continue;
        const cur = best < 0 ? undefined : heads[best][at[best]];
        if (cur === undefined || g.k1 < cur.k1 || (g.k1 === cur.k1 && g.k2 < cur.k2)) best = c;
      }
      if (best < 0) return;
      const g = heads[best][at[best]++];
      this.group(g.stream, g.batch, g.pos);
    }
  }

  /** Batches every record and frame of which is merged: dropped here, counted for the worker. */
  private release(): number[] {
    const out: number[] = [];
    for (const s of this.streams) {
      let n = 0;
      while (s.q.length > 0 && s.q[0].hi <= this.merged && s.qi > 0 && (s.index !== 0 || this.fq > 0)) {
        s.q.shift();
        s.qi--;
        if (s.index === 0) this.fq--;
        n++;
      }
      out.push(n);
    }
    return out;
  }

  /** One decoded-or-not frame's records: the expiries it caused in every worker, then its owner's calls. */
  private frame(ordinal: number): void {
    let groups: Group[] | undefined;
    let owner: Stream | undefined;
    for (const s of this.streams) {
      for (let b = s.head(); b !== undefined && b.recs[s.pos + 1] === ordinal; b = s.head()) {
        const r = b.recs;
        if (r[s.pos] !== OP_END_BEGIN || r[s.pos + 4] !== PHASE_EXPIRY) {
          owner = s;
          break;
        }
        (groups ??= []).push({ stream: s, batch: b, pos: s.pos, k1: r[s.pos + 5], k2: r[s.pos + 6], lru: 0 });
        s.pos = groupEnd(r, s.pos);
      }
    }
    if (groups !== undefined) {
      if (groups.length > 1) groups.sort((a, b) => a.k1 - b.k1 || a.k2 - b.k2);
      for (const g of groups) this.group(g.stream, g.batch, g.pos);
    }
    if (owner === undefined) return;
    for (let b = owner.head(); b !== undefined && b.recs[owner.pos + 1] === ordinal; b = owner.head()) {
      owner.pos = this.record(owner, b, owner.pos);
    }
  }

  /** Replay one flow-end group (END_BEGIN, its last facts, END) starting at `pos`. */
  private group(s: Stream, b: ShardBatch, pos: number): void {
    const end = groupEnd(b.recs, pos);
    for (let p = pos; p < end; ) p = this.record(s, b, p);
  }

  /** Apply the record at `pos` to the engine; returns the position after it (live-merge.ts uses it too). */
  record(s: Stream, b: ShardBatch, pos: number): number {
    const r = b.recs;
    const pl = this.pipeline;
    const detect = pl.detect;
    switch (r[pos]) {
      case OP_OPEN: {
        const f = new Flow(
          this.nextFlowId++, 0, r[pos + 3] as 4 | 6, r[pos + 4],
          r[pos + 5], r[pos + 6], r[pos + 7], r[pos + 8], r[pos + 9],
          r[pos + 10], r[pos + 11], r[pos + 12], r[pos + 13], r[pos + 14],
          r[pos + 15], r[pos + 16], r[pos + 17],
        );
        f.initiator = r[pos + 18] as InitiatorValue;
        f.aHome = (r[pos + 19] & 1) !== 0;
        f.bHome = (r[pos + 19] & 2) !== 0;
        f.firstPacket = this.packetNumber(s, r[pos + 20]);
        f.vlanOuter = r[pos + 21];
        f.vlanInner = r[pos + 22];
        s.flows[r[pos + 2]] = f;
        const c = this.flowCounts;
        c.created++;
        if (++c.active > c.peak) c.peak = c.active;
        return pos + LEN_OPEN;
      }
      case OP_FRAME: {
        const f = this.flowOf(s, r[pos + 2]);
        const isNew = r[pos + 3] === 1;
        const dir = r[pos + 4];
        const len = r[pos + 5];
        const tsSec = r[pos + 6];
        const tsNsec = r[pos + 7];
        // The flow table's per-packet accounting (FlowTable.lookup), on the stand-in.
        countPacket(f, dir, len, tsSec, tsNsec, pl.clockMs);
        pl.counters.flowPackets++;
        const fr = this.pkt.frame;
        fr.tsSec = tsSec;
        fr.tsNsec = tsNsec;
        fr.index = this.packetNumber(s, r[pos + 8]);
        fr.wirelen = len;
        this.frameFlow = r[pos + 2];
        this.isNew = isNew;
        this.dir = dir;
        detect.nowMs = pl.clockMs;
        if (isNew) detect.flowOpened(f, this.pkt as unknown as Packet);
        return pos + LEN_FRAME;
      }
      case OP_EVENT: {
        const f = this.flowOf(s, r[pos + 2]);
        const at = this.at;
        at.tsSec = r[pos + 3];
        at.tsNsec = r[pos + 4];
        at.packet = this.packetNumber(s, r[pos + 5]);
        detect.onAppEvent(f, reviveEvent(b.events[r[pos + 6]]), at);
        return pos + LEN_EVENT;
      }
      case OP_PACKET: {
        this.pkt.payLen = r[pos + 2];
        detect.onPacket(this.flowOf(s, this.frameFlow), this.pkt as unknown as Packet, this.isNew, this.dir);
        return pos + LEN_PACKET;
      }
      case OP_END_BEGIN:
        return pos + LEN_END_BEGIN;
      case OP_END: {
        const id = r[pos + 2];
        const f = this.flowOf(s, id);
        const reason = END_REASONS[r[pos + 3]] as FlowEndReason;
        detect.onFlowEnd(f, reason);
        s.flows[id] = undefined;
        const c = this.flowCounts;
        c.active--;
        if (reason === 'timeout') c.expired++;
        else if (reason === 'evicted') c.evicted++;
        else if (reason === 'reused') c.reused++;
        return pos + LEN_END;
      }
      default:
        throw new Error(`shard merge: worker ${s.index} sent an unknown record type ${r[pos]}`);
    }
  }

  private packetNumber(s: Stream, local: number): number {
    const t = this.translatePacket;
    return t === undefined ? local : t(s.index, local);
  }

  private flowOf(s: Stream, id: number): Flow {
    const f = s.flows[id];
    if (f === undefined) throw new Error(`shard merge: worker ${s.index} named flow slot ${id}, which holds no flow`);
    return f;
  }
}

/** The position after the flow-end group that starts at `pos` (records up to and including its OP_END). */
function groupEnd(r: Float64Array, pos: number): number {
  let p = pos + LEN_END_BEGIN;
  for (;;) {
    const op = r[p];
    if (op === OP_END) return p + LEN_END;
    if (op === OP_EVENT) p += LEN_EVENT;
    else throw new Error(`shard merge: a flow-end group holds a record of type ${op}`);
  }
}
