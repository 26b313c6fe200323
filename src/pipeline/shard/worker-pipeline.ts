import { AppLayer } from '../../applayer/app-layer.js';
import type { AppEvent, EventTime } from '../../applayer/events.js';
import type { Frame } from '../../capture/frame.js';
import { AnomalyCounters } from '../../decode/anomalies.js';
import { PacketDecoder } from '../../decode/index.js';
import { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import { FlowTable, type FlowEndReason, type FlowTimeouts } from '../../flow/table.js';
import type { CidrSet } from '../../util/cidr.js';
import { plainEvent } from './plain-event.js';
import {
  END_REASONS, LEN_END, LEN_END_BEGIN, LEN_EVENT, LEN_FRAME, LEN_OPEN, LEN_PACKET, OP_END, OP_END_BEGIN, OP_EVENT,
  OP_FRAME, OP_OPEN, OP_PACKET, PHASE_EXPIRY, PHASE_FLUSH, PHASE_OWNER, RecordWriter,
} from './records.js';
import type { ShardWorkerStats } from './protocol.js';
import { shardOf } from './shard-hash.js';

export interface ShardPipelineOptions {
  /** This worker's number (0-based) and how many there are. */
  index: number;
  workers: number;
  /** The run's shard-hash key (the same in every worker). */
  key: readonly number[];
  homeNet: CidrSet;
  /** This worker's share of --max-flows. */
  maxFlows: number;
  timeouts: FlowTimeouts;
  /**
   * Live capture (live-worker-main.ts): the kernel's fanout already gave this worker only its own
   * flows' packets, so every frame is its own and it writes its own frame list; the frame numbers
   * are this worker's, not run-wide.
   */
  live?: boolean;
}

/**
 * One worker's half of the pipeline: decode -> flow table -> app-layer parsers, on the packets whose
 * addresses hash to it; what the detect engine would have been told is written down (records.ts) for
 * the merge point instead. Every worker reads and decodes every frame (so each knows the run-wide
 * packet number and the packet clock, and idle flows time out on the same packet as in one table);
 * the work that grows with traffic (flows, reassembly, parsing) is split.
 *
 * Worker 0 also writes each frame's time, length and input number, from which the merge point moves
 * the clock and the aggregation timer on every frame, as Pipeline.frameArrived does.
 */
export class ShardPipeline {
  readonly anomalies = new AnomalyCounters();
  readonly decoder: PacketDecoder;
  readonly flows: FlowTable;
  readonly app: AppLayer;
  readonly rec = new RecordWriter();
  /** Worker 0: [ms, wirelen, input] per frame (live: every worker, and the handle's packet number). */
  readonly frames = new RecordWriter();
  events: unknown[] = [];
  /** Run-wide number of the frame being read (1-based, over all inputs). */
  ordinal = 0;
  /** Index of the input being read (worker 0 writes it with each frame). */
  input = 0;
  clockMs = -Infinity;

  private readonly packet = new Packet();
  /**
   * Flows are named to the merge point by a slot number, reused after the flow ends: the merge point
   * keeps its stand-ins in an array as long as the most flows this worker held at once.
   */
  private readonly freeSlots: number[] = [];
  private nextSlot = 0;
  private home: CidrSet;
  private readonly inHome: (v: number, w0: number, w1: number, w2: number, w3: number) => boolean;
  private readonly writeFrames: boolean;
  private readonly live: boolean;

  constructor(private readonly opts: ShardPipelineOptions) {
    this.decoder = new PacketDecoder(this.anomalies);
    this.app = new AppLayer({ onEvent: (f, ev, at) => this.event(f, ev, at) });
    this.flows = new FlowTable({
      maxFlows: opts.maxFlows,
      timeouts: opts.timeouts,
      onFlowEnd: (f: Flow, why: FlowEndReason) => this.flowEnd(f, why),
    });
    this.home = opts.homeNet;
    this.inHome = (v, w0, w1, w2, w3) => this.home.has(v, w0, w1, w2, w3);
    this.live = opts.live === true;
    this.writeFrames = opts.index === 0 || this.live;
  }

  /** SIGHUP changed --home-net (live): flows created from now on are placed with the new set. */
  setHomeNet(home: CidrSet): void {
    this.home = home;
  }

  /**
   * Live capture: time passes without packets, so idle flows expire against the wall clock less a
   * margin for packets still queued in the kernel (as Pipeline.tick does in one pipeline).
   */
  tick(wallMs: number, marginMs = 2000): void {
    const t = wallMs - marginMs;
    if (t <= this.clockMs) return;
    this.flows.expire(t);
  }

  /** Records written since the last take (whether a batch is worth posting). */
  get pending(): boolean {
    return this.rec.len > 0 || this.frames.len > 0;
  }

  readonly onFrame = (frame: Frame): void => {
    const ordinal = ++this.ordinal;
    const ms = frame.tsSec * 1000 + frame.tsNsec / 1e6;
    if (ms >= this.clockMs) this.clockMs = ms;
    if (this.writeFrames) {
      // [ms, wirelen, input]; live adds the handle's own packet number, which the merge point maps to
      // the interface's (live-merge.ts).
      const fr = this.frames;
      const n = this.live ? 4 : 3;
      const b = fr.reserve(n);
      b[fr.len] = ms;
      b[fr.len + 1] = frame.wirelen;
      b[fr.len + 2] = this.input;
      if (this.live) b[fr.len + 3] = frame.index;
      fr.len += n;
    }
    const p = this.packet;
    p.reset(frame);
    if (!this.decoder.decode(p)) return;
    const flows = this.flows;
    if (!this.live && shardOf(p, this.opts.key, this.opts.workers) !== this.opts.index) {
      // Another worker's packet: only the clock it carries matters here (idle expiry of our flows).
      flows.checkExpiry(this.clockMs);
      return;
    }
    const flow = flows.lookup(p, this.clockMs, this.inHome);
    flow.lastOrdinal = ordinal;
    const isNew = flows.isNew;
    const dir = flows.dir;
    if (isNew) this.open(flow, ordinal);
    const r = this.rec;
    let b = r.reserve(LEN_FRAME);
    let i = r.len;
    b[i] = OP_FRAME;
    b[i + 1] = ordinal;
    b[i + 2] = flow.shardSlot;
    b[i + 3] = isNew ? 1 : 0;
    b[i + 4] = dir;
    b[i + 5] = frame.wirelen;
    b[i + 6] = frame.tsSec;
    b[i + 7] = frame.tsNsec;
    b[i + 8] = frame.index;
    r.len = i + LEN_FRAME;
    this.app.onPacket(flow, p, isNew, dir);
    b = r.reserve(LEN_PACKET);
    i = r.len;
    b[i] = OP_PACKET;
    b[i + 1] = ordinal;
    b[i + 2] = p.payLen;
    r.len = i + LEN_PACKET;
  };

  /** End of all input: every flow ends (the merge point orders these across workers). */
  finish(): void {
    this.ordinal++;
    this.flows.flushAll('shutdown');
  }

  /** This worker's counters (the merge point sums or picks them: sharded-replay.ts workersSnapshot). */
  stats(): ShardWorkerStats {
    const app = this.app.summary();
    return {
      flows: { ...this.flows.stats },
      decoder: { ...this.decoder.stats },
      decodeAnomalies: this.anomalies.toObject(),
      applayer: app.stats,
      applayerAnomalies: app.anomalies,
    };
  }

  /** The records and facts written since the last call (to post; the writer starts again). */
  take(): { recs: Float64Array; events: unknown[]; frames: Float64Array | undefined } {
    const events = this.events;
    this.events = [];
    return { recs: this.rec.take(), events, frames: this.writeFrames ? this.frames.take() : undefined };
  }

  private open(f: Flow, ordinal: number): void {
    f.shardSlot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.nextSlot++;
    const r = this.rec;
    const b = r.reserve(LEN_OPEN);
    const i = r.len;
    b[i] = OP_OPEN;
    b[i + 1] = ordinal;
    b[i + 2] = f.shardSlot;
    b[i + 3] = f.ipVersion;
    b[i + 4] = f.proto;
    b[i + 5] = f.a0;
    b[i + 6] = f.a1;
    b[i + 7] = f.a2;
    b[i + 8] = f.a3;
    b[i + 9] = f.aPort;
    b[i + 10] = f.b0;
    b[i + 11] = f.b1;
    b[i + 12] = f.b2;
    b[i + 13] = f.b3;
    b[i + 14] = f.bPort;
    b[i + 15] = f.firstSec;
    b[i + 16] = f.firstNsec;
    b[i + 17] = f.firstMs;
    b[i + 18] = f.initiator;
    b[i + 19] = (f.aHome ? 1 : 0) | (f.bHome ? 2 : 0);
    b[i + 20] = f.firstPacket;
    b[i + 21] = f.vlanOuter;
    b[i + 22] = f.vlanInner;
    r.len = i + LEN_OPEN;
  }

  private event(f: Flow, ev: AppEvent, at: EventTime): void {
    const r = this.rec;
    const b = r.reserve(LEN_EVENT);
    const i = r.len;
    b[i] = OP_EVENT;
    b[i + 1] = this.ordinal;
    b[i + 2] = f.shardSlot;
    b[i + 3] = at.tsSec;
    b[i + 4] = at.tsNsec;
    b[i + 5] = at.packet;
    b[i + 6] = this.events.length;
    r.len = i + LEN_EVENT;
    this.events.push(plainEvent(ev));
  }

  private flowEnd(f: Flow, why: FlowEndReason): void {
    const r = this.rec;
    let b = r.reserve(LEN_END_BEGIN);
    let i = r.len;
    b[i] = OP_END_BEGIN;
    b[i + 1] = this.ordinal;
    b[i + 2] = f.shardSlot;
    b[i + 3] = END_REASONS.indexOf(why);
    b[i + 4] = why === 'timeout' ? PHASE_EXPIRY : why === 'shutdown' ? PHASE_FLUSH : PHASE_OWNER;
    b[i + 5] = f.tclass;
    b[i + 6] = f.lastOrdinal;
    b[i + 7] = f.lastMs;
    r.len = i + LEN_END_BEGIN;
    this.app.onFlowEnd(f);
    b = r.reserve(LEN_END);
    i = r.len;
    b[i] = OP_END;
    b[i + 1] = this.ordinal;
    b[i + 2] = f.shardSlot;
    b[i + 3] = END_REASONS.indexOf(why);
    r.len = i + LEN_END;
    // The merge point is told in order, so the slot can name the next flow at once.
    this.freeSlots.push(f.shardSlot);
  }
}
