import { describe, expect, it } from 'vitest';
import type { BtLsdEvent, BtPeerWireEvent, BtTrackerEvent, BtTrackerResponseEvent } from '../../src/applayer/bittorrent/events.js';
import { isLsd, parseLsd } from '../../src/applayer/bittorrent/lsd.js';
import { BITTORRENT_UDP } from '../../src/applayer/bittorrent/udp-protocols.js';
import { BtUdpSession } from '../../src/applayer/bittorrent/udp-session.js';
import { parseUdpTrackerRequest, parseUdpTrackerResponse } from '../../src/applayer/bittorrent/udp-tracker.js';
import { parseUtp, UtpType } from '../../src/applayer/bittorrent/utp.js';
import { bytes, concat, handshake, harness, u16be, u32be, utp } from './bt-harness.js';

const IH = Uint8Array.from({ length: 20 }, (_, i) => i + 1);

describe('uTP header (BEP 29)', () => {
  it('reads type, connection id, seq and ack; ST_DATA needs payload, the others none', () => {
    expect(parseUtp(utp(UtpType.SYN, 0x1234, 1, 0), 0, 20)).toMatchObject({ type: 4, connId: 0x1234, seq: 1, ack: 0, payLen: 0 });
    const data = utp(UtpType.DATA, 0x1235, 2, 7, bytes('hello'));
    expect(parseUtp(data, 0, data.length)).toMatchObject({ type: 0, payOff: 20, payLen: 5 });
    expect(parseUtp(utp(UtpType.DATA, 1, 1, 1), 0, 20)).toBeUndefined();
    const state = utp(UtpType.STATE, 1, 1, 1, bytes('x'));
    expect(parseUtp(state, 0, state.length)).toBeUndefined();
  });

  it('follows the extension chain: a selective ack is a non-zero multiple of 4 bytes, inside the packet', () => {
    const sack = (len: number, total = len) => {
      const h = utp(UtpType.STATE, 9, 1, 1);
      h[1] = 1;
      return concat(h, [0, len], new Uint8Array(total));
    };
    expect(parseUtp(sack(4), 0, 26)).toMatchObject({ payLen: 0 });
    expect(parseUtp(sack(3), 0, 25)).toBeUndefined();
    expect(parseUtp(sack(8, 4), 0, 26)).toBeUndefined();
  });

  it('refuses other versions and types (a QUIC long header, random bytes)', () => {
    const v2 = utp(UtpType.SYN, 1, 1, 0);
    v2[0] = 0x42;
    expect(parseUtp(v2, 0, 20)).toBeUndefined();
    const t5 = utp(UtpType.SYN, 1, 1, 0);
    t5[0] = 0x51;
    expect(parseUtp(t5, 0, 20)).toBeUndefined();
  });
});

describe('uTP flows are decided over several packets', () => {
  function run(packets: [number, Uint8Array][], v6 = false) {
    const h = harness({ v6 });
    const utpProto = BITTORRENT_UDP.find((p) => p.name === 'bittorrent-utp')!;
    const [d0, first] = packets[0];
    if (!utpProto.claims(first, 0, first.length, h.flow, d0)) return { h, claimed: false, s: undefined };
    const s = new BtUdpSession(h.flow, h.ctx);
    for (const [d, p] of packets) s.datagram(p, 0, p.length, d);
    s.finish();
    return { h, claimed: true, s };
  }
  const peerWire = (h: ReturnType<typeof harness>) => h.events.filter((e): e is BtPeerWireEvent => e.kind === 'bt-peer-wire');

  it('SYN, STATE, DATA (ids one apart, acks that match): a uTP connection with the handshake inside', () => {
    const { h } = run([
      [0, utp(UtpType.SYN, 500, 1000, 0)],
      [1, utp(UtpType.STATE, 500, 7000, 1000)],
      [0, utp(UtpType.DATA, 501, 1001, 6999, handshake(IH, '-qB4520-abcdefghijkl'))],
      [1, utp(UtpType.DATA, 500, 7000, 1001, handshake(IH, '-TR3000-abcdefghijkl'))],
    ]);
    const pw = peerWire(h);
    expect(pw.length).toBe(1);
    expect(pw[0]).toMatchObject({ transport: 'utp', via: 'handshake', utpConnections: 1 });
    expect(pw[0].sides.map((s) => s?.peerId)).toEqual(['-qB4520-abcdefghijkl', '-TR3000-abcdefghijkl']);
  });

  it('picked up mid-connection: ids one apart either way, data seen from the middle', () => {
    const { h } = run([
      [0, utp(UtpType.DATA, 42, 10, 99, bytes('x'.repeat(100)))],
      [1, utp(UtpType.STATE, 41, 99, 10)],
      [0, utp(UtpType.DATA, 42, 11, 99, bytes('y'.repeat(100)))],
    ]);
    expect(peerWire(h)).toMatchObject([{ transport: 'utp', via: 'utp', sides: [null, null] }]);
  });

  it('a lone packet, or packets in one direction only, are not uTP', () => {
    expect(peerWire(run([[0, utp(UtpType.SYN, 7, 1, 0)]]).h)).toEqual([]);
    expect(peerWire(run([[0, utp(UtpType.SYN, 7, 1, 0)], [0, utp(UtpType.SYN, 7, 1, 0)], [0, utp(UtpType.SYN, 7, 1, 0)]]).h)).toEqual([]);
  });

  it('a DNS query whose id starts 0x41, and its answer, are not uTP (ids do not pair)', () => {
    // id 0x4100 (0x41: ST_SYN, version 1; 0x00: no extension), flags 0x0100, one question: 20 bytes as a SYN.
    const query = concat(u16be(0x4100), u16be(0x0100), u16be(1), u16be(0), u16be(0), u16be(0), [1, 0x61, 0, 0, 1, 0, 1].slice(0, 8));
    expect(query.length).toBe(19);
    const q20 = concat(query, [0]);
    const answer = concat(u16be(0x4100), u16be(0x8180), u16be(1), u16be(1), u16be(0), u16be(0), [1, 0x61, 0, 0, 1, 0, 1, 0]);
    const r = run([[0, q20], [1, answer], [0, q20], [1, answer]]);
    expect(peerWire(r.h)).toEqual([]);
  });

  it('random datagrams claimed on one plausible header are let go', () => {
    const noise = Array.from({ length: 40 }, (_, i) => [i % 2, Uint8Array.from({ length: 60 }, (_, j) => (i * 31 + j * 17) & 255)] as [number, Uint8Array]);
    noise[0] = [0, utp(UtpType.SYN, 3, 1, 0)];
    const r = run(noise);
    expect(r.s?.finished).toBe(true);
    expect(peerWire(r.h)).toEqual([]);
  });
});

describe('UDP tracker (BEP 15)', () => {
  const connect = concat(u32be(0x417), u32be(0x27101980), u32be(0), u32be(0xabcd));
  const connected = concat(u32be(0), u32be(0xabcd), u32be(1), u32be(2));
  const announce = concat(u32be(1), u32be(2), u32be(1), u32be(0xbeef), IH, '-TR3000-abcdefghijkl', new Uint8Array(24), u32be(2), u32be(0), u32be(7), u32be(0xffffffff), u16be(51413));

  it('parses connect, announce and scrape requests and their answers, IPv4 and IPv6 peers', () => {
    expect(parseUdpTrackerRequest(connect, 0, 16)).toEqual({ action: 'connect', tid: 0xabcd });
    expect(parseUdpTrackerRequest(announce, 0, announce.length)).toEqual({ action: 'announce', tid: 0xbeef, infoHash: Buffer.from(IH).toString('hex'), peerId: '-TR3000-abcdefghijkl', event: 'started', numwant: -1, port: 51413 });
    const scrape = concat(u32be(1), u32be(2), u32be(2), u32be(5), IH, IH);
    expect(parseUdpTrackerRequest(scrape, 0, scrape.length)).toMatchObject({ action: 'scrape', infoHashes: [Buffer.from(IH).toString('hex'), Buffer.from(IH).toString('hex')] });
    const peers4 = concat(u32be(1), u32be(0xbeef), u32be(1800), u32be(1), u32be(2), [198, 51, 100, 61], u16be(51413));
    expect(parseUdpTrackerResponse(peers4, 0, peers4.length, false)).toMatchObject({ action: 'announce', interval: 1800, peers: [{ version: 4, words: [0, 0, 0, 0xc633643d], port: 51413 }], peerCount: 1 });
    const peers6 = concat(u32be(1), u32be(0xbeef), u32be(1800), u32be(0), u32be(1), Buffer.from('20010db8000000000000000000000061', 'hex'), u16be(51413));
    expect(parseUdpTrackerResponse(peers6, 0, peers6.length, true)).toMatchObject({ peers: [{ version: 6, port: 51413 }] });
    // The entry size is the flow's family (BEP 15): the same 18 bytes over IPv4 are three 6-byte peers.
    expect(parseUdpTrackerResponse(peers6, 0, peers6.length, false)).toMatchObject({ peerCount: 3 });
    const err = concat(u32be(3), u32be(9), 'no such torrent');
    expect(parseUdpTrackerResponse(err, 0, err.length, false)).toEqual({ action: 'error', tid: 9, message: 'no such torrent' });
  });

  it('a session: the announce is reported with the client, the answer only with a transaction id the client sent', () => {
    const h = harness();
    const trk = BITTORRENT_UDP.find((p) => p.name === 'bittorrent-udp-tracker')!;
    expect(trk.claims(connect, 0, 16, h.flow, 0)).toBe(true);
    const s = new BtUdpSession(h.flow, h.ctx);
    s.datagram(connect, 0, 16, 0);
    s.datagram(connected, 0, 16, 1);
    s.datagram(announce, 0, announce.length, 0);
    const forged = concat(u32be(1), u32be(0x1111), u32be(1800), u32be(0), u32be(1), [1, 2, 3, 4], u16be(5));
    s.datagram(forged, 0, forged.length, 1);
    const peers = concat(u32be(1), u32be(0xbeef), u32be(1800), u32be(0), u32be(1), [198, 51, 100, 61], u16be(51413));
    s.datagram(peers, 0, peers.length, 1);
    s.finish();
    const kinds = h.events.map((e) => e.kind);
    expect(kinds).toEqual(['bt-tracker', 'bt-tracker-response']);
    expect(h.events[0] as BtTrackerEvent).toMatchObject({ transport: 'udp', action: 'announce', port: 51413, event: 'started', dir: 0 });
    expect((h.events[1] as BtTrackerResponseEvent).peers.length).toBe(1);
    expect(h.counters.count('bittorrent.bad_udp_tracker')).toBe(1);
  });

  it('a session that never gets past connect is reported at its end, stamped with the connect', () => {
    const h = harness();
    const s = new BtUdpSession(h.flow, h.ctx);
    s.datagram(connect, 0, 16, 0);
    h.at.tsSec += 60;
    s.finish();
    expect(h.events).toMatchObject([{ kind: 'bt-tracker', action: 'connect', infoHashes: [], at: { tsSec: 1_700_000_000 } }]);
  });
});

describe('LSD (BEP 14)', () => {
  const ann = (body: string) => bytes(`BT-SEARCH * HTTP/1.1\r\n${body}\r\n\r\n`);

  it('reads host, port, every info hash and the cookie', () => {
    const a = ann('Host: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: ED4F1085E885F98F9A69B70EE89EB988B8FD9115\r\nInfohash: ' + 'a'.repeat(40) + '\r\ncookie: xyz\r\n');
    expect(isLsd(a, 0, a.length)).toBe(true);
    expect(parseLsd(a, 0, a.length)).toEqual({ host: '239.192.152.143:6771', port: 6881, infoHashes: ['ed4f1085e885f98f9a69b70ee89eb988b8fd9115', 'a'.repeat(40)], cookie: 'xyz' });
  });

  it('needs a valid port and at least one 40-hex info hash', () => {
    expect(parseLsd(ann('Port: 6881\r\n'), 0, 999)).toBeUndefined();
    const noPort = ann('Infohash: ' + 'a'.repeat(40) + '\r\n');
    expect(parseLsd(noPort, 0, noPort.length)).toBeUndefined();
    const badHash = ann('Port: 6881\r\nInfohash: xyz\r\n');
    expect(parseLsd(badHash, 0, badHash.length)).toBeUndefined();
    const bigPort = ann('Port: 70000\r\nInfohash: ' + 'a'.repeat(40) + '\r\n');
    expect(parseLsd(bigPort, 0, bigPort.length)).toBeUndefined();
    expect(isLsd(bytes('BT-SEARCH * HTTP/1.0\r\n'), 0, 22)).toBe(false);
  });

  it('one event per announcement on the flow', () => {
    const h = harness();
    const s = new BtUdpSession(h.flow, h.ctx);
    const a = ann('Host: [ff15::efc0:988f]:6771\r\nPort: 6882\r\nInfohash: ' + 'b'.repeat(40) + '\r\n');
    s.datagram(a, 0, a.length, 0);
    s.datagram(a, 0, a.length, 0);
    expect(h.events.map((e) => (e as BtLsdEvent).port)).toEqual([6882, 6882]);
  });
});
