import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { ruleById } from '../catalog.js';
import type { BitTorrentFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { clientSuffix, endpointFacts, homeClient, responderText, stampFields } from './torrent-facts.js';

const RULE = ruleById('torrent-peer')!;

/**
 * torrent-peer, what one flow shows (SPEC.md): a BitTorrent peer connection whose handshake was read,
 * over TCP, inside uTP, or in the clear after an MSE key exchange that chose plaintext; or a uTP
 * connection proven over several packets (bittorrent/utp-track.ts). Names the info_hash, each side's
 * peer id and client, and the transport. Stamped with the first handshake (or uTP packet) seen.
 * Encrypted connections and mid-stream pickups need other flows' evidence: torrent-association.ts.
 */
export class TorrentPeerDetector implements Detector {
  readonly name = 'torrent-peer';
  readonly appEvents: readonly AppEventKind[] = ['bt-peer-wire'];

  onAppEvent(flow: Flow, ev: AppEvent, _at: EventTime, ctx: DetectContext): void {
    if (ev.kind !== 'bt-peer-wire' || (flow.fired & (1 << RULE.index)) !== 0 || !ctx.enabled(RULE.index)) return;
    const [a, b] = ev.sides;
    const facts: BitTorrentFacts = { transport: ev.transport, via: ev.via };
    const hashes = [...new Set([a?.infoHash, b?.infoHash].filter((h): h is string => h !== undefined))];
    if (hashes.length) facts.infoHashes = hashes;
    if (a) facts.source = endpointFacts(a);
    if (b) facts.destination = endpointFacts(b);
    const client = homeClient(flow, facts.source?.client, facts.destination?.client);
    if (client) facts.client = client;
    if (ev.via === 'mse-plaintext') facts.encrypted = false;
    if (ev.utpConnections !== undefined) facts.utp = { connections: ev.utpConnections, packets: ev.utpPackets ?? 0 };
    const over = ev.transport === 'utp' ? ' over uTP' : '';
    const what = hashes.length
      ? `a BitTorrent peer handshake${over} for info_hash ${hashes[0]}${ev.via === 'mse-plaintext' ? ' after an MSE key exchange (plaintext chosen)' : ''}`
      : `a uTP (BitTorrent) connection`;
    ctx.fire({
      rule: RULE,
      flow,
      ...stampFields(ev.at),
      message: `${flow.srcIp()} and ${responderText(flow)}: ${what}${clientSuffix(client)}`,
      bittorrent: facts,
    });
  }
}
