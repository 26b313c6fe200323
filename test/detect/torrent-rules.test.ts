import { describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import type { BtPeerAddress } from '../../src/applayer/bittorrent/events.js';
import type { AppEvent, EventTime } from '../../src/applayer/events.js';
import type { PayloadStats } from '../../src/applayer/opaque/payload-stats.js';
import { RULE_IDS } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/detection.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { BitTorrentHosts } from '../../src/detect/hosts/bittorrent.js';
import { createDetectors } from '../../src/detect/registry.js';
import { clientFromDhtVersion, clientFromExtension, clientFromPeerId, clientFromUserAgent } from '../../src/detect/rules/torrent-clients.js';
import { Flow } from '../../src/flow/flow.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { emptyIntel } from '../support/empty-intel.js';
import { ecsProblems } from '../support/ecs-schema.js';

describe('which client (src/detect/rules/torrent-clients.ts)', () => {
  it.each([
    ['-TR3000-0esk8r0qj2ii', { name: 'Transmission', version: '3.00' }],
    ['-TR2940-chho92c56pul', { name: 'Transmission', version: '2.94' }],
    ['-TR4050-abcdefghijkl', { name: 'Transmission', version: '4.0.5' }],
    ['-qB4520-abcdefghijkl', { name: 'qBittorrent', version: '4.5.2', seedWords: ['torrent'] }],
    ['-lt0D80-abcdefghijkl', { name: 'rTorrent (libTorrent, rakshasa)', version: '0.13.8', seedWords: ['torrent'] }],
    ['-LT1100-1Fa531RtLuvw', { name: 'libtorrent (Rasterbar)', version: '1.1.0', seedWords: ['torrent'] }],
    ['-UT355W-abcdefghijkl', { name: 'µTorrent', version: '3.5.5', seedWords: ['torrent'] }],
    ['-UM1860-A%8ER%A1=%DF%1C%98%A73%D9#', { name: 'µTorrent for Mac', version: '1.8.6', seedWords: ['torrent'] }],
    ['-DE13F0-VnpZRF8ZP9iv', { name: 'Deluge', version: '1.3.15' }],
    ['-AZ5770-abcdefghijkl', { name: 'Azureus/Vuze', version: '5.7.7.0', seedWords: ['vuze', 'azureus'] }],
    ['A2-1-36-0-%06x%CE%0A%F1E%7F%3BV%18', { name: 'aria2', version: '1.36.0' }],
    ['M4-3-6--abcdefghijkl', { name: 'BitTorrent (Mainline)', version: '4.3.6', seedWords: ['torrent'] }],
    // BEP 20's own example: five version characters padded with '-', then "---".
    ['S58B-----abcdefghijk', { name: "Shadow's client", version: '5.8.11' }],
    ['T03I--abcdefghijklmn', undefined],
  ])('peer id %s', (id, want) => {
    const c = clientFromPeerId(id);
    if (want === undefined) expect(c).toBeUndefined();
    else expect(c).toEqual({ ...want, source: 'peer_id' });
  });

  it('unknown codes and random ids name nothing', () => {
    expect(clientFromPeerId('-ZZ1234-abcdefghijkl')).toBeUndefined();
    expect(clientFromPeerId('%BB'.repeat(20))).toBeUndefined();
  });

  it('extension handshake v, User-Agent, DHT v', () => {
    expect(clientFromExtension('Transmission 3.00')).toEqual({ name: 'Transmission', version: '3.00', source: 'extension' });
    expect(clientFromExtension('libtorrent/1.2.2.0')).toEqual({ name: 'libtorrent', version: '1.2.2.0', source: 'extension', seedWords: ['torrent'] });
    expect(clientFromExtension('µTorrent Mac 1.8.6')).toMatchObject({ name: 'µTorrent Mac', version: '1.8.6', seedWords: ['torrent'] });
    expect(clientFromUserAgent('Deluge 1.3.15')).toEqual({ name: 'Deluge', version: '1.3.15', source: 'user_agent' });
    expect(clientFromUserAgent('uTorrent/3550(45356)')).toMatchObject({ name: 'uTorrent', version: '3550', seedWords: ['torrent'] });
    expect(clientFromUserAgent('Azureus 5.7.6.0;Linux;Java 1.8.0')).toMatchObject({ name: 'Azureus', seedWords: ['azureus'] });
    expect(clientFromDhtVersion('UT', '55543031')).toEqual({ name: 'µTorrent', version: '01', source: 'dht_version', seedWords: ['torrent'] });
    expect(clientFromDhtVersion('LT', '4c540101')).toEqual({ name: 'libtorrent (Rasterbar)', source: 'dht_version', seedWords: ['torrent'] });
    expect(clientFromDhtVersion('ZZ', '5a5a0101')).toBeUndefined();
  });
});

/** An engine with every rule, and a way to play events at given times. */
function engine() {
  const detections: Detection[] = [];
  const e = new DetectEngine({ detectors: createDetectors(new IntelHolder(emptyIntel())), enabled: new Set(RULE_IDS), onDetection: (d) => detections.push(d) });
  const at: EventTime = { tsSec: 0, tsNsec: 0, packet: 1 };
  const play = (flow: Flow, ev: AppEvent, sec: number): void => {
    e.nowMs = sec * 1000;
    at.tsSec = sec;
    e.onAppEvent(flow, ev, at);
  };
  return { e, detections, play };
}

let ids = 0;
function tcp(a: number, aPort: number, b: number, bPort: number, sec: number, proto = 6): Flow {
  const f = new Flow(++ids, 0, 4, proto, 0, 0, 0, a, aPort, 0, 0, 0, b, bPort, sec, 0, sec * 1000);
  f.aHome = (a >>> 24) === 10;
  f.bHome = (b >>> 24) === 10;
  return f;
}

const HOST = 0x0a01010a;
const TRACKER = 0xc633643c;
const PEER = 0xc633643d;
const peer = (w: number, port: number): BtPeerAddress => ({ version: 4, words: [0, 0, 0, w], port });
const random = (len: number): PayloadStats => ({ len, bitsPerByte: 4.01, printableFraction: 0.37, printablePrefix: false, longestPrintableRun: 5, fullyRandom: true });
const opaque = (first: number, second: number | undefined, stats = random): AppEvent => ({
  kind: 'opaque-stream', firstDir: 0, flights: second === undefined ? [first] : [first, second, 200], bytes: [first + 200, second ?? 0],
  first: [stats(first), second === undefined ? undefined : stats(second)], synSeen: 3, complete: false,
});

describe('torrent-peer by association (encrypted MSE/PE)', () => {
  function tracked() {
    const t = engine();
    const announce = tcp(HOST, 40000, TRACKER, 6969, 10);
    t.play(announce, { kind: 'bt-tracker', transport: 'http', dir: 0, action: 'announce', infoHashes: ['aa'.repeat(20)], peerId: '-TR3000-abcdefghijkl', port: 51413, at: { tsSec: 10, tsNsec: 0, packet: 4 } }, 10);
    t.play(announce, { kind: 'bt-tracker-response', transport: 'http', dir: 1, action: 'announce', peers: [peer(PEER, 51413)], peerCount: 1 }, 10);
    return t;
  }
  const peers = (t: ReturnType<typeof engine>) => t.detections.filter((d) => d.rule.id === 'torrent-peer');

  it('a random-looking 96-608 byte opening to a peer the tracker gave the host: encrypted, with the evidence', () => {
    const t = tracked();
    const f = tcp(HOST, 50000, PEER, 51413, 11);
    t.play(f, opaque(300, 180), 12);
    const d = peers(t);
    expect(d.length).toBe(1);
    expect(d[0].bittorrent).toMatchObject({ transport: 'tcp', via: 'association', encrypted: true, evidence: [{ via: 'tracker', from: '198.51.100.60' }], client: { name: 'Transmission', version: '3.00' } });
    expect(d[0].tsSec).toBe(11);
  });

  it('nothing when the shape is wrong or the tie is missing or late', () => {
    const shapes: [string, AppEvent][] = [
      ['too long', opaque(700, 180)],
      ['too short', opaque(60, 180)],
      ['an answer too long', opaque(300, 1400)],
      ['not random', opaque(300, 180, (len) => ({ ...random(len), fullyRandom: false }))],
    ];
    for (const [why, ev] of shapes) {
      const t = tracked();
      t.play(tcp(HOST, 50000, PEER, 51413, 11), ev, 12);
      expect(peers(t), why).toEqual([]);
    }
    const t = tracked();
    t.play(tcp(HOST, 50001, PEER, 51414, 11), opaque(300, 180), 12); // another port
    t.play(tcp(HOST, 50002, 0xc6336450, 51413, 11), opaque(300, 180), 12); // another address
    expect(peers(t)).toEqual([]);
    // The flow began before the host was told about the peer.
    const late = engine();
    const f = tcp(HOST, 50000, PEER, 51413, 5);
    const announce = tcp(HOST, 40000, TRACKER, 6969, 10);
    late.play(announce, { kind: 'bt-tracker-response', transport: 'http', dir: 1, action: 'announce', peers: [peer(PEER, 51413)], peerCount: 1 }, 10);
    late.play(f, opaque(300, 180), 12);
    expect(peers(late)).toEqual([]);
  });

  it('a peer connecting in to the listen port the host announced', () => {
    const t = tracked();
    t.play(tcp(PEER, 60000, HOST, 51413, 20), opaque(500, 400), 21);
    expect(peers(t)[0].bittorrent?.evidence?.map((e) => e.via)).toEqual(['announce']);
  });
});

describe('torrent-peer for a connection picked up mid-stream', () => {
  const messages: AppEvent = { kind: 'bt-peer-messages', dir: 1, messages: 6, ids: [4, 6, 7] };

  it('waits for BitTorrent evidence about either end, then fires once, stamped with the flow start', () => {
    const t = engine();
    const f = tcp(PEER, 51413, HOST, 44833, 100);
    t.play(f, messages, 100);
    expect(t.detections).toEqual([]);
    const other = tcp(HOST, 40000, TRACKER, 6969, 101);
    t.play(other, { kind: 'bt-tracker', transport: 'http', dir: 0, action: 'announce', infoHashes: ['bb'.repeat(20)], port: 51413, at: { tsSec: 101, tsNsec: 0, packet: 9 } }, 101);
    const peerAlerts = t.detections.filter((d) => d.rule.id === 'torrent-peer');
    expect(peerAlerts.length).toBe(1);
    expect(peerAlerts[0]).toMatchObject({ tsSec: 100, bittorrent: { via: 'midstream', evidence: [{ via: 'host', from: '10.1.1.10' }] } });
    t.play(other, { kind: 'bt-lsd', dir: 0, host: 'x', port: 1, infoHashes: ['cc'.repeat(20)] }, 102);
    expect(t.detections.filter((d) => d.rule.id === 'torrent-peer').length).toBe(1);
  });

  it('never fires without evidence, and the waiting list is bounded', () => {
    const t = engine();
    for (let i = 0; i < 100; i++) t.play(tcp(PEER, 51413, HOST, 40000 + i, 100), messages, 100);
    t.play(tcp(0x0a010199, 1, TRACKER, 6969, 101), { kind: 'bt-lsd', dir: 0, host: 'x', port: 1, infoHashes: ['cc'.repeat(20)] }, 101);
    expect(t.detections.filter((d) => d.rule.id === 'torrent-peer')).toEqual([]);
    t.play(tcp(HOST, 1, TRACKER, 6969, 102), { kind: 'bt-lsd', dir: 0, host: 'x', port: 1, infoHashes: ['cc'.repeat(20)] }, 102);
    // At most PENDING_PER_HOST (16) flows per host were kept.
    expect(t.detections.filter((d) => d.rule.id === 'torrent-peer').length).toBe(16);
  });
});

describe('BitTorrent host state is bounded', () => {
  it('hosts, learned peers and listen ports stay at their caps, the oldest dropped first', () => {
    const bt = new BitTorrentHosts({ hosts: 8, learned: 16, announced: 4 });
    for (let i = 0; i < 100; i++) {
      bt.seen(4, 0, 0, 0, i, 1, i);
      bt.learn(4, 0, 0, 0, 1, peer(i, 6881), { via: 'dht', from: 'x', atMs: i });
      bt.announce(peer(i, 6881), { via: 'lsd', from: 'x', atMs: i });
    }
    expect(bt.hosts.size).toBe(8);
    expect(bt.learned.size).toBe(16);
    expect(bt.announced.size).toBe(4);
    expect(bt.learnedAbout(4, 0, 0, 0, 1, 4, 0, 0, 0, 99, 6881, 100)?.[0].via).toBe('dht');
    expect(bt.learnedAbout(4, 0, 0, 0, 1, 4, 0, 0, 0, 0, 6881, 100)).toBeUndefined();
  });
});

describe('BitTorrent facts in ECS', () => {
  it('every torrent-* alert is valid ECS 9.4.0, with url.*, user_agent, related.hash and torwatch.bittorrent.*', () => {
    const t = engine();
    const f = tcp(HOST, 40000, TRACKER, 6969, 10);
    t.play(f, { kind: 'http-request', method: 'GET', target: '/announce?info_hash=x', version: 'HTTP/1.1' }, 10);
    t.play(f, { kind: 'bt-tracker', transport: 'http', dir: 0, action: 'announce', infoHashes: ['aa'.repeat(20)], peerId: '-qB4520-abcdefghijkl', port: 51413, event: 'started', target: '/announce?info_hash=%aa&peer_id=x', path: '/announce', host: 'tracker.example:6969', userAgent: 'qBittorrent/4.5.2', at: { tsSec: 10, tsNsec: 0, packet: 4 } }, 10);
    const u = tcp(HOST, 6881, PEER, 6881, 11, 17);
    t.play(u, { kind: 'bt-dht', dir: 0, y: 'q', q: 'get_peers', t: '6161', id: 'ab'.repeat(20), infoHash: 'cd'.repeat(20), v: '4c540101', vCode: 'LT', values: [], nodes: 0 }, 11);
    t.play(u, { kind: 'bt-peer-wire', transport: 'utp', via: 'handshake', sides: [{ infoHash: 'cd'.repeat(20), reserved: '0000000000100005', ltep: true, dht: true, fast: true, v2: false, offset: 0, messages: 2, peerId: '-qB4520-abcdefghijkl', extClient: 'qBittorrent/4.5.2', extPort: 6881 }, null], utpConnections: 1, utpPackets: 5, at: { tsSec: 11, tsNsec: 0, packet: 6 } }, 11);
    const l = tcp(HOST, 6771, 0xefc0988f, 6771, 12, 17);
    t.play(l, { kind: 'bt-lsd', dir: 0, host: '239.192.152.143:6771', port: 6881, infoHashes: ['cd'.repeat(20)], cookie: 'c1' }, 12);
    t.play(tcp(HOST, 50000, PEER, 6881, 13), opaque(300, 180), 13);
    const builder = new AlertBuilder({ observer: { hostname: 's', version: '0' }, eventIds: 'deterministic' });
    const docs = t.detections.map((d) => builder.build(d));
    expect(t.detections.map((d) => d.rule.id).sort()).toEqual(['torrent-dht', 'torrent-lsd', 'torrent-peer', 'torrent-peer', 'torrent-tracker']);
    for (const doc of docs) expect(ecsProblems(doc), JSON.stringify(doc)).toEqual([]);
    const tracker = docs.find((d) => (d.rule as { id: string }).id === 'torrent-tracker')!;
    expect(tracker).toMatchObject({ url: { path: '/announce', domain: 'tracker.example', port: 6969 }, user_agent: { original: 'qBittorrent/4.5.2' }, related: { hash: ['aa'.repeat(20)] } });
    expect(tracker.torwatch).toMatchObject({ bittorrent: { transport: 'http', client: { name: 'qBittorrent', version: '4.5.2', seed003_match: ['torrent'] }, tracker: { action: 'announce', event: 'started', port: 51413 }, peer_id: '-qB4520-abcdefghijkl' } });
    const encrypted = docs.filter((d) => (d.torwatch as { bittorrent?: { encrypted?: boolean } }).bittorrent?.encrypted === true);
    expect(encrypted.length).toBe(1);
  });
});
