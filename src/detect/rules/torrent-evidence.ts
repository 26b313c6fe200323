import type { BtPeerAddress, BtStamp } from '../../applayer/bittorrent/events.js';
import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import { formatIp } from '../../util/ip.js';
import type { DetectContext, Detector } from '../detector.js';
import { addCapped, addClient, BtActivity, MAX_INFO_HASHES, MAX_LISTEN_PORTS, type BitTorrentHosts, type BtHostRecord } from '../hosts/bittorrent.js';
import { clientFromDhtVersion, clientFromPeerId, clientFromUserAgent } from './torrent-clients.js';
import { clientOfSide } from './torrent-facts.js';

/** One end of a flow: 0 the initiator (A), 1 the responder (B). */
interface End {
  v: 4 | 6;
  w: [number, number, number, number];
}

function end(flow: Flow, dir: number): End {
  return dir === 0
    ? { v: flow.ipVersion, w: [flow.a0, flow.a1, flow.a2, flow.a3] }
    : { v: flow.ipVersion, w: [flow.b0, flow.b1, flow.b2, flow.b3] };
}

const ip = (e: End): string => formatIp(e.v, e.w[0], e.w[1], e.w[2], e.w[3]);

/** A stamp an event carried, as packet-clock milliseconds. */
const stampMs = (s: BtStamp): number => s.tsSec * 1000 + s.tsNsec / 1e6;

/**
 * Files BitTorrent facts as host evidence (hosts/bittorrent.ts), for the rules that decide across flows
 * (torrent-association.ts) and for the report: who did DHT, tracker, LSD or peer wire, with which
 * clients and info hashes; which peers each host was given (DHT values, tracker responses, PEX); which
 * endpoints are listen ports (LSD, tracker announce, DHT announce_peer, accepted peer connections). It
 * raises nothing. Host scope: it reads only the flow's addresses and ports and the events' own fields.
 */
export class TorrentEvidenceRecorder implements Detector {
  readonly name = 'torrent-evidence';
  readonly appEvents: readonly AppEventKind[] = ['bt-dht', 'bt-tracker', 'bt-tracker-response', 'bt-pex', 'bt-lsd', 'bt-peer-wire'];
  readonly scope = 'host' as const;

  onAppEvent(flow: Flow, ev: AppEvent, _at: EventTime, ctx: DetectContext): void {
    const bt = ctx.hosts.bittorrent;
    const now = ctx.nowMs;
    switch (ev.kind) {
      case 'bt-dht': {
        const sender = end(flow, ev.dir);
        const r = seen(bt, sender, BtActivity.DHT, now);
        const c = clientFromDhtVersion(ev.vCode, ev.v);
        if (c) addClient(r, c);
        if (ev.infoHash !== undefined) addHash(r, ev.infoHash);
        learnAll(bt, end(flow, 1 - ev.dir), ev.values, 'dht', ip(sender), now);
        if (ev.q === 'announce_peer' && ev.port !== undefined) {
          const port = ev.impliedPort ? (ev.dir === 0 ? flow.aPort : flow.bPort) : ev.port;
          announce(bt, r, sender, port, 'announce', now);
        }
        return;
      }
      case 'bt-tracker': {
        const client = end(flow, ev.dir);
        const r = seen(bt, client, BtActivity.TRACKER, now);
        const c = (ev.peerId !== undefined ? clientFromPeerId(ev.peerId) : undefined) ?? (ev.userAgent !== undefined ? clientFromUserAgent(ev.userAgent) : undefined);
        if (c) addClient(r, c);
        for (const h of ev.infoHashes) addHash(r, h);
        if (ev.port !== undefined && ev.port > 0) announce(bt, r, client, ev.port, 'announce', stampMs(ev.at));
        return;
      }
      case 'bt-tracker-response':
        learnAll(bt, end(flow, 1 - ev.dir), ev.peers, 'tracker', ip(end(flow, ev.dir)), now);
        return;
      case 'bt-pex':
        learnAll(bt, end(flow, 1 - ev.dir), ev.peers, 'pex', ip(end(flow, ev.dir)), now);
        return;
      case 'bt-lsd': {
        const sender = end(flow, ev.dir);
        const r = seen(bt, sender, BtActivity.LSD, now);
        for (const h of ev.infoHashes) addHash(r, h);
        announce(bt, r, sender, ev.port, 'lsd', now);
        return;
      }
      case 'bt-peer-wire': {
        // Reported when both sides are known (or at the flow's end): the listen ports date from the handshake.
        const at = stampMs(ev.at);
        const activity = BtActivity.PEER | (ev.transport === 'utp' ? BtActivity.UTP : 0);
        for (let d = 0; d < 2; d++) {
          const e = end(flow, d);
          const r = seen(bt, e, activity, now);
          const side = ev.sides[d];
          if (!side) continue;
          const c = clientOfSide(side);
          if (c) addClient(r, c);
          addHash(r, side.infoHash);
          if (side.extPort !== undefined) announce(bt, r, e, side.extPort, 'peer', at);
        }
        // The responder accepted a peer connection on this port: it is a listen port.
        announce(bt, bt.seen(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, 0, now), end(flow, 1), flow.bPort, 'peer', at);
        return;
      }
      default:
        return;
    }
  }
}

function seen(bt: BitTorrentHosts, e: End, activity: number, now: number): BtHostRecord {
  return bt.seen(e.v, e.w[0], e.w[1], e.w[2], e.w[3], activity, now);
}

function addHash(r: BtHostRecord, h: string): void {
  if (r.infoHashes.size < MAX_INFO_HASHES) r.infoHashes.add(h);
}

function learnAll(bt: BitTorrentHosts, receiver: End, peers: BtPeerAddress[], via: 'dht' | 'tracker' | 'pex', from: string, now: number): void {
  if (!peers.length) return;
  bt.seen(receiver.v, receiver.w[0], receiver.w[1], receiver.w[2], receiver.w[3], 0, now);
  for (const p of peers) bt.learn(receiver.v, receiver.w[0], receiver.w[1], receiver.w[2], receiver.w[3], p, { via, from, atMs: now });
}

function announce(bt: BitTorrentHosts, r: BtHostRecord, e: End, port: number, via: 'lsd' | 'announce' | 'peer', now: number): void {
  addCapped(r.listenPorts, port, MAX_LISTEN_PORTS);
  bt.announce({ version: e.v, words: e.w, port }, { via, from: ip(e), atMs: now });
}
