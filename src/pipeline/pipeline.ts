import { AppLayer } from '../applayer/app-layer.js';
import type { Frame } from '../capture/frame.js';
import { AnomalyCounters } from '../decode/anomalies.js';
import { PacketDecoder } from '../decode/index.js';
import { Packet } from '../decode/packet.js';
import { DetectEngine } from '../detect/engine.js';
import type { Detection } from '../detect/detection.js';
import type { Detector } from '../detect/detector.js';
import { initiatorOf, type DnsCache } from '../detect/hosts/dns-names.js';
import { HostState } from '../detect/hosts/host-state.js';
import type { RuleId } from '../detect/catalog.js';
import type { Flow } from '../flow/flow.js';
import { FlowTable, type FlowEndReason, type FlowTimeouts } from '../flow/table.js';
import type { CidrSet } from '../util/cidr.js';

export interface PipelineOptions {
  homeNet: CidrSet;
  maxFlows: number;
  timeouts: FlowTimeouts;
  detectors: Detector[];
  enabledRules: ReadonlySet<RuleId>;
  /** Every detection, in packet order (the alert builder and outputs sit behind this). */
  onDetection: (d: Detection) => void;
  /** Exclusions (--allow), checked when a rule fires. */
  exclude?: (d: Detection) => string | undefined;
  /** More enrichment of every detection, after its destination's DNS name (domain threat intel). */
  enrich?: (d: Detection) => void;
  /** A later stage that acts on the packet clock (aggregation windows) and flushes at the end. */
  timer?: PipelineTimer;
  /** The DNS answer cache (default: 65536 entries). The fuzzer gives each short case a small one. */
  dnsCache?: DnsCache;
  /** Bytes the app-layer parsers may hold together (default 64 MiB; applayer/memory.ts). */
  appMemcap?: number;
}

/** Told when the packet clock reaches `nextDeadlineMs`, and at the end of input (after the last flows ended). */
export interface PipelineTimer {
  nextDeadlineMs: number;
  advance(nowMs: number): void;
  finish(nowMs: number): void;
}

/** Per-run packet counters. */
export interface PipelineCounters {
  packets: number;
  bytes: number;
  /** Packets that reached the flow table (decoded to an IP tuple). */
  flowPackets: number;
  /** Packets whose time went backwards against the pipeline clock (merged or reordered inputs). */
  timeBackwards: number;
}

/**
 * Where a packet goes. One frame at a time, synchronously, in this order:
 *
 *   capture source -> decode -> flow table -> app-layer parsers -> detectors -> alert builder -> outputs
 *
 * The pipeline clock is the largest packet time seen: flow timeouts run on it, never on wall time,
 * so a replay gives the same alerts every time.
 */
export class Pipeline {
  readonly anomalies = new AnomalyCounters();
  readonly decoder: PacketDecoder;
  readonly flows: FlowTable;
  readonly detect: DetectEngine;
  readonly app: AppLayer;
  readonly counters: PipelineCounters = { packets: 0, bytes: 0, flowPackets: 0, timeBackwards: 0 };
  /** Pipeline clock (ms since the epoch, from packet timestamps). */
  clockMs = -Infinity;

  private readonly packet = new Packet();
  private readonly timer: PipelineTimer | undefined;
  private readonly moreEnrich: ((d: Detection) => void) | undefined;
  private readonly inHome: (v: number, w0: number, w1: number, w2: number, w3: number) => boolean;
  /** --home-net in force; swapped by applyReloadable (SIGHUP). Flows keep the direction they were created with. */
  private homeNet: CidrSet;

  constructor(opts: PipelineOptions) {
    this.decoder = new PacketDecoder(this.anomalies);
    this.app = new AppLayer({ onEvent: (f, ev, at) => this.detect.onAppEvent(f, ev, at), memcap: opts.appMemcap });
    this.detect = new DetectEngine({
      hosts: new HostState({ names: opts.dnsCache }),
      detectors: opts.detectors,
      enabled: opts.enabledRules,
      onDetection: opts.onDetection,
      enrich: (d) => this.enrich(d),
      exclude: opts.exclude,
    });
    this.flows = new FlowTable({
      maxFlows: opts.maxFlows,
      timeouts: opts.timeouts,
      onFlowEnd: (f: Flow, why: FlowEndReason) => {
        this.app.onFlowEnd(f);
        this.detect.onFlowEnd(f, why);
      },
    });
    this.homeNet = opts.homeNet;
    this.inHome = (v, w0, w1, w2, w3) => this.homeNet.has(v, w0, w1, w2, w3);
    this.timer = opts.timer;
    this.moreEnrich = opts.enrich;
  }

  /** Name of the current input ('-' for stdin, an interface for live capture); goes into alerts. */
  setInput(name: string): void {
    this.detect.input = name;
  }

  /** The FrameSink: one frame through every stage. */
  readonly onFrame = (frame: Frame): void => {
    this.frameArrived(frame.tsSec * 1000 + frame.tsNsec / 1e6, frame.wirelen);
    const c = this.counters;
    const p = this.packet;
    p.reset(frame);
    if (!this.decoder.decode(p)) return;
    c.flowPackets++;
    const flows = this.flows;
    const flow = flows.lookup(p, this.clockMs, this.inHome);
    const detect = this.detect;
    detect.nowMs = this.clockMs;
    if (flows.isNew) detect.flowOpened(flow, p);
    this.app.onPacket(flow, p, flows.isNew, flows.dir);
    detect.onPacket(flow, p, flows.isNew, flows.dir);
  };

  /**
   * A frame's share of the counters and the clock, before it is decoded: the packet clock moves (and
   * the aggregation timer with it) on every frame, decoded or not. A sharded replay calls this from the
   * merged stream, where decode, flows and the app layer ran in the workers (pipeline/shard/).
   */
  frameArrived(ms: number, wirelen: number): void {
    const c = this.counters;
    c.packets++;
    c.bytes += wirelen;
    if (ms >= this.clockMs) {
      this.clockMs = ms;
      const t = this.timer;
      if (t !== undefined && ms >= t.nextDeadlineMs) t.advance(ms);
    } else c.timeBackwards++;
  }

  /**
   * Swap the settings-derived state (home-net, enabled rules; relays, intel and exclusions when their
   * loaders plug into ReloadableState) between two frames, without touching flows or capture.
   */
  applyReloadable(state: { homeNet: CidrSet; enabledRules: ReadonlySet<RuleId> }): void {
    this.homeNet = state.homeNet;
    this.detect.setEnabled(state.enabledRules);
  }

  /**
   * Live capture only: time passes without packets, so idle flows are expired against the wall clock
   * (minus a margin for packets still queued in the kernel). Never moves the packet clock itself.
   */
  tick(wallMs: number, marginMs = 2000): void {
    const t = wallMs - marginMs;
    if (t <= this.clockMs) return;
    this.flows.expire(t);
    // Detectors waiting for time to pass (a flow that has lasted long enough) decide on the same clock.
    this.detect.advance(t);
    // Aggregation windows close on the same clock: an idle link still gets its summary alerts.
    const timer = this.timer;
    if (timer !== undefined && t >= timer.nextDeadlineMs) timer.advance(t);
  }

  /**
   * Every detection, any rule: the destination's name when DNS answered for it earlier (live in the
   * cache), then the options' enrichment (domain threat intel over every name the detection carries).
   */
  private enrich(d: Detection): void {
    if (d.destinationDomain === undefined) {
      const f = d.flow;
      const answer = this.detect.hosts.names.lookup(initiatorOf(f), f.ipVersion, f.b0, f.b1, f.b2, f.b3, this.clockMs);
      if (answer !== undefined) {
        d.destinationDomain = answer.name;
        d.resolvedBy = answer;
      }
    }
    this.moreEnrich?.(d);
  }

  /** End of all input: every remaining flow ends (detectors get their last word), then the timer's stage flushes. */
  finish(): void {
    this.flows.flushAll('shutdown');
    this.finishTimer();
  }

  /** The later stage's last word at the end of input (a sharded replay, after the workers' last flows ended). */
  finishTimer(): void {
    this.timer?.finish(this.clockMs);
  }
}
