import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { BtPeerMessagesEvent, BtPeerWireEvent, BtPexEvent, BtTrackerResponseEvent } from '../../src/applayer/bittorrent/events.js';
import { trackerRequestOf } from '../../src/applayer/bittorrent/http-tracker.js';
import { BtOpaqueScan } from '../../src/applayer/bittorrent/opaque-scan.js';
import { MsgId } from '../../src/applayer/bittorrent/peer-messages.js';
import { BITTORRENT_TCP } from '../../src/applayer/bittorrent/peer-wire-protocol.js';
import { MAX_INFLATED, TrackerResponseDirection } from '../../src/applayer/bittorrent/tracker-response.js';
import { parseRequestHead } from '../../src/applayer/http/request.js';
import { DIR_DONE, type DirParser } from '../../src/applayer/parser.js';
import { sniff } from '../../src/applayer/sniff.js';
import { bytes, concat, handshake, harness, message, u16be, u32be } from './bt-harness.js';

const IH = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);
const IH_HEX = Buffer.from(IH).toString('hex');
const extHandshake = (body: string) => concat(u32be(body.length + 2), [MsgId.extended, 0], body);
const EXT = 'd1:md6:ut_pexi3e11:ut_metadatai2ee1:pi51413e1:v17:Transmission 3.00e';

/** Push `data` to `p` in pieces cut at `cuts` (offsets), as TCP would deliver it. */
function feed(p: DirParser, data: Uint8Array, cuts: number[]): void {
  let prev = 0;
  for (const c of [...cuts.filter((x) => x < data.length), data.length]) {
    if (c <= prev) continue;
    if (p.push(data, prev, c - prev) === DIR_DONE) return;
    prev = c;
  }
}

function peerSession(cutsA: number[], cutsB: number[]) {
  const h = harness({ proto: 6 });
  const session = { flow: h.flow, ctx: h.ctx, synSeen: 3 };
  const a = concat(handshake(IH, '-qB4520-abcdefghijkl'), extHandshake(EXT.replace('Transmission 3.00', 'qBittorrent/4.5.2')), message(MsgId.interested));
  const pexBody = concat('d5:added12:', [198, 51, 100, 7, 0x1a, 0xe1, 203, 0, 113, 9, 0, 80], '7:added.f2:', [0, 0], 'e');
  const b = concat(handshake(IH, '-TR3000-mnopqrstuvwx', [0, 0, 0, 0, 0, 0x10, 0, 0x04]), extHandshake(EXT.replace('ut_pexi3e', 'ut_pexi1e')), message(MsgId.unchoke), concat(u32be(pexBody.length + 2), [MsgId.extended, 3], pexBody), message(MsgId.piece, new Uint8Array(8 + 300)));
  const { parser, other } = BITTORRENT_TCP.open(session, 0);
  feed(parser, a, cutsA);
  feed(other!, b, cutsB);
  parser.close();
  other!.close();
  return h;
}

describe('peer wire over TCP (BEP 3, 10, 11)', () => {
  it('is recognised by its first 20 bytes, whichever side sends them', () => {
    const hs = handshake(IH, '-TR3000-abcdefghijkl');
    expect(sniff(hs, 0, 68)).toBe(BITTORRENT_TCP);
    expect(sniff(hs, 0, 10)).toBe('more');
    expect(sniff(bytes('\x13BitTorrent protocoX'), 0, 20)).toBe('none');
  });

  it('both handshakes, extension handshakes and PEX, however the streams are cut; memory given back', () => {
    const whole = peerSession([], []);
    const wire = whole.events.filter((e): e is BtPeerWireEvent => e.kind === 'bt-peer-wire');
    expect(wire.length).toBe(1);
    expect(wire[0]).toMatchObject({ transport: 'tcp', via: 'handshake' });
    expect(wire[0].sides[0]).toMatchObject({ infoHash: IH_HEX, peerId: '-qB4520-abcdefghijkl', ltep: true, dht: true, fast: true, extClient: 'qBittorrent/4.5.2', extPort: 51413 });
    expect(wire[0].sides[1]).toMatchObject({ peerId: '-TR3000-mnopqrstuvwx', dht: false, extClient: 'Transmission 3.00' });
    // The PEX message used the id the *receiver* (side 0) asked for: 3.
    const pex = whole.events.filter((e): e is BtPexEvent => e.kind === 'bt-pex');
    expect(pex).toEqual([{ kind: 'bt-pex', dir: 1, peers: [{ version: 4, words: [0, 0, 0, 0xc6336407], port: 6881 }, { version: 4, words: [0, 0, 0, 0xcb007109], port: 80 }] }]);
    for (let step = 1; step <= 7; step += 3) {
      const cuts = Array.from({ length: 400 }, (_, i) => i * step + 1);
      const h = peerSession(cuts, cuts.map((c) => c + 2));
      expect(h.events, `cut every ${step}`).toEqual(whole.events);
      expect(h.budget.used).toBe(0);
    }
  });

  it('a message with an id or length no BEP allows ends the direction, counted', () => {
    const h = harness({ proto: 6 });
    const { parser } = BITTORRENT_TCP.open({ flow: h.flow, ctx: h.ctx, synSeen: 3 }, 0);
    const data = concat(handshake(IH, '-TR3000-abcdefghijkl'), message(MsgId.have, [0, 0]));
    expect(parser.push(data, 0, data.length)).toBe(DIR_DONE);
    expect(h.counters.count('bittorrent.bad_message')).toBe(1);
    parser.close();
    expect(h.events.filter((e) => e.kind === 'bt-peer-wire').length).toBe(1);
  });
});

describe('BitTorrent in opaque TCP streams', () => {
  function scan(dir0: Uint8Array[], dir1: Uint8Array[], synSeen = 3) {
    const h = harness({ proto: 6 });
    const s = new BtOpaqueScan(h.ctx, h.flow, () => synSeen);
    const d = [s.direction(0), s.direction(1)];
    const done = [false, false];
    for (let i = 0; i < Math.max(dir0.length, dir1.length); i++) {
      for (const [k, chunks] of [dir0, dir1].entries()) {
        const c = chunks[i];
        if (c && !done[k] && d[k].push(c, 0, c.length) === DIR_DONE) done[k] = true;
      }
    }
    d[0].close();
    d[1].close();
    return h;
  }

  it('a handshake after an MSE key exchange that chose plaintext (the protocol string split over two segments)', () => {
    const hs = handshake(IH, '-lt0D80-abcdefghijkl');
    const h = scan([randomBytes(300), concat(randomBytes(100), hs.subarray(0, 7)), hs.subarray(7)], [randomBytes(250)]);
    const w = h.events.filter((e): e is BtPeerWireEvent => e.kind === 'bt-peer-wire');
    expect(w).toMatchObject([{ via: 'mse-plaintext', sides: [{ infoHash: IH_HEX, peerId: '-lt0D80-abcdefghijkl', offset: 400 }, null] }]);
  });

  it('a stream picked up mid-stream: a chain of messages from the second segment on', () => {
    const msgs = concat(message(MsgId.have, [0, 0, 0, 1]), message(MsgId.request, new Uint8Array(12)), message(MsgId.request, new Uint8Array(12)), u32be(0), message(MsgId.interested));
    // The first segment starts inside a message; the second at a boundary.
    const h = scan([new Uint8Array([7, 0, 0, 0, 1]), msgs], [], 0);
    expect(h.events.filter((e): e is BtPeerMessagesEvent => e.kind === 'bt-peer-messages')).toEqual([{ kind: 'bt-peer-messages', dir: 0, messages: 5, ids: [2, 4, 6] }]);
  });

  it('random bytes, zeros (keep-alives only) and a started stream are not a chain', () => {
    expect(scan([randomBytes(1400), randomBytes(1400)], [], 0).events).toEqual([]);
    expect(scan([new Uint8Array(1400)], [], 0).events).toEqual([]);
    const msgs = concat(message(MsgId.have, [0, 0, 0, 1]), message(MsgId.have, [0, 0, 0, 2]), message(MsgId.have, [0, 0, 0, 3]), message(MsgId.have, [0, 0, 0, 4]));
    expect(scan([msgs], [], 1).events).toEqual([]);
  });
});

describe('HTTP trackers', () => {
  const head = (target: string, ua = 'Transmission/2.94') => {
    const r = parseRequestHead(bytes(`GET ${target} HTTP/1.1\r\nHost: tracker.example:6969\r\nUser-Agent: ${ua}\r\n\r\n`), 0, 200 + target.length);
    if ('error' in r) throw new Error(r.error);
    return r.head;
  };
  const T = '/announce?info_hash=%aa7i%c4S%0d%de%06%24%18s%da%d4%3a%b5%cc%ec%2c%e6%22&peer_id=-TR2940-chho92c56pul&port=51413&uploaded=0&left=1&numwant=80&compact=1&event=started';

  it('an announce: the 20-byte info_hash, peer id, port, event, the client headers', () => {
    expect(trackerRequestOf(head(T))).toMatchObject({ transport: 'http', action: 'announce', infoHashes: ['aa3769c4530dde06241873dad43ab5ccec2ce622'], peerId: '-TR2940-chho92c56pul', port: 51413, event: 'started', numwant: 80, compact: true, path: '/announce', host: 'tracker.example:6969', userAgent: 'Transmission/2.94' });
  });

  it('a scrape may name several hashes and needs no peer id', () => {
    const h = trackerRequestOf(head('/scrape?info_hash=' + '%41'.repeat(20) + '&info_hash=' + 'B'.repeat(20)));
    expect(h).toMatchObject({ action: 'scrape', infoHashes: ['41'.repeat(20), '42'.repeat(20)] });
  });

  it.each([
    ['/announce', 'no info_hash'],
    ['/announce.php?passkey=1&info_hash=%41%42', 'an info_hash of 2 bytes'],
    ['/announce?info_hash=' + 'A'.repeat(20) + '&port=1', 'an announce without peer_id'],
    ['/announce?info_hash=' + 'A'.repeat(20) + '&peer_id=' + 'P'.repeat(20), 'an announce without port'],
    ['/announce?info_hash=%zz' + 'A'.repeat(19), 'a bad escape'],
  ])('not a tracker request: %s (%s)', (t) => {
    expect(trackerRequestOf(head(t))).toBeUndefined();
  });

  function answer(raw: Uint8Array, cuts: number[] = []) {
    const h = harness({ proto: 6 });
    const r = new TrackerResponseDirection(h.ctx, h.flow, 1);
    feed(r, raw, cuts);
    r.close();
    return h;
  }
  const body = concat('d8:intervali1800e5:peers12:', [198, 51, 100, 61, 0xc8, 0xd5, 10, 1, 1, 10, 0x1a, 0xe1], '6:peers618:', Buffer.from('20010db8000000000000000000000061', 'hex'), u16be(6881), 'e');

  it('the answer: compact peers (IPv4 and IPv6), framed by Content-Length, chunked, or gzip; cut anywhere', () => {
    const plain = concat(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    const want = { kind: 'bt-tracker-response', transport: 'http', dir: 1, action: 'announce', interval: 1800, peerCount: 3 };
    expect(answer(plain).events).toMatchObject([want]);
    const gz = gzipSync(body);
    const zipped = concat(`HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`, gz);
    const chunked = concat('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', `${(10).toString(16)}\r\n`, body.subarray(0, 10), '\r\n', `${(body.length - 10).toString(16)};x=y\r\n`, body.subarray(10), '\r\n0\r\n\r\n');
    for (const raw of [plain, zipped, chunked]) {
      for (let step = 1; step < 40; step += 13) {
        const h = answer(raw, Array.from({ length: 300 }, (_, i) => i * step + 1));
        expect(h.events).toMatchObject([want]);
        expect((h.events[0] as BtTrackerResponseEvent).peers.length).toBe(3);
        expect(h.budget.used).toBe(0);
      }
    }
  });

  it('a failure reason; a redirect is not counted as malformed; a gzip bomb stops at its cap', () => {
    const fail = bytes('d14:failure reason22:torrent not registerede');
    expect(answer(concat(`HTTP/1.1 200 OK\r\nContent-Length: ${fail.length}\r\n\r\n`, fail)).events).toMatchObject([{ action: 'error', failure: 'torrent not registered' }]);
    const redirect = answer(bytes('HTTP/1.1 307 Temporary Redirect\r\nLocation: /announce\r\n\r\n'));
    expect(redirect.events).toEqual([]);
    expect(redirect.counters.count('bittorrent.bad_tracker_response')).toBe(0);
    const bomb = gzipSync(new Uint8Array(MAX_INFLATED * 8));
    const h = answer(concat(`HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`, bomb));
    expect(h.events).toEqual([]);
    expect(h.counters.count('bittorrent.bad_tracker_response')).toBe(1);
    expect(h.budget.used).toBe(0);
  });

  it('memory is reserved as bytes arrive: a tiny budget stops the reader, counted, nothing leaked', () => {
    const h = harness({ proto: 6, memcap: 64 });
    const r = new TrackerResponseDirection(h.ctx, h.flow, 1);
    const raw = concat(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    expect(r.push(raw, 0, raw.length)).toBe(DIR_DONE);
    r.close();
    expect(h.counters.count('stream.memcap')).toBe(1);
    expect(h.budget.used).toBe(0);
  });
});
