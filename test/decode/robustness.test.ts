import { describe, expect, it } from 'vitest';
import { Harness } from './helpers.js';
import { cat, eth, vlanTag, ipv4, ipv6, ext6, frag6, ah6, tcp, udp, icmp, sctp, gre, mplsLabel, vxlan, geneve, erspanII, erspanIII, gtpU, pppoe, be32 } from './build.js';

const SYN = tcp({ sport: 1, dport: 2, options: Buffer.from([2, 4, 5, 0xb4]) }, Buffer.from('hello'));
const V4 = ipv4({ proto: 6, options: Buffer.from([1, 1, 1, 0]) }, SYN);
const V6 = ipv6({ nh: 0 }, cat(ext6(60), ext6(51), ah6(44), frag6(17, 0, false, 3), udp(3, 4, Buffer.from('x'))));

/** Valid frames of every kind the decoder knows, as (link type, bytes). */
const CORPUS: Array<[string, number, Buffer]> = [
  ['eth/ipv4/tcp', 1, eth(0x0800, V4)],
  ['eth/ipv6 ext chain/udp', 1, eth(0x86dd, V6)],
  ['qinq/icmp', 1, eth(0x88a8, vlanTag(1, 0x8100, vlanTag(2, 0x0800, ipv4({ proto: 1 }, icmp(8, 0)))))],
  ['pppoe', 1, eth(0x8864, pppoe(cat(Buffer.from([0, 0x21]), V4)))],
  ['mpls pw', 1, eth(0x8847, cat(mplsLabel(5, false), mplsLabel(6, true), be32(0), eth(0x0800, V4)))],
  ['gre erspan2', 1, eth(0x0800, ipv4({ proto: 47 }, gre({ proto: 0x88be, seq: 1 }, erspanII(eth(0x0800, V4)))))],
  ['gre erspan3', 1, eth(0x0800, ipv4({ proto: 47 }, gre({ proto: 0x22eb, seq: 1 }, erspanIII(eth(0x0800, V4), { platform: true }))))],
  ['gre key/csum', 1, eth(0x0800, ipv4({ proto: 47 }, gre({ proto: 0x86dd, key: 1, checksum: true }, V6)))],
  ['pptp', 1, eth(0x0800, ipv4({ proto: 47 }, gre({ proto: 0x880b, version: 1, key: 1, seq: 1 }, cat(Buffer.from([0xff, 3, 0, 0x21]), V4))))],
  ['vxlan', 1, eth(0x0800, ipv4({ proto: 17 }, udp(1, 4789, vxlan(1, eth(0x0800, V4)))))],
  ['geneve', 1, eth(0x0800, ipv4({ proto: 17 }, udp(1, 6081, geneve(0x6558, 1, eth(0x86dd, V6), Buffer.alloc(4)))))],
  ['gtp', 1, eth(0x0800, ipv4({ proto: 17 }, udp(2152, 2152, gtpU(V4, [Buffer.from([1, 0, 0, 0])]))))],
  ['teredo', 1, eth(0x0800, ipv4({ proto: 17 }, udp(3544, 1000, cat(Buffer.alloc(8), ipv6({ nh: 6, src: '2001::1' }, SYN)))))],
  ['6in4', 1, eth(0x0800, ipv4({ proto: 41 }, V6))],
  ['sctp', 1, eth(0x0800, ipv4({ proto: 132 }, sctp(1, 2, Buffer.alloc(16))))],
  ['sll', 113, cat(Buffer.alloc(14), Buffer.from([0x08, 0x00]), V4)],
  ['sll2', 276, cat(Buffer.from([0x86, 0xdd]), Buffer.alloc(18), V6)],
  ['null', 0, cat(Buffer.from([2, 0, 0, 0]), V4)],
  ['raw', 101, V6],
  ['ppp', 9, cat(Buffer.from([0xff, 3, 0, 0x21]), V4)],
  ['chdlc', 104, cat(Buffer.from([0x0f, 0, 0x86, 0xdd]), V6)],
  ['nflog', 239, cat(Buffer.from([2, 0, 0, 0]), Buffer.from([V4.length + 4, 0, 9, 0]), V4)],
];

/** Decode with the frame alone and with garbage after it: any difference means a read past p.end. */
function decodeTwice(lt: number, bytes: Buffer, wirelen?: number): { ok: boolean; snapshot: string } {
  const results: string[] = [];
  let ok = false;
  for (const pad of [0, 64]) {
    const h = new Harness();
    ok = h.decode(bytes, lt, { pad, wirelen });
    const p = h.p;
    const end = p.end;
    if (ok) {
      expect(p.ipVersion === 4 || p.ipVersion === 6).toBe(true);
      expect(p.payLen).toBeGreaterThanOrEqual(0);
      expect(p.payOff + p.payLen).toBeLessThanOrEqual(end);
      expect(p.l3Off).toBeLessThan(end);
      expect(p.l4Off).toBeLessThanOrEqual(end);
      expect(p.vlanCount).toBeLessThanOrEqual(3);
    }
    const a = h.anomalies.toObject();
    expect(a['decoder.internal_error']).toBeUndefined();
    results.push(JSON.stringify([ok, a, p.ipVersion, Array.from(p.src), Array.from(p.dst), p.proto, p.sport, p.dport, ok ? p.payOff - pad : 0, p.payLen, p.l4Off < 0 ? -1 : p.l4Off - pad, p.encap]));
  }
  expect(results[1]).toBe(results[0]);
  return { ok, snapshot: results[0] };
}

describe('robustness', () => {
  it('every corpus frame decodes as a whole', () => {
    for (const [name, lt, bytes] of CORPUS) {
      const { ok, snapshot } = decodeTwice(lt, bytes);
      expect(ok, `${name}: ${snapshot}`).toBe(true);
      expect(JSON.parse(snapshot)[1], name).toEqual({});
    }
  });

  it('truncated at every length (whole frame claimed, then snapped): never throws, never reads past the end', () => {
    let cuts = 0;
    for (const [, lt, bytes] of CORPUS) {
      for (let n = 0; n < bytes.length; n++) {
        const cut = bytes.subarray(0, n);
        decodeTwice(lt, cut);
        decodeTwice(lt, cut, bytes.length);
        cuts++;
      }
    }
    expect(cuts).toBeGreaterThan(2000);
  });

  it('random byte mutations (fixed seed): never throws, never reads past the end', () => {
    let seed = 0x2545f491;
    const rnd = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 0x100000000;
    };
    let decodedOk = 0;
    const rounds = 300;
    for (let round = 0; round < rounds; round++) {
      for (const [, lt, bytes] of CORPUS) {
        const m = Buffer.from(bytes);
        const flips = 1 + Math.floor(rnd() * 4);
        for (let i = 0; i < flips; i++) m[Math.floor(rnd() * m.length)] = Math.floor(rnd() * 256);
        if (decodeTwice(lt, m).ok) decodedOk++;
      }
    }
    // Most single-byte changes hit payload or fields that do not matter; some break headers.
    expect(decodedOk).toBeGreaterThan(rounds * CORPUS.length * 0.3);
    expect(decodedOk).toBeLessThan(rounds * CORPUS.length);
  });
});
