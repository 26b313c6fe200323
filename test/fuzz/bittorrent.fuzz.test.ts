/**
 * Property tests of the BitTorrent parsers on random bytes and on mutations of what real captures
 * carry (the BitTorrent captures in pcaps/ and ../shared/data: KRPC, uTP, BEP 15, LSD datagrams; peer
 * wire, HTTP tracker request and answer streams):
 *
 *  - bencode, KRPC, uTP headers, BEP 15 and LSD datagrams, tracker request targets: a result or a
 *    named anomaly, never an exception; nothing read outside the given bytes; bounded output;
 *  - a BitTorrent UDP session fed a flow's datagrams, mutated: at most one peer-wire fact, plain data
 *    only (what crosses worker threads), memory given back, the flow let go or bounded in datagrams;
 *  - peer wire and tracker answers over TCP cut anywhere: the same facts whatever the cut, memory
 *    given back; the opaque-stream scan on mutated streams: bounded, memory given back.
 */
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_ANOMALIES } from '../../src/applayer/anomalies.js';
import { decodeBencode, MAX_ITEMS } from '../../src/applayer/bittorrent/bencode.js';
import { MAX_PEERS_PER_MESSAGE } from '../../src/applayer/bittorrent/compact.js';
import { trackerRequestOf } from '../../src/applayer/bittorrent/http-tracker.js';
import { parseKrpc } from '../../src/applayer/bittorrent/krpc.js';
import { parseLsd } from '../../src/applayer/bittorrent/lsd.js';
import { BtOpaqueScan } from '../../src/applayer/bittorrent/opaque-scan.js';
import { BITTORRENT_TCP } from '../../src/applayer/bittorrent/peer-wire-protocol.js';
import { TrackerResponseDirection } from '../../src/applayer/bittorrent/tracker-response.js';
import { BtUdpSession, MAX_DATAGRAMS } from '../../src/applayer/bittorrent/udp-session.js';
import { parseUdpTrackerRequest, parseUdpTrackerResponse } from '../../src/applayer/bittorrent/udp-tracker.js';
import { parseUtp } from '../../src/applayer/bittorrent/utp.js';
import { parseRequestHead } from '../../src/applayer/http/request.js';
import { DIR_DONE, type DirParser } from '../../src/applayer/parser.js';
import { harness } from '../applayer/bt-harness.js';
import { CALL_BUDGET_MS, chunkingArb, chunks, hostileBytes, params } from './lib/arb.js';
import { DATA, loadFrames, PCAPS, segments, tcpStreams, type Segment } from './lib/corpus.js';

const BT_CAPTURES = [
  ...['bt-tracker-tcp', 'bt-udp-tracker-utp', 'bt-dht-swarm', 'bt-lsd', 'bt-mse', 'bt-ipv6', 'bt-midstream'].map((n) => join(PCAPS, `${n}.pcap`)),
  join(DATA, 'ndpi/pcap/bittorrent.pcap'), join(DATA, 'ndpi/pcap/bittorrent_utp.pcap'), join(DATA, 'ndpi/pcap/bittorrent_tcp_miss.pcapng'),
  join(DATA, 'ndpi/pcap/bt-http.pcapng'), join(DATA, 'ndpi/pcap/bt_search.pcap'), join(DATA, 'suricata-verify/bittorrent-dht/input.pcap'),
  join(DATA, 'zeek/Traces/bittorrent/tracker.pcap'), join(DATA, 'arkime/tests/pcap/bt-udp.pcap'),
];

interface BtCorpus {
  datagrams: Uint8Array[];
  /** Each UDP flow's datagrams in order, with their direction (0: the first sender). */
  udpFlows: { dir: number; data: Uint8Array }[][];
  peerStreams: Uint8Array[];
  responses: Uint8Array[];
  requests: Uint8Array[];
  opaque: Uint8Array[];
}

let c: BtCorpus;
beforeAll(async () => {
  c = { datagrams: [], udpFlows: [], peerStreams: [], responses: [], requests: [], opaque: [] };
  for (const f of BT_CAPTURES) {
    const segs = segments(await loadFrames(f));
    const flows = new Map<string, { first: string; list: { dir: number; data: Uint8Array }[] }>();
    for (const s of segs.filter((x: Segment) => x.proto === 17 && x.payload.length)) {
      c.datagrams.push(s.payload);
      const [a, b] = s.key.slice(3).split('>');
      const k = [a, b].sort().join(' ');
      let e = flows.get(k);
      if (!e) flows.set(k, (e = { first: a, list: [] }));
      e.list.push({ dir: a === e.first ? 0 : 1, data: s.payload });
    }
    c.udpFlows.push(...[...flows.values()].map((e) => e.list));
    for (const st of tcpStreams(segs)) {
      if (st[0] === 0x13) c.peerStreams.push(st);
      else if (/^HTTP\/1/.test(Buffer.from(st.subarray(0, 8)).toString('latin1'))) c.responses.push(st);
      else if (/^GET /.test(Buffer.from(st.subarray(0, 4)).toString('latin1'))) c.requests.push(st);
      else c.opaque.push(st.subarray(0, 8192));
    }
  }
}, 60_000);

function isolated<T>(bytes: Uint8Array, parse: (buf: Uint8Array, off: number, len: number) => T): T {
  const seen: string[] = [];
  let v!: T;
  for (const fill of [0x00, 0x64]) {
    const buf = new Uint8Array(bytes.length + 64).fill(fill);
    buf.set(bytes, 9);
    const t0 = performance.now();
    v = parse(buf, 9, bytes.length);
    expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
    seen.push(JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? [...x] : x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)) ?? 'undefined');
  }
  expect(seen[1], Buffer.from(bytes).toString('hex').slice(0, 300)).toBe(seen[0]);
  return v;
}

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

describe('the corpus', () => {
  it('has every kind of BitTorrent input, from real captures', () => {
    expect(c.datagrams.length).toBeGreaterThan(200);
    expect(c.udpFlows.length).toBeGreaterThan(20);
    expect(c.peerStreams.length).toBeGreaterThan(30);
    expect(c.responses.length).toBeGreaterThan(10);
    expect(c.requests.length).toBeGreaterThan(10);
    expect(c.opaque.length).toBeGreaterThan(5);
  });
});

describe('datagram parsers', () => {
  it('bencode and KRPC: a message or a named anomaly, bounded, nothing read outside', () => {
    fc.assert(
      fc.property(hostileBytes(c.datagrams, 600), (b) => {
        const r = isolated(b, (buf, off, len) => decodeBencode(buf, off, off + len));
        if ('error' in r) expect(['bittorrent.bad_bencode', 'bittorrent.bencode_limit']).toContain(r.error);
        const k = isolated(b, parseKrpc);
        if ('error' in k) expect(k.error).toBeLessThan(APP_ANOMALIES.length);
        else {
          expect(k.msg.values.length).toBeLessThanOrEqual(MAX_PEERS_PER_MESSAGE);
          expect((k.msg.errorMessage ?? '').length).toBeLessThanOrEqual(129);
          expect((k.msg.t ?? '').length).toBeLessThanOrEqual(32);
          expect(plain(k.msg)).toEqual(k.msg);
        }
      }),
      params(4000),
    );
  });

  it('uTP headers, BEP 15 messages, LSD announcements: inside their bytes, bounded', () => {
    fc.assert(
      fc.property(hostileBytes(c.datagrams, 300), (b) => {
        const u = isolated(b, parseUtp);
        if (u) {
          expect(u.payOff - 9 + u.payLen).toBe(b.length);
          expect(u.payOff - 9).toBeGreaterThanOrEqual(20);
        }
        isolated(b, parseUdpTrackerRequest);
        const r = isolated(b, (buf, off, len) => parseUdpTrackerResponse(buf, off, len, false));
        if (r?.action === 'announce') expect(r.peers.length).toBeLessThanOrEqual(MAX_PEERS_PER_MESSAGE);
        const l = isolated(b, parseLsd);
        if (l) expect(l.infoHashes.length).toBeLessThanOrEqual(16);
      }),
      params(4000),
    );
  });

  it('deep or wide bencode stays within its caps', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('l', 'd1:a'), (n, open) => {
        const s = Buffer.from(open.repeat(n) + 'i1e' + 'e'.repeat(n));
        const r = decodeBencode(s, 0, s.length);
        if (!('error' in r)) expect(n).toBeLessThan(MAX_ITEMS);
      }),
      params(300),
    );
  });
});

describe('UDP sessions', () => {
  it('a flow\'s datagrams, mutated: at most one peer-wire fact, plain data, memory given back', () => {
    const flowArb = fc.integer({ min: 0, max: 1_000_000 }).chain((i) => {
      const flow = c.udpFlows[i % c.udpFlows.length];
      return fc.tuple(fc.constant(flow), fc.array(hostileBytes(flow.map((d) => d.data), 200), { minLength: 0, maxLength: 8 }), fc.integer({ min: 0, max: 20 }));
    });
    fc.assert(
      fc.property(flowArb, ([flow, extra, at]) => {
        const h = harness();
        const s = new BtUdpSession(h.flow, h.ctx);
        const list = [...flow.slice(0, at), ...extra.map((data, j) => ({ dir: j & 1, data })), ...flow.slice(at)];
        let fed = 0;
        for (const d of list) {
          if (s.finished) break;
          s.datagram(d.data, 0, d.data.length, d.dir);
          fed++;
        }
        s.finish();
        expect(fed).toBeLessThanOrEqual(MAX_DATAGRAMS + 1);
        expect(h.events.filter((e) => e.kind === 'bt-peer-wire').length).toBeLessThanOrEqual(1);
        expect(plain(h.events)).toEqual(h.events);
        expect(h.budget.used).toBe(0);
      }),
      params(800),
    );
  });
});

function feedAll(p: DirParser, stream: Uint8Array, sizes: readonly number[]): void {
  for (const ch of chunks(stream, sizes)) if (p.push(ch, 0, ch.length) === DIR_DONE) return;
}

describe('TCP streams', () => {
  it('peer wire cut anywhere: the same facts, memory given back', () => {
    const run = (st: Uint8Array, sizes: readonly number[]) => {
      const h = harness({ proto: 6 });
      const { parser } = BITTORRENT_TCP.open({ flow: h.flow, ctx: h.ctx, synSeen: 3 }, 0);
      feedAll(parser, st, sizes);
      parser.close();
      return h;
    };
    fc.assert(
      fc.property(hostileBytes(c.peerStreams.map((s) => s.subarray(0, 4096)), 600), chunkingArb, (st, sizes) => {
        const a = run(st, sizes);
        const b = run(st, [st.length + 1]);
        expect(a.events).toEqual(b.events);
        expect(a.budget.used).toBe(0);
        expect(plain(a.events)).toEqual(a.events);
      }),
      params(1500),
    );
  });

  it('tracker answers cut anywhere: the same facts, memory given back', () => {
    const run = (st: Uint8Array, sizes: readonly number[]) => {
      const h = harness({ proto: 6 });
      const r = new TrackerResponseDirection(h.ctx, h.flow, 1);
      feedAll(r, st, sizes);
      r.close();
      return h;
    };
    fc.assert(
      fc.property(hostileBytes(c.responses, 600), chunkingArb, (st, sizes) => {
        const a = run(st, sizes);
        const b = run(st, [st.length + 1]);
        expect(a.events).toEqual(b.events);
        expect(a.budget.used).toBe(0);
      }),
      params(1500),
    );
  });

  it('tracker request targets: undefined, or 20-byte hashes and bounded strings', () => {
    const heads = c.requests.map((r) => {
      const e = Buffer.from(r).indexOf('\r\n\r\n');
      return r.subarray(0, e < 0 ? r.length : e + 4);
    });
    fc.assert(
      fc.property(hostileBytes(heads, 600), (b) => {
        const r = parseRequestHead(b, 0, b.length);
        if ('error' in r) return;
        const t = trackerRequestOf(r.head);
        if (!t) return;
        for (const h of t.infoHashes) expect(h).toMatch(/^[0-9a-f]{40}$/);
        expect(t.infoHashes.length).toBeLessThanOrEqual(16);
        expect((t.target ?? '').length).toBeLessThanOrEqual(1025);
        expect((t.userAgent ?? '').length).toBeLessThanOrEqual(257);
      }),
      params(3000),
    );
  });

  it('the opaque-stream scan on mutated streams, both directions: bounded, memory given back', () => {
    fc.assert(
      fc.property(hostileBytes([...c.opaque, ...c.peerStreams.map((s) => s.subarray(30, 8192))], 3000), chunkingArb, fc.integer({ min: 0, max: 3 }), (st, sizes, syn) => {
        const h = harness({ proto: 6 });
        const s = new BtOpaqueScan(h.ctx, h.flow, () => syn);
        const d0 = s.direction(0);
        const d1 = s.direction(1);
        feedAll(d0, st, sizes);
        feedAll(d1, st.subarray(st.length >> 1), sizes);
        d0.close();
        d1.close();
        expect(h.events.filter((e) => e.kind === 'bt-peer-wire').length).toBeLessThanOrEqual(1);
        expect(h.events.filter((e) => e.kind === 'bt-peer-messages').length).toBeLessThanOrEqual(2);
        expect(h.budget.used).toBe(0);
      }),
      params(1500),
    );
  });
});
