/**
 * One UDP flow of a BitTorrent client. Clients multiplex on one UDP socket (their listen port): DHT
 * messages, uTP connections and UDP tracker requests may share a 5-tuple, so each datagram is told
 * apart by its first bytes: a bencoded dictionary is KRPC (krpc.ts), a tracker flow's datagrams are
 * BEP 15 (udp-tracker.ts), `BT-SEARCH` is LSD (lsd.ts), anything else is tried as uTP (utp.ts, proven
 * over several packets by utp-track.ts).
 *
 * Bounded: at most MAX_DATAGRAMS datagrams are looked at per flow; a flow that has shown nothing
 * BitTorrent after GIVE_UP_DATAGRAMS datagrams, or GIVE_UP_INVALID that are none of the above, is
 * let go (it was claimed on one plausible header: a DNS query whose id starts 0x41, random bytes).
 */
import type { Flow } from '../../flow/flow.js';
import { AppAnomaly, AppStat } from '../anomalies.js';
import type { AppContext } from '../context.js';
import type { UdpSession } from '../udp-session.js';
import type { BtPeerSide, BtStamp } from './events.js';
import { mayBeKrpc, parseKrpc } from './krpc.js';
import { isLsd, parseLsd } from './lsd.js';
import { stampOf } from './stamp.js';
import { isConnectRequest, parseUdpTrackerRequest, parseUdpTrackerResponse } from './udp-tracker.js';
import { parseUtp } from './utp.js';
import { UtpTrack } from './utp-track.js';

export const MAX_DATAGRAMS = 256;
export const GIVE_UP_DATAGRAMS = 32;
export const GIVE_UP_INVALID = 3;
/** uTP packets after a connection was proven without a handshake in sight: report it as uTP alone. */
const UTP_ONLY_AFTER = 16;
/** Transaction ids of a tracker client remembered, to pair responses with. */
const MAX_TIDS = 8;

interface TrackerState {
  clientDir: number;
  tids: number[];
  connectAt: BtStamp | null;
  requests: number;
}

export class BtUdpSession implements UdpSession {
  finished = false;
  private datagrams = 0;
  private invalid = 0;
  /** Something BitTorrent was seen on the flow: it is no longer at risk of being let go. */
  private confirmed = false;
  private utp: UtpTrack | null = null;
  private utpProvenAt = -1;
  private peerReported = false;
  private tracker: TrackerState | null = null;

  constructor(private readonly flow: Flow, private readonly ctx: AppContext) {}

  datagram(buf: Uint8Array, off: number, len: number, dir: number): void {
    if (this.finished) return;
    if (++this.datagrams > MAX_DATAGRAMS) {
      this.finish();
      return;
    }
    let ok: boolean;
    if (mayBeKrpc(buf, off, len)) ok = this.dht(buf, off, len, dir);
    else if (this.tracker || isConnectRequest(buf, off, len)) ok = this.trackerDatagram(buf, off, len, dir);
    else if (isLsd(buf, off, len)) ok = this.lsd(buf, off, len, dir);
    else ok = this.utpDatagram(buf, off, len, dir);
    if (!ok) this.invalid++;
    if (!this.confirmed && (this.invalid >= GIVE_UP_INVALID || this.datagrams >= GIVE_UP_DATAGRAMS)) this.finish();
  }

  finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.utp?.finish();
    const u = this.utp;
    if (u?.proven && !this.peerReported) this.reportPeer([null, null], u.proven.firstAt, 'utp');
    const t = this.tracker;
    if (t && t.requests === 0 && t.connectAt) {
      this.ctx.emit(this.flow, { kind: 'bt-tracker', transport: 'udp', dir: t.clientDir, action: 'connect', infoHashes: [], at: t.connectAt });
    }
  }

  private dht(buf: Uint8Array, off: number, len: number, dir: number): boolean {
    const r = parseKrpc(buf, off, len);
    if ('error' in r) {
      this.ctx.counters.anomaly(r.error);
      return false;
    }
    if (r.soft >= 0) this.ctx.counters.anomaly(r.soft);
    this.confirmed = true;
    this.ctx.counters.stat(AppStat.bt_dht_messages);
    this.ctx.emit(this.flow, { kind: 'bt-dht', dir, ...r.msg });
    return true;
  }

  private trackerDatagram(buf: Uint8Array, off: number, len: number, dir: number): boolean {
    const t = (this.tracker ??= { clientDir: dir, tids: [], connectAt: null, requests: 0 });
    const ctx = this.ctx;
    if (dir === t.clientDir) {
      const q = parseUdpTrackerRequest(buf, off, len);
      if (!q) {
        ctx.counters.anomaly(AppAnomaly['bittorrent.bad_udp_tracker']);
        return false;
      }
      this.confirmed = true;
      ctx.counters.stat(AppStat.bt_tracker_messages);
      if (t.tids.length >= MAX_TIDS) t.tids.shift();
      t.tids.push(q.tid);
      if (q.action === 'connect') {
        t.connectAt ??= stampOf(ctx);
        return true;
      }
      t.requests++;
      const at = stampOf(ctx);
      if (q.action === 'announce') {
        ctx.emit(this.flow, { kind: 'bt-tracker', transport: 'udp', dir, action: 'announce', infoHashes: [q.infoHash], peerId: q.peerId, port: q.port, event: q.event, numwant: q.numwant, at });
      } else {
        ctx.emit(this.flow, { kind: 'bt-tracker', transport: 'udp', dir, action: 'scrape', infoHashes: q.infoHashes, at });
      }
      return true;
    }
    const r = parseUdpTrackerResponse(buf, off, len, this.flow.ipVersion === 6);
    if (!r || !t.tids.includes(r.tid)) {
      ctx.counters.anomaly(AppAnomaly['bittorrent.bad_udp_tracker']);
      return false;
    }
    ctx.counters.stat(AppStat.bt_tracker_messages);
    if (r.action === 'announce') {
      ctx.emit(this.flow, { kind: 'bt-tracker-response', transport: 'udp', dir, action: 'announce', interval: r.interval, seeders: r.seeders, leechers: r.leechers, peers: r.peers, peerCount: r.peerCount });
    } else if (r.action === 'scrape') {
      ctx.emit(this.flow, { kind: 'bt-tracker-response', transport: 'udp', dir, action: 'scrape', seeders: r.seeders, leechers: r.leechers, peers: [], peerCount: 0 });
    } else if (r.action === 'error') {
      ctx.emit(this.flow, { kind: 'bt-tracker-response', transport: 'udp', dir, action: 'error', failure: r.message, peers: [], peerCount: 0 });
    }
    return true;
  }

  private lsd(buf: Uint8Array, off: number, len: number, dir: number): boolean {
    const a = parseLsd(buf, off, len);
    if (!a) {
      this.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_lsd']);
      return false;
    }
    this.confirmed = true;
    this.ctx.counters.stat(AppStat.bt_lsd_messages);
    this.ctx.emit(this.flow, { kind: 'bt-lsd', dir, host: a.host, port: a.port, infoHashes: a.infoHashes, ...(a.cookie !== undefined ? { cookie: a.cookie } : {}) });
    return true;
  }

  private utpDatagram(buf: Uint8Array, off: number, len: number, dir: number): boolean {
    const h = parseUtp(buf, off, len);
    if (!h) {
      // Only a flow already shown to be uTP makes a bad header worth counting.
      if (this.utp?.proven) this.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_utp']);
      return false;
    }
    this.ctx.counters.stat(AppStat.bt_utp_packets);
    const u = (this.utp ??= new UtpTrack(this.ctx, this.flow, (sides, at) => this.reportPeer(sides, at, 'handshake')));
    u.packet(h, buf, dir);
    if (u.proven) {
      this.confirmed = true;
      if (this.utpProvenAt < 0) this.utpProvenAt = u.packets;
      if (!this.peerReported && u.packets - this.utpProvenAt >= UTP_ONLY_AFTER) this.reportPeer([null, null], u.proven.firstAt, 'utp');
    }
    return true;
  }

  private reportPeer(sides: [BtPeerSide | null, BtPeerSide | null], at: BtStamp, via: 'handshake' | 'utp'): void {
    if (this.peerReported) return;
    this.peerReported = true;
    const u = this.utp!;
    this.ctx.emit(this.flow, { kind: 'bt-peer-wire', transport: 'utp', via, sides, utpConnections: u.provenCount, utpPackets: u.packets, at });
  }
}
