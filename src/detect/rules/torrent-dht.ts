import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { ruleById } from '../catalog.js';
import type { BitTorrentFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { clientFromDhtVersion } from './torrent-clients.js';
import { clientSuffix, endpointText } from './torrent-facts.js';

const RULE = ruleById('torrent-dht')!;
const TYPES = { q: 'query', r: 'response', e: 'error' } as const;

/**
 * torrent-dht (SPEC.md): a Mainline DHT KRPC message (BEP 5), strictly decoded by the app layer
 * (bittorrent/krpc.ts). One alert per flow, at its first message; names the query, the node id, the
 * info_hash or target, and the client from the message's `v`.
 */
export class TorrentDhtDetector implements Detector {
  readonly name = 'torrent-dht';
  readonly appEvents: readonly AppEventKind[] = ['bt-dht'];

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if (ev.kind !== 'bt-dht' || (flow.fired & (1 << RULE.index)) !== 0 || !ctx.enabled(RULE.index)) return;
    const dht: NonNullable<BitTorrentFacts['dht']> = { type: TYPES[ev.y] };
    if (ev.q !== undefined) dht.query = ev.q;
    if (ev.t !== undefined) dht.transactionId = ev.t;
    if (ev.id !== undefined) dht.nodeId = ev.id;
    if (ev.v !== undefined) dht.version = ev.v;
    if (ev.target !== undefined) dht.target = ev.target;
    if (ev.port !== undefined) dht.port = ev.port;
    if (ev.values.length) dht.peers = ev.values.length;
    if (ev.nodes) dht.nodes = ev.nodes;
    if (ev.errorCode !== undefined) dht.errorCode = ev.errorCode;
    if (ev.errorMessage !== undefined) dht.errorMessage = ev.errorMessage;
    const facts: BitTorrentFacts = { transport: 'udp', dht };
    if (ev.infoHash !== undefined) facts.infoHashes = [ev.infoHash];
    const client = clientFromDhtVersion(ev.vCode, ev.v);
    if (client) facts.client = client;
    const [from, to] = ev.dir === 0 ? [flow.srcIp(), endpointText(flow.dstIp(), flow.bPort)] : [endpointText(flow.dstIp(), flow.bPort), flow.srcIp()];
    const what = ev.y === 'q' ? `a DHT ${ev.q} query` : ev.y === 'r' ? 'a DHT response' : `a DHT error ${ev.errorCode ?? ''}`.trimEnd();
    ctx.fire({
      rule: RULE,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      message: `${from} sent ${what} to ${to}${clientSuffix(client)}`,
      bittorrent: facts,
    });
  }
}
