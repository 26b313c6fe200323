/**
 * Property tests of every decoder (link, IP, transport, tunnels), on random bytes and on mutations of
 * the real bytes each decoder saw in real captures (pcaps/ and ../shared/data: every link type and
 * tunnel torwatch reads).
 *
 * For one decoder called directly, and for the whole decode stage by link type:
 *  - it returns (a boolean), never throws; the stage never counts decoder.internal_error;
 *  - it reads nothing past the end it was given: the same bytes followed by two different tails
 *    decode identically (fields, anomalies);
 *  - what it reports lies inside the frame (payload, transport header), and its work is bounded:
 *    the layer count never passes the cap (decoder.max-layers), one call stays inside a time budget.
 * Builds on test/decode/robustness.test.ts (hand-made frames of every kind, cut at every length).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnomalyCounters } from '../../src/decode/anomalies.js';
import { DEFAULT_MAX_LAYERS, Dispatcher, type LayerDecoder } from '../../src/decode/dispatch.js';
import { PacketDecoder, registerDecoders } from '../../src/decode/index.js';
import { LinkType } from '../../src/decode/numbers.js';
import { Packet } from '../../src/decode/packet.js';
import { CALL_BUDGET_MS, hostileBytes, params } from './lib/arb.js';
import { loadFrames, seedCaptures } from './lib/corpus.js';

/** Every decoder of the tables, by name, with the layer bytes it was handed while decoding real captures. */
const decoders = new Map<string, { fn: LayerDecoder; samples: Uint8Array[] }>();
/** Real frames by link type. */
const framesByLinktype = new Map<number, Uint8Array[]>();

function frameOf(buf: Buffer, caplen: number, wirelen: number, linktype: number): Packet {
  const p = new Packet();
  p.reset({ buf, off: 0, caplen, wirelen, tsSec: 1_700_000_000, tsNsec: 0, linktype, ifIndex: 0, index: 1, fileOffset: 0 });
  return p;
}

beforeAll(async () => {
  // A dispatcher whose every table entry records the bytes it is given, then decodes as usual.
  const recording = new Dispatcher(new AnomalyCounters());
  const wrap = (fn: LayerDecoder): LayerDecoder => {
    let e = decoders.get(fn.name);
    if (!e) decoders.set(fn.name, (e = { fn, samples: [] }));
    const entry = e;
    return (d, p, off, end) => {
      if (entry.samples.length < 400 && end > off) entry.samples.push(Uint8Array.from(p.buf.subarray(off, end)));
      return fn(d, p, off, end);
    };
  };
  registerDecoders({
    registerLinkType: (n, fn) => recording.registerLinkType(n, wrap(fn)),
    registerEtherType: (n, fn) => recording.registerEtherType(n, wrap(fn)),
    registerIpProto: (n, fn) => recording.registerIpProto(n, wrap(fn)),
    registerUdpPort: (n, fn, src) => recording.registerUdpPort(n, wrap(fn), src),
    registerUdpHeuristic: (fn) => recording.registerUdpHeuristic(wrap(fn)),
  });
  for (const file of seedCaptures()) {
    for (const f of await loadFrames(file)) {
      const list = framesByLinktype.get(f.linktype) ?? [];
      if (list.length < 2000) list.push(f.bytes);
      framesByLinktype.set(f.linktype, list);
      const buf = Buffer.from(f.bytes);
      const p = frameOf(buf, buf.length, f.wirelen, f.linktype);
      recording.begin(p);
      recording.link(p, f.linktype, 0, buf.length);
    }
  }
});

/** The fields a decoder fills, as one comparable string (offsets relative to the frame start). */
function snapshot(p: Packet, ok: boolean, anomalies: AnomalyCounters): string {
  return JSON.stringify([ok, p.ipVersion, Array.from(p.src), Array.from(p.dst), p.proto, p.sport, p.dport, p.l3Off, p.l4Off, p.payOff, p.payLen, p.tcpFlags, p.tcpSeq, p.isFragment, p.fragOffset, p.encap, p.vlanCount, p.layers, anomalies.toObject()]);
}

/** The bytes, followed by a tail of `fill` bytes the decoder must never look at. */
function withTail(bytes: Uint8Array, fill: number): Buffer {
  const b = Buffer.alloc(bytes.length + 96, fill);
  b.set(bytes, 0);
  return b;
}

function checkBounds(p: Packet, end: number): void {
  if (p.ipVersion !== 0) {
    expect(p.payLen).toBeGreaterThanOrEqual(0);
    expect(p.payOff + p.payLen).toBeLessThanOrEqual(end);
    expect(p.l3Off).toBeLessThan(end);
    expect(p.l4Off).toBeLessThanOrEqual(end);
  }
  expect(p.layers).toBeLessThanOrEqual(DEFAULT_MAX_LAYERS + 1);
  expect(p.vlanCount).toBeLessThanOrEqual(3);
}

describe('each decoder alone (hand-ons go nowhere: only this layer is under test)', () => {
  it('the tables have decoders, and real captures exercised most of them', () => {
    expect(decoders.size).toBeGreaterThanOrEqual(35);
    const unseen = [...decoders].filter(([, e]) => e.samples.length === 0).map(([n]) => n);
    // Formats no capture here carries are still fuzzed with random bytes below.
    expect(unseen.length, `decoders without real samples: ${unseen.join(', ')}`).toBeLessThanOrEqual(8);
  });

  it('random and mutated real layer bytes: returns, reads nothing past its end, reports offsets inside it', () => {
    let calls = 0;
    let slowest = 0;
    for (const [name, { fn, samples }] of decoders) {
      const corpus = samples.length ? samples : [new Uint8Array(64)];
      fc.assert(
        fc.property(hostileBytes(corpus, 256), fc.boolean(), (bytes, snapped) => {
          const out: string[] = [];
          for (const fill of [0x00, 0xff]) {
            const buf = withTail(bytes, fill);
            const p = frameOf(buf, bytes.length, snapped ? bytes.length + 100 : bytes.length, 1);
            const anomalies = new AnomalyCounters();
            const d = new Dispatcher(anomalies);
            d.begin(p);
            const t0 = performance.now();
            let ok: boolean;
            try {
              ok = fn(d, p, 0, bytes.length);
            } catch (err) {
              throw new Error(`${name} threw on ${Buffer.from(bytes).toString('hex')}: ${(err as Error).stack}`);
            }
            slowest = Math.max(slowest, performance.now() - t0);
            calls++;
            expect(typeof ok, name).toBe('boolean');
            checkBounds(p, bytes.length);
            out.push(snapshot(p, ok, anomalies));
          }
          expect(out[1], `${name} read past its end on ${Buffer.from(bytes).toString('hex')}`).toBe(out[0]);
        }),
        params(samples.length ? 700 : 300),
      );
    }
    expect(calls).toBeGreaterThan(40_000);
    expect(slowest).toBeLessThan(CALL_BUDGET_MS);
  });
});

describe('the decode stage, by link type', () => {
  const linktypes = Object.values(LinkType);

  it('random and mutated real frames of every link type: no internal error, nothing read past the frame, bounded', () => {
    let frames = 0;
    for (const lt of linktypes) {
      const real = framesByLinktype.get(lt) ?? [new Uint8Array(60)];
      fc.assert(
        fc.property(hostileBytes(real, 1600), fc.nat({ max: 3000 }), (bytes, extraWire) => {
          const out: string[] = [];
          for (const fill of [0x00, 0xff]) {
            const anomalies = new AnomalyCounters();
            const dec = new PacketDecoder(anomalies);
            const buf = withTail(bytes, fill);
            const p = frameOf(buf, bytes.length, bytes.length + extraWire, lt);
            const ok = dec.decode(p);
            expect(anomalies.toObject()['decoder.internal_error'], `link type ${lt}: ${String((dec.lastInternalError as Error)?.stack)}`).toBeUndefined();
            checkBounds(p, bytes.length);
            out.push(snapshot(p, ok, anomalies));
          }
          frames++;
          expect(out[1], `link type ${lt}: read past the frame on ${Buffer.from(bytes).toString('hex')}`).toBe(out[0]);
        }),
        params(framesByLinktype.has(lt) ? 1500 : 300),
      );
    }
    expect(frames).toBeGreaterThan(10_000);
  });

  it('a stream of mutated frames through one decoder (the fragment table carries state): no internal error', () => {
    const eth = framesByLinktype.get(1)!;
    fc.assert(
      fc.property(fc.array(hostileBytes(eth, 1600), { minLength: 1, maxLength: 200 }), (list) => {
        const anomalies = new AnomalyCounters();
        const dec = new PacketDecoder(anomalies, { fragments: { buckets: 4, ways: 2 } });
        let t = 1_700_000_000;
        for (const bytes of list) {
          const p = new Packet();
          p.reset({ buf: Buffer.from(bytes), off: 0, caplen: bytes.length, wirelen: bytes.length, tsSec: t++, tsNsec: 0, linktype: 1, ifIndex: 0, index: 1, fileOffset: 0 });
          dec.decode(p);
        }
        expect(anomalies.toObject()['decoder.internal_error']).toBeUndefined();
      }),
      params(300),
    );
  });
});
