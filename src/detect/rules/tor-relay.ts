import type { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowRelayFacts, IntelHolder } from '../../intel/intel.js';
import { roleNames } from '../../intel/relays/model.js';
import { PortMatch, type RelayMatch } from '../../intel/relays/relay-set.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { IndicatorMatch } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { factFor, notRunningNote, portPhrase, portWord, relayIndicator, relayLabel, sideIp, staleNote, tiFor, tiIndicator, type Side } from './relay-facts.js';

/**
 * The three situations tor-relay tells apart (each with its own message and labels):
 *  - client_to_relay: a host connects out to a listed relay (Tor client use; seed 000's join, and the
 *    direction Suricata's ET TOR rules do not cover);
 *  - relay_to_internal: a listed relay opens a connection into home-net;
 *  - internal_relay: a home-net address is itself a listed relay (someone runs a relay inside).
 * (relay_to_host: a relay connecting to a host that is not in home-net either, seen on a transit tap.)
 */
export type RelayCase = 'client_to_relay' | 'relay_to_internal' | 'relay_to_host' | 'internal_relay';

export interface RelayDecision {
  kind: RelayCase;
  /** The endpoint the alert is about. */
  side: Side;
  match: RelayMatch;
}

/**
 * Decide from the flow's direction (--home-net) and which endpoints are listed relays at the flow's
 * time. "Remote" is the side outside home-net (SPEC.md); with neither side inside (a transit tap),
 * the responder is checked first. A home-net relay outranks the remote one: that it is a relay at all
 * is the finding, and the peer is reported beside it.
 */
export function relayDecision(flow: Flow, facts: FlowRelayFacts): RelayDecision | undefined {
  const { a, b } = facts;
  if (flow.bHome && b) return { kind: 'internal_relay', side: 'b', match: b };
  if (flow.aHome && a) return { kind: 'internal_relay', side: 'a', match: a };
  if (!flow.bHome && b) return { kind: 'client_to_relay', side: 'b', match: b };
  if (!flow.aHome && a) return { kind: flow.bHome ? 'relay_to_internal' : 'relay_to_host', side: 'a', match: a };
  return undefined;
}

export class TorRelayDetector implements Detector {
  readonly name = 'tor-relay';
  private readonly rule: RuleDef = ruleById('tor-relay')!;

  constructor(private readonly intel: IntelHolder) {}

  onFlowStart(flow: Flow, p: Packet, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index)) return;
    const facts = this.intel.flowFacts(flow);
    if (!facts.a && !facts.b) return;
    const d = relayDecision(flow, facts);
    if (!d) return;
    const m = d.match;
    const other: Side = d.side === 'a' ? 'b' : 'a';
    const indicators: IndicatorMatch[] = [relayIndicator(flow, d.side, m)];
    const otherMatch = factFor(facts, other);
    if (otherMatch) indicators.push(relayIndicator(flow, other, otherMatch));
    for (const s of [d.side, other] as const) {
      const ti = tiFor(facts, s);
      if (ti) indicators.push(tiIndicator(flow, s, ti));
    }
    const labels: Record<string, string> = {
      tor_relay_case: d.kind,
      tor_relay_roles: roleNames(m.roles).join(','),
      tor_port_match: portWord(m),
      tor_relay_list: m.stale ? 'stale' : m.early ? 'early' : 'current',
    };
    if (m.running !== undefined) labels.tor_relay_running = String(m.running);
    ctx.fire({
      rule: this.rule,
      flow,
      tsSec: p.frame.tsSec,
      tsNsec: p.frame.tsNsec,
      packet: p.frame.index,
      message: relayMessage(flow, d),
      // Listed but not running: the address may have moved on; the evidence is weaker (SPEC.md, tor-relay).
      confidence: m.running === false ? 'low' : m.portMatch !== PortMatch.None ? 'high' : 'medium',
      labels,
      indicators,
    });
  }
}

function relayMessage(flow: Flow, d: RelayDecision): string {
  const src = sideIp(flow, 'a');
  const dst = sideIp(flow, 'b');
  const m = d.match;
  const port = portPhrase(m);
  const stale = staleNote(m, 'relay list') + notRunningNote(m);
  switch (d.kind) {
    case 'client_to_relay':
      return `${src} connected to Tor relay ${dst}:${flow.bPort} (${relayLabel(m)}; ${port})${stale}`;
    case 'relay_to_internal':
      return `Tor relay ${src} (${relayLabel(m)}) connected to ${dst}:${flow.bPort} inside home-net${stale}`;
    case 'relay_to_host':
      return `Tor relay ${src} (${relayLabel(m)}) connected to ${dst}:${flow.bPort}${stale}`;
    case 'internal_relay':
      return d.side === 'b'
        ? `${src} connected to ${dst}:${flow.bPort}, a listed Tor relay inside home-net (${relayLabel(m)}; ${port})${stale}`
        : `${src}, a listed Tor relay inside home-net (${relayLabel(m)}), connected to ${dst}:${flow.bPort}${stale}`;
  }
}
