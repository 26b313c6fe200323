import { describe, expect, it } from 'vitest';
import { Encap } from '../../src/decode/packet.js';
import { decodeBytes, ipText, Harness } from './helpers.js';
import { cat, eth, vlanTag, ipv4, ipv6, tcp, udp, icmp, mplsLabel, pppoe, be16, be32 } from './build.js';

const SYN = tcp({ sport: 51514, dport: 9001, flags: 0x02 });
const V4_SYN = ipv4({ src: '10.1.2.3', dst: '198.51.100.5', proto: 6 }, SYN);
const V6_UDP = ipv6({ src: '2001:db8::10', dst: '2001:db8::53', nh: 17 }, udp(5353, 53, Buffer.from('q')));

function expectV4Syn(r: ReturnType<typeof decodeBytes>): void {
  expect(r.anomalies).toEqual({});
  expect(r.ok).toBe(true);
  expect(r.p.ipVersion).toBe(4);
  expect(ipText(r.p, 'src')).toBe('10.1.2.3');
  expect(ipText(r.p, 'dst')).toBe('198.51.100.5');
  expect([r.p.proto, r.p.sport, r.p.dport, r.p.tcpFlags]).toEqual([6, 51514, 9001, 0x02]);
}

describe('Ethernet', () => {
  it('decodes Ethernet II / IPv4 / TCP and counts each layer', () => {
    const r = decodeBytes(eth(0x0800, V4_SYN));
    expectV4Syn(r);
    expect(r.p.l3Off).toBe(14);
    expect(r.p.l4Off).toBe(34);
    expect(r.stats).toMatchObject({ pkts: 1, ethernet: 1, ipv4: 1, tcp: 1 });
  });

  it('honours frame.off (the frame in the middle of a larger buffer)', () => {
    const r = decodeBytes(eth(0x0800, V4_SYN), 1, { pad: 37 });
    expectV4Syn(r);
    expect(r.p.l3Off).toBe(37 + 14);
  });

  it('counts an unknown ethertype without an anomaly (decode-unknown-1 style)', () => {
    const r = decodeBytes(eth(0x88b5, Buffer.alloc(46)));
    expect(r.ok).toBe(false);
    expect(r.anomalies).toEqual({});
    expect(r.stats).toMatchObject({ ethernet: 1, unknown_ethertype: 1 });
  });

  it('counts ARP as ARP, not unknown', () => {
    const r = decodeBytes(eth(0x0806, Buffer.alloc(28)));
    expect(r.ok).toBe(false);
    expect(r.stats).toMatchObject({ arp: 1 });
    expect(r.stats.unknown_ethertype).toBeUndefined();
  });

  it('follows 802.3 LLC/SNAP with OUI 0 to its ethertype; other LLC is not IP', () => {
    const snap = Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00]);
    const frame = cat(Buffer.alloc(12, 2), be16(snap.length + V4_SYN.length), snap, V4_SYN);
    expectV4Syn(decodeBytes(frame));
    const stp = cat(Buffer.alloc(12, 2), be16(38), Buffer.from([0x42, 0x42, 0x03]), Buffer.alloc(35));
    const r = decodeBytes(stp);
    expect([r.ok, r.stats.llc]).toEqual([false, 1]);
  });

  it('a frame shorter than the Ethernet header is ethernet.truncated', () => {
    for (let n = 0; n < 14; n++) {
      const r = decodeBytes(Buffer.alloc(n));
      expect(r.ok).toBe(false);
      expect(r.anomalies).toEqual({ 'ethernet.truncated': 1 });
    }
  });
});

describe('802.1Q / 802.1ad', () => {
  it('single, double and triple tags, outermost first', () => {
    const one = decodeBytes(eth(0x8100, vlanTag(6, 0x0800, V4_SYN)));
    expectV4Syn(one);
    expect(Array.from(one.p.vlan.subarray(0, one.p.vlanCount))).toEqual([6]);
    expect(one.p.encap & Encap.VLAN).toBeTruthy();
    const three = decodeBytes(eth(0x8100, vlanTag(1, 0x8100, vlanTag(10, 0x8100, vlanTag(100, 0x0800, V4_SYN)))));
    expectV4Syn(three);
    expect(Array.from(three.p.vlan.subarray(0, three.p.vlanCount))).toEqual([1, 10, 100]);
    expect(three.stats.vlan).toBe(3);
  });

  it('QinQ with 0x88a8, 0x9100 and 0x9200 outer tags; PCP/DEI bits are not part of the id', () => {
    for (const outer of [0x88a8, 0x9100, 0x9200]) {
      const r = decodeBytes(eth(outer, vlanTag(300, 0x8100, vlanTag(4094, 0x86dd, V6_UDP, 7), 5)));
      expect(r.ok).toBe(true);
      expect(Array.from(r.p.vlan.subarray(0, r.p.vlanCount))).toEqual([300, 4094]);
      expect([r.p.ipVersion, r.p.sport, r.p.dport]).toEqual([6, 5353, 53]);
    }
  });

  it('VLAN id 0 (priority tag) is recorded as 0', () => {
    const r = decodeBytes(eth(0x8100, vlanTag(0, 0x0800, V4_SYN, 3)));
    expectV4Syn(r);
    expect([r.p.vlanCount, r.p.vlan[0]]).toEqual([1, 0]);
  });

  it('more tags than MAX_VLAN_TAGS still decode; the extra ids are noted', () => {
    let inner: Buffer = V4_SYN;
    let type = 0x0800;
    for (let i = 5; i >= 1; i--) {
      inner = vlanTag(i, type, inner);
      type = 0x8100;
    }
    const r = decodeBytes(eth(0x8100, inner));
    expect(r.ok).toBe(true);
    expect(r.p.vlanCount).toBe(3);
    expect(Array.from(r.p.vlan)).toEqual([1, 2, 3]);
    expect(r.anomalies).toEqual({ 'vlan.too_many_tags': 2 });
  });

  it('an endless tag stack stops at the layer cap', () => {
    let inner: Buffer = V4_SYN;
    for (let i = 0; i < 40; i++) inner = vlanTag(i, i === 0 ? 0x0800 : 0x8100, inner);
    const r = decodeBytes(eth(0x8100, inner));
    expect(r.ok).toBe(false);
    expect(r.anomalies['decoder.too_many_layers']).toBe(1);
    expect(r.stats.too_many_layers).toBe(1);
  });

  it('a truncated tag is vlan.truncated', () => {
    const r = decodeBytes(eth(0x8100, Buffer.from([0, 6])));
    expect([r.ok, r.anomalies['vlan.truncated']]).toEqual([false, 1]);
  });
});

describe('Linux cooked captures', () => {
  const sll = (proto: number, payload: Uint8Array, hatype = 1): Buffer =>
    cat(be16(0), be16(hatype), be16(6), Buffer.from('0200000000010000', 'hex'), be16(proto), payload);
  const sll2 = (proto: number, payload: Uint8Array, hatype = 1): Buffer =>
    cat(be16(proto), be16(0), be32(2), be16(hatype), Buffer.from([4, 6]), Buffer.from('0200000000010000', 'hex'), payload);

  it('SLL (113) IPv4 and IPv6', () => {
    expectV4Syn(decodeBytes(sll(0x0800, V4_SYN), 113));
    const r = decodeBytes(sll(0x86dd, V6_UDP), 113);
    expect([r.ok, r.p.ipVersion, r.p.dport, r.stats.sll]).toEqual([true, 6, 53, 1]);
  });

  it('SLL2 (276) IPv4, and VLAN-tagged payloads', () => {
    const r = decodeBytes(sll2(0x0800, V4_SYN), 276);
    expectV4Syn(r);
    expect(r.stats).toMatchObject({ sll2: 1, ipv4: 1, tcp: 1 });
    const v = decodeBytes(sll2(0x8100, vlanTag(42, 0x0800, V4_SYN)), 276);
    expectV4Syn(v);
    expect(v.p.vlan[0]).toBe(42);
  });

  it('netlink and 802.3 pseudo-protocols are not IP', () => {
    expect(decodeBytes(sll(0x0800, V4_SYN, 824), 113).ok).toBe(false);
    expect(decodeBytes(sll(0x0004, Buffer.alloc(20), 1), 113).ok).toBe(false);
    expect(decodeBytes(sll2(0x0003, Buffer.alloc(20)), 276).ok).toBe(false);
  });

  it('truncated at every length below the header', () => {
    const a = sll(0x0800, V4_SYN);
    for (let n = 0; n < 16; n++) expect(decodeBytes(a.subarray(0, n), 113).anomalies).toEqual({ 'sll.truncated': 1 });
    const b = sll2(0x0800, V4_SYN);
    for (let n = 0; n < 20; n++) expect(decodeBytes(b.subarray(0, n), 276).anomalies).toEqual({ 'sll2.truncated': 1 });
  });
});

describe('BSD loopback', () => {
  const le32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };

  it('NULL (0) and LOOP (108) in both byte orders; AF_INET6 as 24, 28 and 30', () => {
    for (const lt of [0, 108]) {
      expectV4Syn(decodeBytes(cat(le32(2), V4_SYN), lt));
      expectV4Syn(decodeBytes(cat(be32(2), V4_SYN), lt));
      for (const af of [24, 28, 30]) {
        for (const enc of [le32, be32]) {
          const r = decodeBytes(cat(enc(af), V6_UDP), lt);
          expect([r.ok, r.p.ipVersion, r.p.sport]).toEqual([true, 6, 5353]);
        }
      }
    }
  });

  it('an unknown family is named; a short header is null.truncated', () => {
    const r = decodeBytes(cat(le32(7), V4_SYN), 0);
    expect([r.ok, r.anomalies['null.unknown_family']]).toEqual([false, 1]);
    for (let n = 0; n < 4; n++) expect(decodeBytes(Buffer.alloc(n), 0).anomalies).toEqual({ 'null.truncated': 1 });
  });
});

describe('raw IP link types', () => {
  it('12, 14 and 101 pick the version from the first nibble', () => {
    for (const lt of [12, 14, 101]) {
      expectV4Syn(decodeBytes(V4_SYN, lt));
      expect(decodeBytes(V6_UDP, lt).p.ipVersion).toBe(6);
      const bad = decodeBytes(Buffer.from([0x50, 0, 0, 0]), lt);
      expect([bad.ok, bad.anomalies['raw.bad_version']]).toEqual([false, 1]);
      expect(decodeBytes(Buffer.alloc(0), lt).anomalies).toEqual({ 'raw.bad_version': 1 });
    }
  });

  it('228 is IPv4 and 229 is IPv6; the wrong version is the IP decoder\'s bad_version', () => {
    expectV4Syn(decodeBytes(V4_SYN, 228));
    expect(decodeBytes(V6_UDP, 229).p.dport).toBe(53);
    expect(decodeBytes(V6_UDP, 228).anomalies).toEqual({ 'ipv4.bad_version': 1 });
    expect(decodeBytes(V4_SYN, 229).anomalies).toEqual({ 'ipv6.bad_version': 1 });
  });

  it('an unsupported link type is named', () => {
    const r = decodeBytes(V4_SYN, 147);
    expect([r.ok, r.anomalies['link.unsupported_linktype']]).toEqual([false, 1]);
  });
});

describe('PPP, PPPoE, Cisco HDLC, Frame Relay', () => {
  it('PPP (9) with and without HDLC framing, with protocol-field compression', () => {
    expectV4Syn(decodeBytes(cat(Buffer.from([0xff, 0x03, 0x00, 0x21]), V4_SYN), 9));
    expectV4Syn(decodeBytes(cat(Buffer.from([0x00, 0x21]), V4_SYN), 9));
    expectV4Syn(decodeBytes(cat(Buffer.from([0x21]), V4_SYN), 50));
    expect(decodeBytes(cat(Buffer.from([0xff, 0x03, 0x00, 0x57]), V6_UDP), 9).p.ipVersion).toBe(6);
    const lcp = decodeBytes(cat(Buffer.from([0xff, 0x03, 0xc0, 0x21]), Buffer.alloc(10)), 9);
    expect([lcp.ok, lcp.anomalies]).toEqual([false, {}]);
  });

  it('Cisco HDLC frames under the PPP link type go to the C-HDLC decoder (as Wireshark does)', () => {
    const r = decodeBytes(cat(Buffer.from([0x0f, 0x00, 0x08, 0x00]), V4_SYN), 9);
    expectV4Syn(r);
    expect(r.stats.chdlc).toBe(1);
  });

  it('Cisco HDLC (104)', () => {
    expectV4Syn(decodeBytes(cat(Buffer.from([0x8f, 0x00, 0x08, 0x00]), V4_SYN), 104));
    for (let n = 0; n < 4; n++) expect(decodeBytes(Buffer.from([0x0f, 0, 8, 0]).subarray(0, n), 104).anomalies).toEqual({ 'chdlc.truncated': 1 });
  });

  it('PPPoE session over Ethernet and QinQ; the PPPoE length drops Ethernet padding', () => {
    const pl = cat(Buffer.from([0x00, 0x21]), V4_SYN);
    const r = decodeBytes(eth(0x8864, cat(pppoe(pl), Buffer.alloc(12))));
    expectV4Syn(r);
    expect(r.p.encap & Encap.PPPOE).toBeTruthy();
    expect(r.p.payLen).toBe(0);
    const q = decodeBytes(eth(0x88a8, vlanTag(10, 0x8100, vlanTag(20, 0x8864, pppoe(pl)))));
    expectV4Syn(q);
    expect(q.stats).toMatchObject({ pppoe: 1, ppp: 1, vlan: 2 });
  });

  it('PPPoE: bad version/code, a length past the frame, discovery frames', () => {
    const pl = cat(Buffer.from([0x00, 0x21]), V4_SYN);
    const bad = pppoe(pl);
    bad[0] = 0x12;
    expect(decodeBytes(eth(0x8864, bad)).anomalies).toEqual({ 'pppoe.bad_header': 1 });
    expect(decodeBytes(eth(0x8864, pppoe(pl, pl.length + 100))).anomalies).toEqual({ 'pppoe.truncated': 1 });
    const disc = decodeBytes(eth(0x8863, Buffer.alloc(30)));
    expect([disc.ok, disc.stats.pppoe_discovery, disc.anomalies]).toEqual([false, 1, {}]);
  });

  it('Frame Relay (107): Cisco encapsulation and RFC 2427 NLPID/SNAP', () => {
    expectV4Syn(decodeBytes(cat(Buffer.from([0x18, 0x61, 0x08, 0x00]), V4_SYN), 107));
    expectV4Syn(decodeBytes(cat(Buffer.from([0x18, 0x61, 0x03, 0xcc]), V4_SYN), 107));
    expect(decodeBytes(cat(Buffer.from([0x18, 0x61, 0x03, 0x8e]), V6_UDP), 107).p.ipVersion).toBe(6);
    expectV4Syn(decodeBytes(cat(Buffer.from([0x18, 0x61, 0x03, 0x00, 0x80, 0, 0, 0, 0x08, 0x00]), V4_SYN), 107));
    expect(decodeBytes(Buffer.from([0x18, 0x60, 0x60, 0x60, 0x60]), 107).anomalies).toEqual({ 'frame_relay.truncated': 1 });
  });
});

describe('capture metadata headers', () => {
  it('NFLOG (239): finds the payload TLV among others; bad TLV length', () => {
    const tlv = (type: number, body: Buffer): Buffer => {
      const len = 4 + body.length;
      const h = Buffer.alloc(4);
      h.writeUInt16LE(len, 0);
      h.writeUInt16LE(type, 2);
      return cat(h, body, Buffer.alloc((4 - (len % 4)) % 4));
    };
    const rec = cat(Buffer.from([2, 0, 0, 1]), tlv(1, Buffer.alloc(3)), tlv(10, Buffer.from('prefix\0')), tlv(9, V4_SYN));
    const r = decodeBytes(rec, 239);
    expectV4Syn(r);
    expect(r.stats.nflog).toBe(1);
    const v6 = cat(Buffer.from([10, 0, 0, 1]), tlv(9, V6_UDP));
    expect(decodeBytes(v6, 239).p.ipVersion).toBe(6);
    const badLen = cat(Buffer.from([2, 0, 0, 1]), Buffer.from([2, 0, 9, 0]), V4_SYN);
    expect(decodeBytes(badLen, 239).anomalies).toEqual({ 'nflog.bad_tlv_length': 1 });
    const past = cat(Buffer.from([2, 0, 0, 1]), Buffer.from([0xff, 0x00, 9, 0]), V4_SYN);
    expect(decodeBytes(past, 239).anomalies).toEqual({ 'nflog.bad_tlv_length': 1 });
    expect(decodeBytes(Buffer.from([2, 0]), 239).anomalies).toEqual({ 'nflog.truncated': 1 });
  });

  it('PPI (192) and PKTAP (258) hand the inner frame on by its DLT', () => {
    const ppiHdr = Buffer.alloc(8);
    ppiHdr.writeUInt16LE(8, 2);
    ppiHdr.writeUInt32LE(1, 4);
    expectV4Syn(decodeBytes(cat(ppiHdr, eth(0x0800, V4_SYN)), 192));
    const pk = Buffer.alloc(108);
    pk.writeUInt32LE(108, 0);
    pk.writeUInt32LE(1, 4);
    pk.writeUInt32LE(1, 8);
    expectV4Syn(decodeBytes(cat(pk, eth(0x0800, V4_SYN)), 258));
    const lying = Buffer.from(ppiHdr);
    lying.writeUInt16LE(500, 2);
    expect(decodeBytes(cat(lying, eth(0x0800, V4_SYN)), 192).anomalies).toEqual({ 'ppi.truncated': 1 });
  });

  it('PPI whose inner DLT is PPI again ends at the layer cap', () => {
    const ppiHdr = Buffer.alloc(8);
    ppiHdr.writeUInt16LE(8, 2);
    ppiHdr.writeUInt32LE(192, 4);
    const r = decodeBytes(Buffer.concat(Array.from({ length: 30 }, () => ppiHdr)), 192);
    expect(r.anomalies).toEqual({ 'decoder.too_many_layers': 1 });
  });

  it('Solaris ipnet (226)', () => {
    const h = Buffer.alloc(24);
    h[0] = 2;
    h[1] = 2;
    expectV4Syn(decodeBytes(cat(h, V4_SYN), 226));
    h[1] = 26;
    expect(decodeBytes(cat(h, V6_UDP), 226).p.ipVersion).toBe(6);
  });
});

describe('MPLS', () => {
  it('label stack then IPv4 / IPv6 by first nibble; explicit-null labels name the payload', () => {
    const r = decodeBytes(eth(0x8847, cat(mplsLabel(100, false), mplsLabel(200, true), V4_SYN)));
    expectV4Syn(r);
    expect(r.p.encap & Encap.MPLS).toBeTruthy();
    expect(decodeBytes(eth(0x8847, cat(mplsLabel(16, true), V6_UDP))).p.ipVersion).toBe(6);
    expectV4Syn(decodeBytes(eth(0x8848, cat(mplsLabel(0, true), V4_SYN))));
    expect(decodeBytes(eth(0x8847, cat(mplsLabel(2, true), V6_UDP))).p.ipVersion).toBe(6);
  });

  it('Ethernet pseudowire with a control word (first nibble 0)', () => {
    const r = decodeBytes(eth(0x8847, cat(mplsLabel(300, true), be32(0), eth(0x8100, vlanTag(9, 0x0800, V4_SYN)))));
    expectV4Syn(r);
    expect(r.p.vlan[0]).toBe(9);
    expect(r.stats.ethernet).toBe(2);
  });

  it('an unknown payload, a truncated stack and 100 labels are named', () => {
    expect(decodeBytes(eth(0x8847, cat(mplsLabel(300, true), Buffer.from([0x20, 1, 2, 3])))).anomalies).toEqual({ 'mpls.unknown_payload': 1 });
    expect(decodeBytes(eth(0x8847, cat(mplsLabel(300, false), Buffer.from([0, 1])))).anomalies).toEqual({ 'mpls.truncated': 1 });
    const hundred = cat(...Array.from({ length: 99 }, (_, i) => mplsLabel(i + 16, false)), mplsLabel(5000, true), V4_SYN);
    const r = decodeBytes(eth(0x8847, hundred));
    expect([r.ok, r.anomalies]).toEqual([false, { 'mpls.too_many_labels': 1 }]);
  });

  it('the Suricata too-many-layers shape (Ethernet/MPLS/PW/Ethernet/MPLS/...) stops at the layer cap', () => {
    let inner: Buffer = eth(0x0800, V4_SYN);
    for (let i = 0; i < 40; i++) inner = eth(0x8847, cat(mplsLabel(1, true), be32(0), inner));
    const r = decodeBytes(inner);
    expect(r.anomalies).toEqual({ 'decoder.too_many_layers': 1 });
  });
});

describe('the decoder object', () => {
  it('reuses one Packet across frames without stale fields', () => {
    const h = new Harness();
    expect(h.decode(eth(0x8100, vlanTag(7, 0x0800, ipv4({ proto: 17 }, udp(1, 2)))))).toBe(true);
    expect(h.decode(eth(0x0800, ipv4({ proto: 1 }, icmp(8, 0))))).toBe(true);
    expect([h.p.vlanCount, h.p.encap, h.p.proto, h.p.sport, h.p.dport]).toEqual([0, 0, 1, 8, 0]);
    expect(h.decode(eth(0x0806, Buffer.alloc(28)))).toBe(false);
    expect([h.p.ipVersion, h.p.l4Off, h.p.sport]).toEqual([0, -1, 0]);
  });
});
