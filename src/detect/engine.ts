import type { AppEvent, AppEventKind, EventTime } from '../applayer/events.js';
import type { Packet } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import type { FlowEndReason } from '../flow/table.js';
import { RULES, type RuleId } from './catalog.js';
import type { Detection, Finding } from './detection.js';
import type { DetectContext, Detector } from './detector.js';
import { initiatorOf } from './hosts/dns-names.js';
import { HostState } from './hosts/host-state.js';

export interface DetectEngineOptions {
  detectors: Detector[];
  /** Rule ids that may alert; others are skipped before any work. */
  enabled: ReadonlySet<RuleId>;
  /** Receives every accepted detection, in packet order. */
  onDetection: (d: Detection) => void;
  /** Adds flow-level context to every detection, whatever its rule (e.g. destination.domain), before exclusions see it. */
  enrich?: (d: Detection) => void;
  /** Exclusions (--allow): the entry that suppresses this detection, or undefined. */
  exclude?: (d: Detection) => string | undefined;
  /** Cross-flow state (default: a new one). */
  hosts?: HostState;
}

/**
 * Runs the detectors and keeps their promises: a disabled rule never fires, and a rule fires at most
 * once per flow (SPEC.md: one alert per flow). Counts per rule for the run summary.
 *
 * It also keeps the host state current before any detector looks at it: a DNS answer is filed
 * (address -> name) before detectors hear of it, and a new flow to an address DNS answered earlier is
 * told to detectors as a `resolved-destination` fact before anything else about that flow.
 */
export class DetectEngine implements DetectContext {
  /** Name of the input being read ('-' for stdin, the interface for live capture): every detection carries it. */
  input = '-';
  /** The pipeline clock (ms, from packets), set by the pipeline before each packet. */
  nowMs = 0;
  readonly hosts: HostState;
  readonly firedByRule: Record<string, number> = {};
  /** Matches suppressed by --allow, per rule (one per flow and rule, like alerts). */
  readonly excludedByRule: Record<string, number> = {};
  private enabledMask: number;
  private readonly startHooks: Detector[];
  private readonly packetHooks: Detector[];
  private readonly endHooks: Detector[];
  /** Per event kind, the detectors that read it (detector.appEvents), in registry order; filled as kinds first appear. */
  private readonly appHooks = new Map<AppEventKind, Detector[]>();
  private readonly appDetectors: Detector[];
  private readonly clockHooks: Detector[];

  constructor(private readonly opts: DetectEngineOptions) {
    this.hosts = opts.hosts ?? new HostState();
    this.enabledMask = ruleMask(opts.enabled);
    this.startHooks = opts.detectors.filter((d) => d.onFlowStart);
    this.packetHooks = opts.detectors.filter((d) => d.onPacket);
    this.endHooks = opts.detectors.filter((d) => d.onFlowEnd);
    this.appDetectors = opts.detectors.filter((d) => d.onAppEvent);
    this.clockHooks = opts.detectors.filter((d) => d.onClock);
  }

  /** Change which rules may fire (SIGHUP reload); flows that already alerted keep their marks. */
  setEnabled(enabled: ReadonlySet<RuleId>): void {
    this.enabledMask = ruleMask(enabled);
  }

  enabled(ruleIndex: number): boolean {
    return (this.enabledMask & (1 << ruleIndex)) !== 0;
  }

  fire(f: Finding): boolean {
    const bit = 1 << f.rule.index;
    if ((this.enabledMask & bit) === 0 || (f.flow.fired & bit) !== 0) return false;
    f.flow.fired |= bit;
    const d: Detection = Object.assign(f, { input: this.input });
    // Enrich first: a `domain:` exclusion may match the destination name DNS gave earlier.
    this.opts.enrich?.(d);
    // Exclusions apply to every rule; the flow's bit stays set so the rule does not retry it.
    if (this.opts.exclude?.(d) !== undefined) {
      this.excludedByRule[d.rule.id] = (this.excludedByRule[d.rule.id] ?? 0) + 1;
      return false;
    }
    this.firedByRule[d.rule.id] = (this.firedByRule[d.rule.id] ?? 0) + 1;
    this.opts.onDetection(d);
    return true;
  }

  /**
   * A flow was created by packet `p`, before the app layer reads that packet: when DNS answered for its
   * responder's address, detectors hear it first (a connection is named by the lookup that preceded it).
   */
  flowOpened(flow: Flow, p: Packet): void {
    // Only what the initiator itself was told: another host's answer (or one spoofed to it) names nothing here.
    const answer = this.hosts.names.lookup(initiatorOf(flow), flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, this.nowMs);
    if (answer === undefined) return;
    const at: EventTime = { tsSec: p.frame.tsSec, tsNsec: p.frame.tsNsec, packet: p.frame.index };
    this.onAppEvent(flow, { kind: 'resolved-destination', name: answer.name, answer }, at);
  }

  onPacket(flow: Flow, p: Packet, isNew: boolean, dir: number): void {
    if (this.clockHooks.length) this.advance(this.nowMs, p.frame.tsSec, p.frame.tsNsec, p.frame.index);
    if (isNew) {
      const start = this.startHooks;
      for (let i = 0; i < start.length; i++) start[i].onFlowStart!(flow, p, this);
    }
    const hooks = this.packetHooks;
    for (let i = 0; i < hooks.length; i++) hooks[i].onPacket!(flow, p, isNew, dir, this);
  }

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime): void {
    if (ev.kind === 'dns-answer') {
      const names = this.hosts.names;
      const answer = { name: ev.name, resolver: ev.resolver, tsSec: at.tsSec, tsNsec: at.tsNsec, querySeen: ev.querySeen };
      for (const r of ev.records) {
        const w = r.words;
        names.insert(ev.client, r.version, w[0], w[1], w[2], w[3], answer, r.ttl, this.nowMs);
      }
    }
    let hooks = this.appHooks.get(ev.kind);
    if (hooks === undefined) {
      const kind = ev.kind;
      hooks = this.appDetectors.filter((d) => d.appEvents === undefined || d.appEvents.includes(kind));
      this.appHooks.set(kind, hooks);
    }
    for (let i = 0; i < hooks.length; i++) hooks[i].onAppEvent!(flow, ev, at, this);
  }

  /** The pipeline clock moved to `nowMs` (a packet, or live capture's idle tick): detectors whose deadline passed decide. */
  advance(nowMs: number, tsSec = Math.floor(nowMs / 1000), tsNsec = Math.round((nowMs % 1000) * 1e6), packet = 0): void {
    const hooks = this.clockHooks;
    for (let i = 0; i < hooks.length; i++) {
      const d = hooks[i];
      if (nowMs >= (d.clockDeadlineMs ?? Infinity)) d.onClock!(nowMs, { tsSec, tsNsec, packet }, this);
    }
  }

  onFlowEnd(flow: Flow, reason: FlowEndReason): void {
    for (const d of this.endHooks) d.onFlowEnd!(flow, reason, this);
  }
}

function ruleMask(enabled: ReadonlySet<RuleId>): number {
  let mask = 0;
  for (const r of RULES) if (enabled.has(r.id)) mask |= 1 << r.index;
  return mask;
}
