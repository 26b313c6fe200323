import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { PayloadStats } from '../../applayer/opaque/payload-stats.js';
import type { Flow } from '../../flow/flow.js';
import { ruleById } from '../catalog.js';
import type { BitTorrentFacts, BtEvidenceFact, ClientFact } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { addressKey } from '../hosts/address-key.js';
import type { BtEvidence, BtHostRecord } from '../hosts/bittorrent.js';
import { KeyedTable } from '../hosts/keyed-table.js';
import { isoMs, responderText } from './torrent-facts.js';

const RULE = ruleById('torrent-peer')!;

/** MSE/PE's first message: a 768-bit Diffie-Hellman key (96 bytes) and 0-512 bytes of random padding. */
export const MSE_MIN = 96;
export const MSE_MAX = 96 + 512;

const EVIDENCE_WORDS: Record<BtEvidence['via'], string> = {
  dht: 'the DHT gave it that peer',
  tracker: 'a tracker gave it that peer',
  pex: 'a peer gave it that peer (PEX)',
  lsd: 'the peer announced that port by LSD',
  announce: 'the peer announced that port to a tracker or the DHT',
  peer: 'the peer accepted BitTorrent connections on that port',
};

/**
 * torrent-peer, decided across flows (host scope: only the flow's addresses, ports and times and the
 * events' own fields are read):
 *
 *  - Encrypted peers (MSE/PE): no byte of them is fixed, so the decision is by association, as the
 *    issue asks. A TCP connection whose initiator spoke first with 96-608 random-looking bytes (the
 *    opaque-stream fact: none of Wu et al.'s exemptions), answered (if at all) the same way, is a peer
 *    connection when, before it started, its initiator had been given the responder's address and port
 *    by the DHT, a tracker or PEX, or the responder had announced that port as its BitTorrent listen
 *    port (LSD, tracker, DHT announce_peer, an earlier peer connection it accepted). The alert is
 *    marked encrypted and lists the evidence.
 *  - Mid-stream pickups: a direction whose SYN was not captured and whose bytes read as peer-wire
 *    messages (bt-peer-messages) is a peer connection when either end was seen doing BitTorrent.
 *    A capture that starts in the middle of a transfer usually shows the host's other BitTorrent
 *    activity (an announce, DHT) only after those messages, so such a flow waits (at most
 *    PENDING_TTL_MS of packet time, PENDING_PER_HOST per host, in a bounded table) for the first
 *    BitTorrent fact about either end.
 *
 * Stamped with the flow's first packet.
 */
export const PENDING_TTL_MS = 10 * 60_000;
export const PENDING_PER_HOST = 16;

interface Pending {
  flow: Flow;
  messages: number;
}

export class TorrentAssociationDetector implements Detector {
  readonly name = 'torrent-association';
  readonly appEvents: readonly AppEventKind[] = ['opaque-stream', 'bt-peer-messages', 'bt-dht', 'bt-tracker', 'bt-lsd', 'bt-peer-wire', 'bt-pex'];
  readonly scope = 'host' as const;
  /** Mid-stream peer-wire flows waiting for BitTorrent evidence about either end, by host. */
  private readonly pending = new KeyedTable<Pending[]>(1024, PENDING_TTL_MS, () => []);

  onAppEvent(flow: Flow, ev: AppEvent, _at: EventTime, ctx: DetectContext): void {
    if (!ctx.enabled(RULE.index)) return;
    // Evidence about a host (filed by torrent-evidence.ts, which runs first): flows waiting on it.
    if (this.pending.size && EVIDENCE_KINDS.has(ev.kind)) this.release(flow, ctx);
    if ((flow.fired & (1 << RULE.index)) !== 0) return;
    if (ev.kind === 'opaque-stream') {
      if (ev.firstDir !== 0 || (ev.synSeen & 1) === 0 || !mseShaped(ev.first[0], ev.flights[0])) return;
      if (ev.flights.length > 1 && !mseShaped(ev.first[1], ev.flights[1])) return;
      this.encrypted(flow, ctx);
    } else if (ev.kind === 'bt-peer-messages') {
      this.midstream(flow, ev.messages, ctx);
    }
  }

  private encrypted(flow: Flow, ctx: DetectContext): void {
    const bt = ctx.hosts.bittorrent;
    const now = ctx.nowMs;
    const v = flow.ipVersion;
    const before = (e: BtEvidence): boolean => e.atMs <= flow.firstMs;
    const learned = (bt.learnedAbout(v, flow.a0, flow.a1, flow.a2, flow.a3, v, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort, now) ?? []).filter(before);
    const announced = (bt.announcedAt(v, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort, now) ?? []).filter(before);
    const evidence = [...learned, ...announced];
    if (!evidence.length) return;
    const facts: BitTorrentFacts = { transport: 'tcp', via: 'association', encrypted: true, evidence: evidence.map(fact) };
    const client = homeRecordClient(flow, ctx);
    if (client) facts.client = client;
    this.fire(flow, ctx, `${flow.srcIp()} opened an encrypted (MSE/PE) BitTorrent connection to ${responderText(flow)}: ${EVIDENCE_WORDS[evidence[0].via]}${evidence[0].via === 'lsd' || evidence[0].via === 'announce' || evidence[0].via === 'peer' ? '' : ` (${evidence[0].from})`}`, facts);
  }

  /** Decide a mid-stream flow now, or (when `wait`) keep it until either end shows BitTorrent. */
  private midstream(flow: Flow, messages: number, ctx: DetectContext, wait = true): boolean {
    const bt = ctx.hosts.bittorrent;
    const now = ctx.nowMs;
    const v = flow.ipVersion;
    const a = bt.host(v, flow.a0, flow.a1, flow.a2, flow.a3, now);
    const b = bt.host(v, flow.b0, flow.b1, flow.b2, flow.b3, now);
    const known = a?.activity ? { r: a, ip: flow.srcIp() } : b?.activity ? { r: b, ip: flow.dstIp() } : undefined;
    if (!known) {
      if (wait) {
        for (const key of hostKeys(flow)) {
          const list = this.pending.touch(key, now);
          if (list.length < PENDING_PER_HOST && !list.some((p) => p.flow === flow)) list.push({ flow, messages });
        }
      }
      return false;
    }
    const facts: BitTorrentFacts = { transport: 'tcp', via: 'midstream', encrypted: false, evidence: [{ via: 'host', from: known.ip, at: isoMs(known.r.firstMs) }] };
    const client = homeRecordClient(flow, ctx);
    if (client) facts.client = client;
    this.fire(flow, ctx, `${flow.srcIp()} and ${responderText(flow)}: BitTorrent peer messages (${messages} in a row) on a connection picked up mid-stream; ${known.ip} was seen doing BitTorrent`, facts);
    return true;
  }

  /** A BitTorrent fact about `flow`'s ends: decide the mid-stream flows that waited for one. */
  private release(flow: Flow, ctx: DetectContext): void {
    for (const key of hostKeys(flow)) {
      const list = this.pending.get(key, ctx.nowMs);
      if (!list?.length) continue;
      for (const p of list.splice(0)) {
        if ((p.flow.fired & (1 << RULE.index)) === 0) this.midstream(p.flow, p.messages, ctx, false);
      }
    }
  }

  private fire(flow: Flow, ctx: DetectContext, message: string, bittorrent: BitTorrentFacts): void {
    ctx.fire({ rule: RULE, flow, tsSec: flow.firstSec, tsNsec: flow.firstNsec, packet: flow.firstPacket, message, bittorrent });
  }
}

/** Facts that make a host a BitTorrent host (see torrent-evidence.ts). */
const EVIDENCE_KINDS = new Set<string>(['bt-dht', 'bt-tracker', 'bt-lsd', 'bt-peer-wire', 'bt-pex']);

function hostKeys(f: Flow): string[] {
  const v = f.ipVersion;
  return [addressKey(v, f.a0, f.a1, f.a2, f.a3), addressKey(v, f.b0, f.b1, f.b2, f.b3)];
}

function mseShaped(s: PayloadStats | undefined, flight: number | undefined): boolean {
  return s !== undefined && s.fullyRandom && flight !== undefined && flight >= MSE_MIN && flight <= MSE_MAX;
}

function fact(e: BtEvidence): BtEvidenceFact {
  return { via: e.via, from: e.from, at: isoMs(e.atMs) };
}

/** The first client seen on the flow's home end (else its initiator), from host evidence. */
function homeRecordClient(flow: Flow, ctx: DetectContext): ClientFact | undefined {
  const bt = ctx.hosts.bittorrent;
  const v = flow.ipVersion;
  const a: BtHostRecord | undefined = bt.host(v, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs);
  const b: BtHostRecord | undefined = bt.host(v, flow.b0, flow.b1, flow.b2, flow.b3, ctx.nowMs);
  const first = flow.bHome && !flow.aHome ? [b, a] : [a, b];
  for (const r of first) if (r?.clients.length) return r.clients[0];
  return undefined;
}
