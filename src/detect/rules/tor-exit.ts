import type { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowRelayFacts, IntelHolder } from '../../intel/intel.js';
import { Role } from '../../intel/relays/model.js';
import type { RelayMatch } from '../../intel/relays/relay-set.js';
import type { Indicator } from '../../intel/ti/indicator.js';
import { ruleById, type RuleDef, type Severity } from '../catalog.js';
import type { IndicatorMatch } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { notRunningNote, relayIndicator, relayLabel, sideIp, staleNote, tiFor, tiIndicator, type Side } from './relay-facts.js';

/** Seed 002's risk levels. */
export type RiskLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

const SEVERITY: Readonly<Record<RiskLevel, Severity>> = { CRITICAL: 'critical', HIGH: 'high', MEDIUM: 'medium', LOW: 'low' };

/**
 * Seed 002's RiskLevel, exactly:
 *   TI hit with confidence >= 80 -> CRITICAL; any other TI hit -> HIGH;
 *   else outbound to Tor -> MEDIUM; else (inbound from Tor) -> LOW.
 */
export function riskLevel(toExit: boolean, ti: Indicator | undefined): RiskLevel {
  if (ti) return (ti.confidence ?? 0) >= 80 ? 'CRITICAL' : 'HIGH';
  return toExit ? 'MEDIUM' : 'LOW';
}

export interface ExitDecision {
  /** to_exit: the initiator connected to the exit (outbound); from_exit: the exit connected in. */
  kind: 'to_exit' | 'from_exit';
  side: Side;
  match: RelayMatch;
}

function isExit(m: RelayMatch | undefined): m is RelayMatch {
  return m !== undefined && (m.roles & Role.Exit) !== 0;
}

/**
 * The remote endpoint (outside home-net) is a known exit address at the flow's time. An exit inside
 * home-net is an internal relay: tor-relay reports it. On a transit tap (neither side inside), the
 * responder is checked first.
 */
export function exitDecision(flow: Flow, facts: FlowRelayFacts): ExitDecision | undefined {
  if (!flow.bHome && isExit(facts.b)) return { kind: 'to_exit', side: 'b', match: facts.b };
  if (!flow.aHome && isExit(facts.a)) return { kind: 'from_exit', side: 'a', match: facts.a };
  return undefined;
}

export class TorExitDetector implements Detector {
  readonly name = 'tor-exit';
  private readonly rule: RuleDef = ruleById('tor-exit')!;

  constructor(private readonly intel: IntelHolder) {}

  onFlowStart(flow: Flow, p: Packet, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index)) return;
    const facts = this.intel.flowFacts(flow);
    if (!facts.a && !facts.b) return;
    const d = exitDecision(flow, facts);
    if (!d) return;
    const ti = tiFor(facts, d.side);
    const risk = riskLevel(d.kind === 'to_exit', ti);
    const indicators: IndicatorMatch[] = [relayIndicator(flow, d.side, d.match)];
    if (ti) indicators.push(tiIndicator(flow, d.side, ti));
    const src = sideIp(flow, 'a');
    const dst = sideIp(flow, 'b');
    const tiText = ti ? `; threat intel (${ti.provider}): ${ti.threatType ?? ti.description ?? ti.value}${ti.confidence !== undefined ? `, confidence ${ti.confidence}` : ''}` : '';
    const stale = staleNote(d.match, 'exit list') + notRunningNote(d.match);
    const message = d.kind === 'to_exit'
      ? `${src} connected to Tor exit node ${dst}:${flow.bPort} (${relayLabel(d.match)}); risk ${risk}${tiText}${stale}`
      : `Tor exit node ${src} (${relayLabel(d.match)}) connected in to ${dst}:${flow.bPort}; risk ${risk}${tiText}${stale}`;
    ctx.fire({
      rule: this.rule,
      flow,
      tsSec: p.frame.tsSec,
      tsNsec: p.frame.tsNsec,
      packet: p.frame.index,
      message,
      severity: SEVERITY[risk],
      // An exit list says nothing about ports: confidence is about the list being current, and about
      // the exit running (a listed but stopped exit is weaker evidence).
      confidence: d.match.running === false ? 'low' : d.match.stale ? 'medium' : 'high',
      labels: {
        tor_exit_flow: d.kind,
        risk_level: risk,
        ti_hit: ti ? 'true' : 'false',
        tor_relay_list: d.match.stale ? 'stale' : d.match.early ? 'early' : 'current',
        ...(d.match.running !== undefined ? { tor_relay_running: String(d.match.running) } : {}),
      },
      indicators,
    });
  }
}
