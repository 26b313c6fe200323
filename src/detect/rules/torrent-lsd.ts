import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { ruleById } from '../catalog.js';
import type { BitTorrentFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';

const RULE = ruleById('torrent-lsd')!;

/**
 * torrent-lsd (SPEC.md): a BitTorrent Local Service Discovery announcement (BEP 14, `BT-SEARCH *
 * HTTP/1.1` with a Port and Infohash: bittorrent/lsd.ts), usually multicast to 239.192.152.143:6771 or
 * [ff15::efc0:988f]:6771. Names the info hashes and the announced listen port.
 */
export class TorrentLsdDetector implements Detector {
  readonly name = 'torrent-lsd';
  readonly appEvents: readonly AppEventKind[] = ['bt-lsd'];

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if (ev.kind !== 'bt-lsd' || (flow.fired & (1 << RULE.index)) !== 0 || !ctx.enabled(RULE.index)) return;
    const facts: BitTorrentFacts = { transport: 'udp', infoHashes: ev.infoHashes, lsd: { port: ev.port, ...(ev.cookie !== undefined ? { cookie: ev.cookie } : {}) } };
    const sender = ev.dir === 0 ? flow.srcIp() : flow.dstIp();
    ctx.fire({
      rule: RULE,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      message: `${sender} announced ${ev.infoHashes.length} torrent(s) on port ${ev.port} by BitTorrent Local Service Discovery (info_hash ${ev.infoHashes[0]})`,
      bittorrent: facts,
    });
  }
}
