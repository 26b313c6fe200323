import { describe, expect, it } from 'vitest';
import { Encap } from '../../src/decode/packet.js';
import { decodeBytes, ipText } from './helpers.js';
import { cat, eth, vlanTag, ipv4, ipv6, tcp, udp, icmp, gre, mplsLabel, vxlan, geneve, erspanII, erspanIII, gtpU } from './build.js';

const OUTER_A = '192.0.2.1';
const OUTER_B = '192.0.2.2';
const INNER_SYN = ipv4({ src: '10.9.8.7', dst: '198.51.100.80', proto: 6 }, tcp({ sport: 44444, dport: 9030, flags: 0x02 }));

function expectInner(r: ReturnType<typeof decodeBytes>, encapBits: number): void {
  expect(r.anomalies).toEqual({});
  expect(r.ok).toBe(true);
  expect([ipText(r.p, 'src'), ipText(r.p, 'dst'), r.p.proto, r.p.sport, r.p.dport, r.p.tcpFlags]).toEqual(['10.9.8.7', '198.51.100.80', 6, 44444, 9030, 2]);
  expect(r.p.encap & encapBits).toBe(encapBits);
}

const outerGre = (payload: Buffer): Buffer => eth(0x0800, ipv4({ src: OUTER_A, dst: OUTER_B, proto: 47 }, payload));
const outerUdp = (sport: number, dport: number, payload: Buffer): Buffer =>
  eth(0x0800, ipv4({ src: OUTER_A, dst: OUTER_B, proto: 17 }, udp(sport, dport, payload)));

describe('GRE', () => {
  it('RFC 2784 plain, and RFC 2890 with checksum, key and sequence', () => {
    expectInner(decodeBytes(outerGre(gre({ proto: 0x0800 }, INNER_SYN))), Encap.GRE);
    const full = decodeBytes(outerGre(gre({ proto: 0x0800, checksum: true, key: 42, seq: 7 }, INNER_SYN)));
    expectInner(full, Encap.GRE);
    expect(full.stats).toMatchObject({ ipv4: 2, gre: 1, tcp: 1 });
  });

  it('transparent Ethernet bridging (0x6558) with an inner VLAN', () => {
    const r = decodeBytes(outerGre(gre({ proto: 0x6558, key: 1 }, eth(0x8100, vlanTag(55, 0x0800, INNER_SYN)))));
    expectInner(r, Encap.GRE | Encap.VLAN);
    expect(r.p.vlan[0]).toBe(55);
  });

  it('IPv6 over GRE over IPv6', () => {
    const inner = ipv6({ src: '2001:db8:a::1', dst: '2001:db8:b::2', nh: 17 }, udp(1000, 443, Buffer.from('quic')));
    const r = decodeBytes(eth(0x86dd, ipv6({ nh: 47 }, gre({ proto: 0x86dd }, inner))));
    expect([r.ok, ipText(r.p, 'src'), r.p.dport, r.p.payLen]).toEqual([true, '2001:db8:a::1', 443, 4]);
  });

  it('PPTP enhanced GRE (v1) with PPP inside', () => {
    const pptp = gre({ proto: 0x880b, version: 1, key: 0x00400001, seq: 1, ack: 0 }, cat(Buffer.from([0xff, 0x03, 0x00, 0x21]), INNER_SYN));
    const r = decodeBytes(outerGre(pptp));
    expectInner(r, Encap.GRE);
    expect(r.stats.ppp).toBe(1);
  });

  it('bad version, RFC 1701 routing/recursion, v1 without key, truncated options', () => {
    expect(decodeBytes(outerGre(gre({ proto: 0x0800, version: 2 }, INNER_SYN))).anomalies).toEqual({ 'gre.bad_version': 1 });
    expect(decodeBytes(outerGre(gre({ proto: 0x0800, extraFlags: 0x4000 }, INNER_SYN))).anomalies).toEqual({ 'gre.bad_flags': 1 });
    expect(decodeBytes(outerGre(gre({ proto: 0x0800, extraFlags: 0x0100 }, INNER_SYN))).anomalies).toEqual({ 'gre.bad_flags': 1 });
    expect(decodeBytes(outerGre(gre({ proto: 0x880b, version: 1 }, INNER_SYN))).anomalies).toEqual({ 'gre.bad_flags': 1 });
    const withOpts = gre({ proto: 0x0800, checksum: true, key: 1, seq: 2 }, Buffer.alloc(0));
    for (let n = 0; n < withOpts.length; n++) {
      expect(decodeBytes(outerGre(withOpts.subarray(0, n))).anomalies).toEqual({ 'gre.truncated': 1 });
    }
  });

  it('an unknown GRE payload keeps the outer GRE flow', () => {
    const r = decodeBytes(outerGre(gre({ proto: 0x88b5 }, Buffer.alloc(20))));
    expect([r.ok, ipText(r.p, 'src'), r.p.proto, r.stats.unknown_ethertype]).toEqual([true, OUTER_A, 47, 1]);
  });

  it('GRE in GRE in GRE ... ends at the layer cap, nested a few times it decodes', () => {
    let pkt: Buffer = INNER_SYN;
    for (let i = 0; i < 3; i++) pkt = ipv4({ src: OUTER_A, dst: OUTER_B, proto: 47 }, gre({ proto: 0x0800 }, pkt));
    expectInner(decodeBytes(eth(0x0800, pkt)), Encap.GRE);
    for (let i = 0; i < 20; i++) pkt = ipv4({ src: OUTER_A, dst: OUTER_B, proto: 47 }, gre({ proto: 0x0800 }, pkt));
    const r = decodeBytes(eth(0x0800, pkt));
    expect([r.ok, r.anomalies]).toEqual([false, { 'decoder.too_many_layers': 1 }]);
  });
});

describe('ERSPAN', () => {
  it('type II (GRE 0x88be with sequence number, version 1 header)', () => {
    const r = decodeBytes(outerGre(gre({ proto: 0x88be, seq: 9 }, erspanII(eth(0x8100, vlanTag(23, 0x0800, INNER_SYN)), 0, 100))));
    expectInner(r, Encap.GRE | Encap.ERSPAN);
    expect(r.stats).toMatchObject({ ipv4: 2, gre: 1, erspan: 1 });
    expect(r.p.vlan[0]).toBe(23);
  });

  it('type I (GRE 0x88be without sequence number: no ERSPAN header)', () => {
    expectInner(decodeBytes(outerGre(gre({ proto: 0x88be }, eth(0x0800, INNER_SYN)))), Encap.ERSPAN);
  });

  it('type III with and without the platform subheader; frame type IP', () => {
    expectInner(decodeBytes(outerGre(gre({ proto: 0x22eb, seq: 1 }, erspanIII(eth(0x0800, INNER_SYN))))), Encap.ERSPAN);
    expectInner(decodeBytes(outerGre(gre({ proto: 0x22eb, seq: 1 }, erspanIII(eth(0x0800, INNER_SYN), { platform: true })))), Encap.ERSPAN);
    expectInner(decodeBytes(outerGre(gre({ proto: 0x22eb, seq: 1 }, erspanIII(INNER_SYN, { ft: 2 })))), Encap.ERSPAN);
  });

  it('the type I/II choice looks only at a GRE header directly below (not an outer one)', () => {
    // GRE without S carrying Ethernet whose ethertype is 0x88be: that ERSPAN is not "below GRE", so type II
    const nested = outerGre(gre({ proto: 0x6558 }, eth(0x88be, erspanII(eth(0x0800, INNER_SYN)))));
    expectInner(decodeBytes(nested), Encap.ERSPAN);
    expectInner(decodeBytes(eth(0x88be, erspanII(eth(0x0800, INNER_SYN)))), Encap.ERSPAN);
  });

  it('wrong versions and short headers are named', () => {
    const v2 = erspanII(eth(0x0800, INNER_SYN));
    v2[0] = 0x20;
    expect(decodeBytes(outerGre(gre({ proto: 0x88be, seq: 1 }, v2))).anomalies).toEqual({ 'erspan.bad_version': 1 });
    expect(decodeBytes(outerGre(gre({ proto: 0x88be, seq: 1 }, Buffer.alloc(7)))).anomalies).toEqual({ 'erspan.truncated': 1 });
    const v3 = erspanIII(eth(0x0800, INNER_SYN), { platform: true });
    expect(decodeBytes(outerGre(gre({ proto: 0x22eb, seq: 1 }, v3.subarray(0, 15)))).anomalies).toEqual({ 'erspan.truncated': 1 });
  });
});

describe('UDP tunnels', () => {
  it('VXLAN on destination port 4789', () => {
    const r = decodeBytes(outerUdp(51000, 4789, vxlan(5001, eth(0x0800, INNER_SYN))));
    expectInner(r, Encap.VXLAN);
    expect(r.stats).toMatchObject({ udp: 1, vxlan: 1, ethernet: 2, ipv4: 2, tcp: 1 });
  });

  it('VXLAN from source port 4789 only with clean reserved bytes', () => {
    expectInner(decodeBytes(outerUdp(4789, 33333, vxlan(7, eth(0x0800, INNER_SYN)))), Encap.VXLAN);
    const dirty = vxlan(7, eth(0x0800, INNER_SYN));
    dirty[2] = 0x55;
    const r = decodeBytes(outerUdp(4789, 33333, dirty));
    expect([r.ok, r.p.proto, r.p.sport, r.p.dport, r.p.encap]).toEqual([true, 17, 4789, 33333, 0]);
  });

  it('VXLAN without the I flag, or too short, stays plain UDP (noted)', () => {
    const r = decodeBytes(outerUdp(1, 4789, vxlan(7, eth(0x0800, INNER_SYN), 0x00)));
    expect([r.ok, r.p.proto, r.p.dport, r.anomalies]).toEqual([true, 17, 4789, { 'vxlan.bad_flags': 1 }]);
    const s = decodeBytes(outerUdp(1, 4789, Buffer.alloc(5)));
    expect([s.ok, s.p.dport, s.anomalies]).toEqual([true, 4789, { 'vxlan.truncated': 1 }]);
  });

  it('VXLAN-GPE on 4790: next protocol IPv4 or Ethernet', () => {
    expectInner(decodeBytes(outerUdp(4789, 4790, cat(Buffer.from([0x0c, 0, 0, 1, 0, 0, 1, 0]), INNER_SYN))), Encap.VXLAN);
    expectInner(decodeBytes(outerUdp(4789, 4790, cat(Buffer.from([0x0c, 0, 0, 3, 0, 0, 1, 0]), eth(0x0800, INNER_SYN)))), Encap.VXLAN);
  });

  it('Geneve with options, Ethernet or IP payload; other versions stay UDP', () => {
    expectInner(decodeBytes(outerUdp(1, 6081, geneve(0x6558, 9, eth(0x0800, INNER_SYN), Buffer.alloc(8)))), Encap.GENEVE);
    expectInner(decodeBytes(outerUdp(1, 6081, geneve(0x0800, 9, INNER_SYN))), Encap.GENEVE);
    const v1 = decodeBytes(outerUdp(1, 6081, geneve(0x0800, 9, INNER_SYN, Buffer.alloc(0), 1)));
    expect([v1.ok, v1.p.proto, v1.anomalies]).toEqual([true, 17, { 'geneve.bad_version': 1 }]);
    const shortOpts = geneve(0x0800, 9, Buffer.alloc(0), Buffer.alloc(0));
    shortOpts[0] = 10; // 40 bytes of options that are not there
    expect(decodeBytes(outerUdp(1, 6081, shortOpts)).anomalies).toEqual({ 'geneve.truncated': 1 });
  });

  it('Teredo on 3544 (with origin indication), between client and relay on other ports, and bubbles', () => {
    const inner6 = ipv6({ src: '2001:0:4137:9e50:8000:f12a:b9c8:2815', dst: '2001:db8::68', nh: 6 }, tcp({ sport: 1286, dport: 80 }));
    const r = decodeBytes(outerUdp(3797, 3544, inner6));
    expect([r.ok, r.p.ipVersion, r.p.sport, r.p.dport, r.p.encap & Encap.TEREDO]).toEqual([true, 6, 1286, 80, Encap.TEREDO]);
    const origin = cat(Buffer.from([0, 0, 0x0d, 0xd8, 0xbe, 0x4f, 0x61, 0xaf]), inner6);
    expect(decodeBytes(outerUdp(3544, 3797, origin)).p.ipVersion).toBe(6);
    // relay traffic: arbitrary ports, but a Teredo address inside
    const relay = decodeBytes(outerUdp(32900, 3797, inner6));
    expect([relay.p.ipVersion, relay.p.dport]).toEqual([6, 80]);
    // the same bytes without a Teredo address on arbitrary ports are just UDP
    const plain6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::68', nh: 6 }, tcp({ sport: 1286, dport: 80 }));
    expect(decodeBytes(outerUdp(32900, 3797, plain6)).p.ipVersion).toBe(4);
    // a bubble: no next header, no payload, hop limit 0
    const bubble = ipv6({ src: '2001:0:4137:9e50:8000:f12a:b9c8:2815', dst: 'fe80::1', nh: 59, hlim: 0 }, Buffer.alloc(0));
    const b = decodeBytes(outerUdp(3797, 32900, bubble));
    expect([b.ok, b.p.ipVersion, b.p.proto]).toEqual([true, 6, 59]);
    // length mismatch: not Teredo
    expect(decodeBytes(outerUdp(3797, 3544, cat(inner6, Buffer.alloc(3)))).p.ipVersion).toBe(4);
  });

  it('GTP-U G-PDU with and without extension headers; other GTP messages stay UDP', () => {
    expectInner(decodeBytes(outerUdp(2152, 2152, gtpU(INNER_SYN))), Encap.GTP);
    const ext = Buffer.from([1, 0x10, 0x05, 0x00]); // PDU session container, next = 0
    expectInner(decodeBytes(outerUdp(2152, 2152, gtpU(INNER_SYN, [ext]))), Encap.GTP);
    const echo = gtpU(Buffer.alloc(0));
    echo[1] = 1;
    expect(decodeBytes(outerUdp(2152, 2152, echo)).p.proto).toBe(17);
    const loop = Buffer.from([1, 0, 0, 0x85]); // every extension says another follows
    const r = decodeBytes(outerUdp(2152, 2152, gtpU(INNER_SYN, Array.from({ length: 12 }, () => loop))));
    expect([r.ok, r.p.proto, r.anomalies]).toEqual([true, 17, { 'gtp.too_many_ext_headers': 1 }]);
  });
});

describe('IP in IP', () => {
  it('4in4, 6in4, 4in6, 6in6 and 6in6in6: the innermost header wins', () => {
    const in6 = ipv6({ src: '2001:db8::aa', dst: '2001:db8::bb', nh: 58 }, icmp(128, 0));
    const a = decodeBytes(eth(0x0800, ipv4({ proto: 4 }, INNER_SYN)));
    expectInner(a, Encap.IP_IN_IP);
    const b = decodeBytes(eth(0x0800, ipv4({ proto: 41 }, in6)));
    expect([b.ok, ipText(b.p, 'src'), b.p.proto, b.p.sport, b.p.dport]).toEqual([true, '2001:db8::aa', 58, 128, 0]);
    expectInner(decodeBytes(eth(0x86dd, ipv6({ nh: 4 }, INNER_SYN))), Encap.IP_IN_IP);
    const d6 = decodeBytes(eth(0x86dd, ipv6({ nh: 41 }, ipv6({ nh: 41 }, in6))));
    expect([d6.ok, ipText(d6.p, 'dst'), d6.stats.ipv6, d6.stats.ipip]).toEqual([true, '2001:db8::bb', 3, 2]);
  });

  it('an inner IP with an unknown protocol does not keep the outer ports', () => {
    const r = decodeBytes(outerUdp(1, 4789, vxlan(1, eth(0x0800, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 89 }, Buffer.alloc(20))))));
    expect([r.ok, ipText(r.p, 'src'), r.p.proto, r.p.sport, r.p.dport, r.p.l4Off, r.p.payLen]).toEqual([true, '10.0.0.1', 89, 0, 0, -1, 20]);
  });

  it('MPLS in IP (137)', () => {
    expectInner(decodeBytes(eth(0x0800, ipv4({ proto: 137 }, cat(mplsLabel(17, true), INNER_SYN)))), Encap.MPLS);
  });

  it('a malformed inner header drops the packet (anomaly), a non-IP inner frame keeps the outer flow', () => {
    const bad = decodeBytes(outerGre(gre({ proto: 0x0800 }, INNER_SYN.subarray(0, 30))));
    expect([bad.ok, bad.anomalies]).toEqual([false, { 'ipv4.bad_total_length': 1 }]);
    const shortTcp = ipv4({ proto: 6 }, tcp({}).subarray(0, 12));
    const bad2 = decodeBytes(outerGre(gre({ proto: 0x0800 }, shortTcp)));
    expect([bad2.ok, bad2.anomalies]).toEqual([false, { 'tcp.truncated': 1 }]);
    const arp = decodeBytes(outerUdp(1, 4789, vxlan(1, eth(0x0806, Buffer.alloc(28)))));
    expect([arp.ok, ipText(arp.p, 'src'), arp.p.proto, arp.p.dport, arp.stats.arp]).toEqual([true, OUTER_A, 17, 4789, 1]);
  });
});

describe('deep but legitimate stacks fit under the layer cap', () => {
  it('QinQ / IPv4 / GRE / ERSPAN II / VLAN / IPv4 / UDP / VXLAN / Ethernet / IPv4 / TCP', () => {
    const innerVx = udp(50000, 4789, vxlan(3, eth(0x0800, INNER_SYN)));
    const mirrored = eth(0x8100, vlanTag(12, 0x0800, ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 17 }, innerVx)));
    const frame = eth(0x88a8, vlanTag(100, 0x8100, vlanTag(200, 0x0800, ipv4({ src: OUTER_A, dst: OUTER_B, proto: 47 }, gre({ proto: 0x88be, seq: 1 }, erspanII(mirrored))))));
    const r = decodeBytes(frame);
    expectInner(r, Encap.VLAN | Encap.GRE | Encap.ERSPAN | Encap.VXLAN);
    expect(Array.from(r.p.vlan.subarray(0, r.p.vlanCount))).toEqual([100, 200, 12]);
    expect(r.p.layers).toBeLessThanOrEqual(16);
  });
});
