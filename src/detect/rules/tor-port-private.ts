import { IpProto, type Packet } from '../../decode/packet.js';
import { Initiator, type Flow } from '../../flow/flow.js';
import { CidrSet } from '../../util/cidr.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { DetectContext, Detector } from '../detector.js';

/**
 * Seed 004 (Elastic "Tor Activity to the Internet", version 7) on the wire, exactly:
 *   network.transport:tcp and destination.port:(9001 or 9030)
 *   and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16)
 *   and not destination.ip:(10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4, ::1, fe80::/10, ff00::/8)
 * `source` is the flow initiator, so the rule is decided by the packet that creates the flow.
 * The ranges are the seed's own, not --home-net: the rule must behave like Elastic's everywhere.
 */
const SOURCE_RANGES = CidrSet.parse(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
const EXCLUDED_DESTINATIONS = CidrSet.parse([
  '10.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16', '224.0.0.0/4',
  '::1/128', 'fe80::/10', 'ff00::/8',
]);
export const TOR_PORTS: ReadonlySet<number> = new Set([9001, 9030]);

/** The seed's condition on a flow (exported for tests and for other detectors that cite it). */
export function matchesTorPortPrivate(f: Flow): boolean {
  return f.proto === IpProto.TCP && TOR_PORTS.has(f.bPort) &&
    SOURCE_RANGES.has(f.ipVersion, f.a0, f.a1, f.a2, f.a3) &&
    !EXCLUDED_DESTINATIONS.has(f.ipVersion, f.b0, f.b1, f.b2, f.b3);
}

export class TorPortPrivateDetector implements Detector {
  readonly name = 'tor-port-private';
  private readonly rule: RuleDef = ruleById('tor-port-private')!;

  onFlowStart(flow: Flow, p: Packet, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index) || !matchesTorPortPrivate(flow)) return;
    const src = flow.srcIp();
    const dst = flow.dstIp();
    ctx.fire({
      rule: this.rule,
      flow,
      tsSec: p.frame.tsSec,
      tsNsec: p.frame.tsNsec,
      packet: p.frame.index,
      message: flow.initiator === Initiator.SYN || flow.initiator === Initiator.SYN_ACK
        ? `${src} opened TCP to ${dst}:${flow.bPort}, a Tor ORPort/DirPort default, from a private address`
        // Caught mid-stream: who opened it is inferred (torwatch.flow.initiator_from says how).
        : `${src} talked TCP to ${dst}:${flow.bPort}, a Tor ORPort/DirPort default, from a private address (handshake not seen; ${flow.initiator === Initiator.SERVER_PORT ? `${dst}:${flow.bPort} taken as the server by its port` : 'the first packet\'s sender taken as the client'})`,
      labels: { tor_port: flow.bPort === 9001 ? 'orport' : 'dirport' },
    });
  }
}
