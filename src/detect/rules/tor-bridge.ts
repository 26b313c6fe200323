import type { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { BridgeEntry } from '../../intel/bridges/bridge-set.js';
import { BUILTIN_BRIDGES_SOURCE } from '../../intel/bridges/builtin.js';
import type { IntelHolder } from '../../intel/intel.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { IndicatorMatch, TransportFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';

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

/** "Tor Browser's built-in list, current entry, compiled 2026-12-06" or "--bridges site.txt". */
export function listWords(e: BridgeEntry): string {
  if (e.source.builtin) return `Tor Browser's built-in bridges, ${e.status} entry, list compiled ${e.source.date}`;
  return `listed in --bridges ${e.source.name}`;
}

/** The bridge entry as torwatch.transport facts. */
export function bridgeFacts(e: BridgeEntry): TransportFacts {
  const t: TransportFacts = {
    name: e.line.transport,
    list: e.source.builtin ? 'builtin' : e.source.name,
    listStatus: e.status,
    listDate: e.source.date.length === 10 ? `${e.source.date}T00:00:00.000Z` : e.source.date,
  };
  if (e.line.fingerprint) t.fingerprint = e.line.fingerprint;
  if (e.seen?.length) t.details = { seen_in: e.seen };
  const iat = e.line.args['iat-mode'];
  if (iat !== undefined && /^[0-2]$/.test(iat)) (t.details ??= {}).iat_mode = Number(iat);
  return t;
}

function bridgeIndicator(flow: Flow, e: BridgeEntry): IndicatorMatch {
  return {
    type: flow.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr',
    value: flow.dstIp(),
    field: 'destination.ip',
    port: e.line.port,
    provider: e.source.builtin ? 'tor-browser-builtin-bridges' : 'torwatch-bridges-file',
    description: `Tor bridge (${e.line.transport})${e.source.builtin && e.status === 'past' ? ', from a past built-in list' : ''}`,
    confidence: e.source.builtin && e.status === 'past' ? 50 : 85,
    name: e.line.fingerprint,
    reference: e.source.builtin ? BUILTIN_BRIDGES_SOURCE : undefined,
    modifiedAt: e.source.date.length === 10 ? `${e.source.date}T00:00:00.000Z` : e.source.date,
  };
}
