import type { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { IntelHolder } from '../../intel/intel.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { DetectContext, Detector } from '../detector.js';
import { bridgeFacts, bridgeIndicator, listWords } from './bridge-facts.js';

const TCP = 6;

/**
 * tor-bridge (seeds 001/002, SPEC.md): a TCP connection to a listed bridge's address and port: Tor
 * Browser's built-in bridges (intel/bridges/builtin.ts, current and past entries) or a --bridges file.
 * Decided when the flow starts, from who talks to whom (one lookup per flow, by address words). Only
 * transports whose client dials the listed address have endpoints: meek's and Snowflake's addresses
 * are placeholders (their names feed tor-meek and tor-snowflake instead).
 *
 * Confidence: high for the user's own lines and Tor Browser's current list; medium for a past built-in
 * entry (the bridge may have moved on and the address been reused).
 */
export class TorBridgeDetector implements Detector {
  readonly name = 'tor-bridge';
  private readonly rule: RuleDef = ruleById('tor-bridge')!;

  constructor(private readonly intel: IntelHolder) {}

  onFlowStart(flow: Flow, p: Packet, ctx: DetectContext): void {
    if (flow.proto !== TCP || !ctx.enabled(this.rule.index)) return;
    const e = this.intel.current.bridges.lookup(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort);
    if (!e) return;
    const dst = flow.dstIp();
    const dstPort = flow.ipVersion === 6 ? `[${dst}]:${flow.bPort}` : `${dst}:${flow.bPort}`;
    ctx.fire({
      rule: this.rule,
      flow,
      tsSec: p.frame.tsSec,
      tsNsec: p.frame.tsNsec,
      packet: p.frame.index,
      message: `${flow.srcIp()} connected to Tor bridge ${dstPort} (${transportWord(e.line.transport)}; ${listWords(e)})`,
      confidence: e.source.builtin && e.status === 'past' ? 'medium' : 'high',
      labels: { tor_bridge_transport: e.line.transport, tor_bridge_list: e.source.builtin ? `builtin-${e.status}` : 'user' },
      indicators: [bridgeIndicator(flow, e)],
      transport: bridgeFacts(e),
    });
  }
}

function transportWord(t: string): string {
  return t === 'vanilla' ? 'a plain bridge, no pluggable transport' : t;
}
