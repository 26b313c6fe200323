import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { ruleById } from '../catalog.js';
import type { BitTorrentFacts, Finding } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { clientFromPeerId, clientFromUserAgent } from './torrent-clients.js';
import { clientSuffix, responderText, stampFields } from './torrent-facts.js';

const RULE = ruleById('torrent-tracker')!;

/**
 * torrent-tracker (SPEC.md): a tracker announce or scrape, over HTTP (a GET whose info_hash decodes to
 * 20 bytes, with peer_id and port for an announce: bittorrent/http-tracker.ts) or UDP (BEP 15, from the
 * connect request's protocol id: bittorrent/udp-tracker.ts). A UDP session that never got past
 * connect is reported as such at its end. Names the info hashes, the event, the announced port and the
 * client (from the peer id, else the User-Agent).
 */
export class TorrentTrackerDetector implements Detector {
  readonly name = 'torrent-tracker';
  readonly appEvents: readonly AppEventKind[] = ['bt-tracker'];

  onAppEvent(flow: Flow, ev: AppEvent, _at: EventTime, ctx: DetectContext): void {
    if (ev.kind !== 'bt-tracker' || (flow.fired & (1 << RULE.index)) !== 0 || !ctx.enabled(RULE.index)) return;
    const tracker: NonNullable<BitTorrentFacts['tracker']> = { action: ev.action };
    if (ev.event !== undefined) tracker.event = ev.event;
    if (ev.port !== undefined) tracker.port = ev.port;
    if (ev.numwant !== undefined) tracker.numwant = ev.numwant;
    if (ev.peerId !== undefined) tracker.peerId = ev.peerId;
    const facts: BitTorrentFacts = { transport: ev.transport, tracker };
    if (ev.infoHashes.length) facts.infoHashes = ev.infoHashes;
    const client = (ev.peerId !== undefined ? clientFromPeerId(ev.peerId) : undefined) ?? (ev.userAgent !== undefined ? clientFromUserAgent(ev.userAgent) : undefined);
    if (client) facts.client = client;
    const hash = ev.infoHashes.length ? ` for info_hash ${ev.infoHashes[0]}${ev.infoHashes.length > 1 ? ` (+${ev.infoHashes.length - 1})` : ''}` : '';
    const how = ev.transport === 'http' ? 'an HTTP' : 'a UDP';
    const f: Finding = {
      rule: RULE,
      flow,
      ...stampFields(ev.at),
      message: `${flow.srcIp()} sent ${how} tracker ${ev.action}${hash} to ${responderText(flow)}${clientSuffix(client)}`,
      bittorrent: facts,
    };
    if (ev.transport === 'http' && ev.target !== undefined) {
      const q = ev.target.indexOf('?');
      f.http = { method: 'GET', target: ev.target, path: ev.path, query: q >= 0 ? ev.target.slice(q + 1) : undefined, domain: ev.host, userAgent: ev.userAgent };
    }
    ctx.fire(f);
  }
}
