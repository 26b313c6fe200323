import type { AppEvent, AppEventKind, EventTime } from '../applayer/events.js';
import type { Packet } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import type { FlowEndReason } from '../flow/table.js';
import type { Finding } from './detection.js';
import type { HostState } from './hosts/host-state.js';

/**
 * A detector implements one or more rules. The engine calls it with flow-level facts; the detector
 * decides and reports through `ctx.fire`, which enforces one alert per flow and rule.
 */
export interface DetectContext {
  /** Report a detection; returns false when this rule already fired on the flow or is disabled. */
  fire(f: Finding): boolean;
  /** Whether a rule is enabled (skip work for disabled rules). */
  enabled(ruleIndex: number): boolean;
  /** Cross-flow state: DNS names and per-host evidence (see hosts/host-state.ts for the rules of use). */
  readonly hosts: HostState;
  /** The pipeline clock (ms since the epoch, from packets). */
  readonly nowMs: number;
}

export interface Detector {
  readonly name: string;
  /**
   * 'flow' (the default): decides from one flow's packets and facts plus the read-only intel (relay
   * lists, bridges). 'host': decides across flows through `ctx.hosts` (a host's earlier DHT, tracker or
   * transport activity). The difference matters when the pipeline is sharded over workers: a 'flow'
   * detector runs beside its flows in every worker; a 'host' detector runs once, where every worker's
   * facts arrive in packet order (hosts/host-state.ts says what such a detector may read of a Flow).
   * A detector that does both is two detectors.
   */
  readonly scope?: 'flow' | 'host';
  /**
   * The packet that created the flow: the initiator, the 5-tuple and its first timestamp are known.
   * Rules decided by who talks to whom (ports, relay lists) act here, once per flow.
   */
  onFlowStart?(flow: Flow, p: Packet, ctx: DetectContext): void;
  /**
   * Every packet of a flow after the flow table placed it; `isNew` on the packet that created it.
   * `dir` is 0 for initiator -> responder. Only for rules that need every packet: it runs per packet.
   */
  onPacket?(flow: Flow, p: Packet, isNew: boolean, dir: number, ctx: DetectContext): void;
  /**
   * A fact from the app-layer parsers (DNS question, TLS hello or certificate, HTTP request, QUIC
   * ClientHello...) about `flow`. `at` is the time and packet that completed it; it is reused, so copy
   * its values to keep them.
   */
  onAppEvent?(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void;
  /**
   * The kinds of AppEvent `onAppEvent` reads (default: every kind). The engine hands each event only to
   * the detectors that read its kind, as Suricata's rule groups do: most events are of kinds one or two
   * rules care about, and a call per detector per event was a measurable share of a replay.
   */
  readonly appEvents?: readonly AppEventKind[];
  /** The flow left the table (timeout, eviction, end of input). */
  onFlowEnd?(flow: Flow, reason: FlowEndReason, ctx: DetectContext): void;
  /**
   * Decisions that wait for time to pass (a flow that has lasted long enough): the engine calls
   * `onClock` once the pipeline clock reaches `clockDeadlineMs` (Infinity: nothing pending). Packet
   * time, never wall time; the detector moves its own deadline.
   */
  readonly clockDeadlineMs?: number;
  /** `at`: the packet being processed when the clock moved (packet 0 on live capture's idle tick). */
  onClock?(nowMs: number, at: EventTime, ctx: DetectContext): void;
}
