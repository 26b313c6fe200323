/**
 * BitTorrent evidence that builds up over many flows (part of HostState):
 *
 *  - per host: what it did (DHT, tracker, LSD, peer wire, uTP), the clients it was seen running, the
 *    distinct info hashes and listen ports it used, first and last seen;
 *  - learned: the peer addresses and ports a host was *told* about (DHT `values`, tracker responses,
 *    PEX), with who told it and when: an encrypted connection from that host to such a peer is tied
 *    to its BitTorrent activity;
 *  - announced: endpoints a host announced as its own BitTorrent listen port (LSD, tracker announce,
 *    DHT announce_peer, a peer connection it accepted): a random-looking connection *to* one is a peer
 *    connecting in.
 *
 * Every table is bounded in entries and ages out on the packet clock (keyed-table.ts); lists inside a
 * record are capped. Keys are built from packet fields and hashed by V8's per-process seeded string
 * hash (Map).
 */
import type { BtPeerAddress } from '../../applayer/bittorrent/events.js';
import type { ClientFact } from '../detection.js';
import { addressKey, endpointKey } from './address-key.js';
import { HostTable } from './host-table.js';
import { KeyedTable } from './keyed-table.js';

export const BtActivity = { DHT: 1, TRACKER: 2, LSD: 4, PEER: 8, UTP: 16 } as const;

export const MAX_CLIENTS = 8;
export const MAX_INFO_HASHES = 256;
export const MAX_LISTEN_PORTS = 8;

export interface BtHostRecord {
  firstMs: number;
  lastMs: number;
  activity: number;
  /** Clients seen on the host (the first MAX_CLIENTS distinct names and versions). */
  clients: ClientFact[];
  infoHashes: Set<string>;
  listenPorts: number[];
}

/** How a peer endpoint became known: the mechanism, who said so, and when (packet clock). */
export interface BtEvidence {
  via: 'dht' | 'tracker' | 'pex' | 'lsd' | 'announce' | 'peer';
  /** The informant's address (a DHT node, the tracker, the PEX peer, the announcing host) as text. */
  from: string;
  atMs: number;
}

export interface BitTorrentHostOptions {
  hosts?: number;
  learned?: number;
  announced?: number;
}

/** Host activity is kept for two hours of packet time; learned peers and listen ports for one. */
export const HOST_TTL_MS = 2 * 3600_000;
export const PEER_TTL_MS = 3600_000;

export class BitTorrentHosts {
  readonly hosts: HostTable<BtHostRecord>;
  readonly learned: KeyedTable<BtEvidence[]>;
  readonly announced: KeyedTable<BtEvidence[]>;

  constructor(o: BitTorrentHostOptions = {}) {
    this.hosts = new HostTable(o.hosts ?? 16_384, HOST_TTL_MS, () => ({ firstMs: -1, lastMs: -1, activity: 0, clients: [], infoHashes: new Set(), listenPorts: [] }));
    this.learned = new KeyedTable(o.learned ?? 65_536, PEER_TTL_MS, () => []);
    this.announced = new KeyedTable(o.announced ?? 16_384, PEER_TTL_MS, () => []);
  }

  /** Host `v, w` did BitTorrent (`activity` bits) at `nowMs`; its record, to add clients and hashes to. */
  seen(v: number, w0: number, w1: number, w2: number, w3: number, activity: number, nowMs: number): BtHostRecord {
    const r = this.hosts.touch(v, w0, w1, w2, w3, nowMs);
    if (r.firstMs < 0) r.firstMs = nowMs;
    r.lastMs = nowMs;
    r.activity |= activity;
    return r;
  }

  /** The host's record, if it did BitTorrent within HOST_TTL_MS. */
  host(v: number, w0: number, w1: number, w2: number, w3: number, nowMs: number): BtHostRecord | undefined {
    return this.hosts.get(v, w0, w1, w2, w3, nowMs);
  }

  /** Host `v, w` was told about `peer`. */
  learn(v: number, w0: number, w1: number, w2: number, w3: number, peer: BtPeerAddress, e: BtEvidence): void {
    if (peer.port === 0) return;
    const key = `${addressKey(v, w0, w1, w2, w3)}>${peerKey(peer)}`;
    keep(this.learned.touch(key, e.atMs), e);
  }

  /** What told host `v, w` about the endpoint (version, words, port), if anything did. */
  learnedAbout(v: number, w0: number, w1: number, w2: number, w3: number, pv: number, p0: number, p1: number, p2: number, p3: number, port: number, nowMs: number): BtEvidence[] | undefined {
    return this.learned.get(`${addressKey(v, w0, w1, w2, w3)}>${endpointKey(pv, p0, p1, p2, p3, port)}`, nowMs);
  }

  /** An endpoint announced as a BitTorrent listen port. */
  announce(peer: BtPeerAddress, e: BtEvidence): void {
    if (peer.port === 0) return;
    keep(this.announced.touch(peerKey(peer), e.atMs), e);
  }

  announcedAt(v: number, w0: number, w1: number, w2: number, w3: number, port: number, nowMs: number): BtEvidence[] | undefined {
    return this.announced.get(endpointKey(v, w0, w1, w2, w3, port), nowMs);
  }

  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    if (this.hosts.size) out.bittorrent_hosts = this.hosts.size;
    if (this.learned.size) out.bittorrent_learned_peers = this.learned.size;
    const evicted = this.hosts.evictions + this.learned.evictions + this.announced.evictions;
    if (evicted) out.bittorrent_evictions = evicted;
    return out;
  }
}

function peerKey(p: BtPeerAddress): string {
  const w = p.words;
  return endpointKey(p.version, w[0], w[1], w[2], w[3], p.port);
}

/** Evidence for one endpoint: the first of each mechanism is kept (the earliest tie), at most four. */
function keep(list: BtEvidence[], e: BtEvidence): void {
  if (list.length < 4 && !list.some((x) => x.via === e.via)) list.push(e);
}

/** A client seen on a host, if it is new and the list has room. */
export function addClient(r: BtHostRecord, c: ClientFact): void {
  if (r.clients.length < MAX_CLIENTS && !r.clients.some((x) => x.name === c.name && x.version === c.version)) r.clients.push(c);
}

/** Add a bounded, deduplicated value to a capped list. */
export function addCapped<T>(list: T[], v: T, max: number): void {
  if (list.length < max && !list.includes(v)) list.push(v);
}
