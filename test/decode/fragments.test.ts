import { describe, expect, it } from 'vitest';
import { Encap } from '../../src/decode/packet.js';
import { Harness, ipText } from './helpers.js';
import { cat, eth, ipv4, ipv6, ext6, frag6, tcp, udp, gre } from './build.js';

const T0 = 1_700_000_000;

/** Split a UDP datagram into IPv4 fragments of `size` payload bytes (multiple of 8). */
function v4Fragments(id: number, l4: Buffer, size: number, proto = 17, src = '192.0.2.10', dst = '198.51.100.20'): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < l4.length; off += size) {
    const part = l4.subarray(off, off + size);
    out.push(eth(0x0800, ipv4({ src, dst, proto, id, fragOffset: off, mf: off + size < l4.length }, part)));
  }
  return out;
}

describe('IPv4 fragments', () => {
  const datagram = udp(5353, 53, Buffer.alloc(3000, 0x61));

  it('the first fragment decodes the ports; later ones join its flow', () => {
    const h = new Harness();
    const frags = v4Fragments(0xbeef, datagram, 1480);
    expect(frags.length).toBe(3);
    expect(h.decode(frags[0])).toBe(true);
    expect([h.p.isFragment, h.p.fragOffset, h.p.moreFragments, h.p.fragId, h.p.sport, h.p.dport, h.p.l4Off > 0]).toEqual([true, 0, true, 0xbeef, 5353, 53, true]);
    for (const [i, f] of frags.slice(1).entries()) {
      expect(h.decode(f)).toBe(true);
      expect([ipText(h.p, 'src'), ipText(h.p, 'dst'), h.p.proto, h.p.sport, h.p.dport]).toEqual(['192.0.2.10', '198.51.100.20', 17, 5353, 53]);
      expect([h.p.isFragment, h.p.fragOffset, h.p.l4Off, h.p.moreFragments]).toEqual([true, 1480 * (i + 1), -1, i === 0]);
      expect(h.p.payLen).toBe(i === 0 ? 1480 : 3008 - 2960);
    }
    expect(h.anomalies.toObject()).toEqual({});
    expect(h.decoder.stats).toMatchObject({ fragments: 3, frag_first: 1, frag_joined: 2 });
  });

  it('a later fragment without its first: anomaly and false; after the first arrives they join', () => {
    const h = new Harness();
    const frags = v4Fragments(7, datagram, 1480);
    expect(h.decode(frags[2])).toBe(false);
    expect(h.anomalies.toObject()).toEqual({ 'ipv4.frag_without_first': 1 });
    expect(h.decode(frags[0])).toBe(true);
    expect(h.decode(frags[1])).toBe(true);
    expect(h.decode(frags[2])).toBe(true);
    expect(h.p.dport).toBe(53);
  });

  it('the key is (src, dst, protocol, id): another id, protocol or address does not join', () => {
    const h = new Harness();
    h.decode(v4Fragments(1, datagram, 1480)[0]);
    for (const other of [v4Fragments(2, datagram, 1480)[1], v4Fragments(1, datagram, 1480, 6)[1], v4Fragments(1, datagram, 1480, 17, '192.0.2.11')[1]]) {
      expect(h.decode(other)).toBe(false);
    }
    expect(h.anomalies.toObject()).toEqual({ 'ipv4.frag_without_first': 3 });
  });

  it('entries expire on the packet clock (not the wall clock)', () => {
    const h = new Harness({ fragments: { timeoutSec: 30 } });
    const frags = v4Fragments(9, datagram, 1480);
    h.decode(frags[0], 1, { tsSec: T0 });
    expect(h.decode(frags[1], 1, { tsSec: T0 + 30 })).toBe(true);
    expect(h.decode(frags[2], 1, { tsSec: T0 + 31 })).toBe(false);
    expect(h.anomalies.toObject()).toEqual({ 'ipv4.frag_without_first': 1 });
  });

  it('the table is bounded: a flood of first fragments evicts the oldest entries', () => {
    const h = new Harness({ fragments: { buckets: 16, ways: 2 } });
    const n = 1000;
    for (let id = 0; id < n; id++) h.decode(v4Fragments(id, datagram, 1480)[0], 1, { tsSec: T0 + id / 1000 });
    const tracker = h.decoder.fragments;
    expect(tracker.capacity).toBe(32);
    expect(tracker.size(T0 + 1)).toBeLessThanOrEqual(32);
    expect(h.decoder.stats.frag_evicted).toBeGreaterThanOrEqual(n - 32);
    // the newest first fragment is still there, the oldest is gone
    expect(h.decode(v4Fragments(n - 1, datagram, 1480)[1], 1, { tsSec: T0 + 1 })).toBe(true);
    expect(h.decode(v4Fragments(0, datagram, 1480)[1], 1, { tsSec: T0 + 1 })).toBe(false);
  });

  it('a tiny first fragment (8 bytes of TCP, RFC 1858) keeps its ports; an overlapping later fragment is noted', () => {
    const h = new Harness();
    const seg = tcp({ sport: 1234, dport: 9001, flags: 0x02 });
    const f0 = eth(0x0800, ipv4({ proto: 6, id: 1, mf: true }, seg.subarray(0, 8)));
    const f1 = eth(0x0800, ipv4({ proto: 6, id: 1, mf: true, fragOffset: 8 }, seg.subarray(8, 16)));
    const f2 = eth(0x0800, ipv4({ proto: 6, id: 1, fragOffset: 16 }, seg.subarray(16)));
    expect(h.decode(f0)).toBe(true);
    expect([h.p.sport, h.p.dport, h.p.tcpFlags, h.p.payLen]).toEqual([1234, 9001, 0, 0]);
    expect(h.decode(f1)).toBe(true);
    expect(h.decode(f2)).toBe(true);
    expect([h.p.sport, h.p.dport]).toEqual([1234, 9001]);
    expect(h.anomalies.toObject()).toEqual({ 'ip.tiny_first_fragment': 1, 'ipv4.frag_overlap_header': 2 });
  });

  it('the first fragment of a UDP datagram does not trip on the UDP length', () => {
    const h = new Harness();
    expect(h.decode(v4Fragments(3, datagram, 1480)[0])).toBe(true);
    expect(h.p.payLen).toBe(1472);
    expect(h.anomalies.toObject()).toEqual({});
  });

  it('an outer fragmented tunnel: later fragments join the INNER flow', () => {
    const inner = ipv4({ src: '10.0.0.5', dst: '203.0.113.50', proto: 6 }, tcp({ sport: 40001, dport: 443 }, Buffer.alloc(2000)));
    const greDatagram = gre({ proto: 0x0800 }, inner);
    const frags = v4Fragments(77, greDatagram, 1400, 47);
    const h = new Harness();
    expect(h.decode(frags[0])).toBe(true);
    expect([ipText(h.p, 'src'), h.p.sport, h.p.dport, h.p.encap & Encap.GRE]).toEqual(['10.0.0.5', 40001, 443, Encap.GRE]);
    expect(h.decode(frags[1])).toBe(true);
    expect([ipText(h.p, 'src'), ipText(h.p, 'dst'), h.p.proto, h.p.sport, h.p.dport, h.p.encap & Encap.GRE]).toEqual(['10.0.0.5', '203.0.113.50', 6, 40001, 443, Encap.GRE]);
    expect(h.anomalies.toObject()).toEqual({});
  });

  it('fragments inside a tunnel (GRE carrying a fragmented inner datagram) are keyed by the inner header', () => {
    const h = new Harness();
    for (const f of v4Fragments(5, datagram, 1480, 17, '10.1.1.1', '10.2.2.2')) {
      const ipPart = f.subarray(14);
      expect(h.decode(eth(0x0800, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 47 }, gre({ proto: 0x0800 }, ipPart))))).toBe(true);
      expect([ipText(h.p, 'src'), h.p.sport, h.p.dport]).toEqual(['10.1.1.1', 5353, 53]);
    }
  });
});

describe('IPv6 fragments', () => {
  const src = '2001:db8::1';
  const dst = '2001:db8::2';
  const datagram = udp(40000, 53, Buffer.alloc(2500, 0x62));

  function v6Fragments(id: number, l4: Buffer, size: number, before: Buffer[] = []): Buffer[] {
    const out: Buffer[] = [];
    for (let off = 0; off < l4.length; off += size) {
      const fh = frag6(17, off, off + size < l4.length, id);
      const chain = before.length ? cat(...before, fh) : fh;
      out.push(eth(0x86dd, ipv6({ src, dst, nh: before.length ? 0 : 44 }, cat(chain, l4.subarray(off, off + size)))));
    }
    return out;
  }

  it('ports from the first fragment, after a hop-by-hop header too', () => {
    for (const before of [[], [ext6(44)]]) {
      const h = new Harness();
      const frags = v6Fragments(0x12345678, datagram, 1232, before);
      expect(frags.length).toBe(3);
      for (const [i, f] of frags.entries()) {
        expect(h.decode(f)).toBe(true);
        expect([h.p.ipVersion, h.p.proto, h.p.sport, h.p.dport, h.p.isFragment, h.p.fragOffset, h.p.fragId]).toEqual([6, 17, 40000, 53, true, 1232 * i, 0x12345678]);
        expect(h.p.l4Off === -1).toBe(i > 0);
      }
      expect(h.anomalies.toObject()).toEqual({});
    }
  });

  it('a later fragment alone is ipv6.frag_without_first', () => {
    const h = new Harness();
    expect(h.decode(v6Fragments(9, datagram, 1232)[1])).toBe(false);
    expect(h.anomalies.toObject()).toEqual({ 'ipv6.frag_without_first': 1 });
  });

  it('IPv4 and IPv6 entries with the same words do not mix', () => {
    const h = new Harness();
    h.decode(v6Fragments(1, datagram, 1232)[0]);
    expect(h.decode(eth(0x0800, ipv4({ src: '0.0.0.1', dst: '0.0.0.2', proto: 17, id: 1, fragOffset: 1232 }, Buffer.alloc(8))))).toBe(false);
  });
});
