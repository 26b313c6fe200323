import { describe, expect, it } from 'vitest';
import { decodeBytes, ipText } from './helpers.js';
import { cat, eth, ipv4, ipv6, ext6, ah6, frag6, tcp, udp, icmp, sctp, be32 } from './build.js';

const PAYLOAD = Buffer.from('GET / HTTP/1.1\r\n\r\n');

describe('IPv4', () => {
  it('fills the tuple, TTL, lengths and offsets', () => {
    const r = decodeBytes(eth(0x0800, ipv4({ src: '10.0.0.1', dst: '203.0.113.9', ttl: 17, proto: 6 }, tcp({ sport: 1025, dport: 80, flags: 0x18, seq: 0xfffffff0, ack: 7, win: 512 }, PAYLOAD))));
    expect(r.ok).toBe(true);
    const p = r.p;
    expect([ipText(p, 'src'), ipText(p, 'dst'), p.ttl, p.ipLen]).toEqual(['10.0.0.1', '203.0.113.9', 17, 20 + 20 + PAYLOAD.length]);
    expect(Array.from(p.src)).toEqual([0, 0, 0, 0x0a000001]);
    expect([p.tcpFlags, p.tcpSeq, p.tcpAck, p.tcpWin]).toEqual([0x18, 0xfffffff0, 7, 512]);
    expect(p.buf.subarray(p.payOff, p.payOff + p.payLen).toString()).toBe(PAYLOAD.toString());
    expect(p.isFragment).toBe(false);
  });

  it('skips options by IHL (record-route, padded)', () => {
    const opts = Buffer.from([7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    const r = decodeBytes(eth(0x0800, ipv4({ options: opts, proto: 17 }, udp(53, 5353, Buffer.from('x')))));
    expect([r.ok, r.p.sport, r.p.dport, r.p.l4Off, r.p.payLen]).toEqual([true, 53, 5353, 14 + 32, 1]);
  });

  it('Ethernet padding after the IP datagram never becomes payload', () => {
    const r = decodeBytes(cat(eth(0x0800, ipv4({ proto: 6 }, tcp({ flags: 0x10 }))), Buffer.alloc(6, 0xaa)));
    expect([r.ok, r.p.payLen]).toEqual([true, 0]);
    const u = decodeBytes(cat(eth(0x0800, ipv4({ proto: 17 }, udp(1, 2, Buffer.from('ab')))), Buffer.alloc(16, 0xaa)));
    expect([u.ok, u.p.payLen]).toEqual([true, 2]);
  });

  it('lying length fields', () => {
    const body = tcp({}, PAYLOAD);
    // total length longer than the frame (not snapped) is a lie
    expect(decodeBytes(eth(0x0800, ipv4({ totalLength: 1500 }, body))).anomalies).toEqual({ 'ipv4.bad_total_length': 1 });
    // shorter than the header
    expect(decodeBytes(eth(0x0800, ipv4({ totalLength: 19 }, body))).anomalies).toEqual({ 'ipv4.bad_total_length': 1 });
    // IHL below 5, IHL past the frame
    expect(decodeBytes(eth(0x0800, ipv4({ ihl: 4 }, body))).anomalies).toEqual({ 'ipv4.bad_header_length': 1 });
    expect(decodeBytes(eth(0x0800, ipv4({ ihl: 15 }, Buffer.alloc(10)))).anomalies).toEqual({ 'ipv4.truncated': 1 });
    expect(decodeBytes(eth(0x0800, ipv4({ version: 5 }, body))).anomalies).toEqual({ 'ipv4.bad_version': 1 });
  });

  it('a snapped frame may end before the total length; the transport header is still read', () => {
    const frame = eth(0x0800, ipv4({ proto: 6 }, tcp({ sport: 5, dport: 6 }, Buffer.alloc(1400))));
    const r = decodeBytes(frame.subarray(0, 68), 1, { wirelen: frame.length });
    expect([r.ok, r.p.sport, r.p.dport, r.p.ipLen, r.p.payLen]).toEqual([true, 5, 6, 1440, 68 - 54]);
    // snapped inside the TCP header: ports kept, counted as partial, not an anomaly
    const s = decodeBytes(frame.subarray(0, 40), 1, { wirelen: frame.length });
    expect([s.ok, s.p.sport, s.p.dport, s.p.payLen, s.anomalies, s.stats.l4_partial]).toEqual([true, 5, 6, 0, {}, 1]);
    // snapped before the ports: no tuple
    expect(decodeBytes(frame.subarray(0, 36), 1, { wirelen: frame.length }).anomalies).toEqual({ 'tcp.truncated': 1 });
  });

  it('total length 0 (TSO/GSO capture) uses the captured bytes', () => {
    const r = decodeBytes(eth(0x0800, ipv4({ totalLength: 0, proto: 6 }, tcp({}, Buffer.alloc(3000)))));
    expect([r.ok, r.p.payLen, r.p.ipLen]).toEqual([true, 3000, 3040]);
  });

  it('an unknown IP protocol still is a flow (ports 0), counted as unknown', () => {
    const r = decodeBytes(eth(0x0800, ipv4({ proto: 89 }, Buffer.alloc(40))));
    expect([r.ok, r.p.proto, r.p.sport, r.p.dport, r.p.l4Off]).toEqual([true, 89, 0, 0, -1]);
    expect(r.stats.unknown_ip_protocol).toBe(1);
    expect(r.anomalies).toEqual({});
  });

  it('ESP is a flow without ports, counted as esp', () => {
    const r = decodeBytes(eth(0x0800, ipv4({ proto: 50 }, cat(be32(0x1000), Buffer.alloc(40)))));
    expect([r.ok, r.p.proto, r.stats.esp]).toEqual([true, 50, 1]);
  });
});

describe('IPv6 and its extension headers', () => {
  const HBH = 0;
  const RT = 43;
  const DST = 60;
  const AH = 51;

  it('plain IPv6 / TCP', () => {
    const r = decodeBytes(eth(0x86dd, ipv6({ src: '2001:db8:1::5', dst: '2001:db8:ffff::9', nh: 6, hlim: 3 }, tcp({ sport: 1, dport: 2 }))));
    expect([r.ok, ipText(r.p, 'src'), ipText(r.p, 'dst'), r.p.ttl, r.p.proto, r.p.sport, r.p.dport]).toEqual([true, '2001:db8:1::5', '2001:db8:ffff::9', 3, 6, 1, 2]);
    expect(r.p.ipLen).toBe(60);
  });

  it('walks hop-by-hop, routing, destination options and AH to the transport', () => {
    // HBH -> RT -> DST -> AH -> AH (longer ICV) -> DST (22 bytes of options) -> UDP
    const chain = cat(ext6(RT), ext6(DST), ext6(AH), ah6(AH), ah6(DST, 3), ext6(17, Buffer.alloc(14)), udp(4000, 53, Buffer.from('q')));
    const r = decodeBytes(eth(0x86dd, ipv6({ nh: HBH }, chain)));
    expect(r.anomalies).toEqual({});
    expect([r.ok, r.p.proto, r.p.sport, r.p.dport, r.p.payLen]).toEqual([true, 17, 4000, 53, 1]);
    expect(r.p.l4Off).toBe(14 + 40 + 8 + 8 + 8 + 16 + 24 + 16);
  });

  it('a chain longer than the cap is ipv6.too_many_ext_headers (hostile loop of options headers)', () => {
    let chain: Buffer = udp(1, 2);
    let nh = 17;
    for (let i = 0; i < 100; i++) {
      chain = cat(ext6(nh), chain);
      nh = DST;
    }
    const r = decodeBytes(eth(0x86dd, ipv6({ nh: DST }, chain)));
    expect([r.ok, r.anomalies]).toEqual([false, { 'ipv6.too_many_ext_headers': 1 }]);
  });

  it('an extension header running past the payload is ipv6.ext_header_truncated', () => {
    const h = ext6(6);
    h[1] = 20; // claims 168 bytes
    expect(decodeBytes(eth(0x86dd, ipv6({ nh: DST }, cat(h, tcp({}))))).anomalies).toEqual({ 'ipv6.ext_header_truncated': 1 });
    expect(decodeBytes(eth(0x86dd, ipv6({ nh: HBH }, Buffer.alloc(4)))).anomalies).toEqual({ 'ipv6.ext_header_truncated': 1 });
  });

  it('payload length: lies, padding, and no-next-header', () => {
    const body = tcp({}, PAYLOAD);
    expect(decodeBytes(eth(0x86dd, ipv6({ plen: 400 }, body))).anomalies).toEqual({ 'ipv6.bad_payload_length': 1 });
    const padded = decodeBytes(cat(eth(0x86dd, ipv6({ nh: 17 }, udp(1, 2))), Buffer.alloc(10)));
    expect([padded.ok, padded.p.payLen]).toEqual([true, 0]);
    const none = decodeBytes(eth(0x86dd, ipv6({ nh: 59 }, Buffer.alloc(0))));
    expect([none.ok, none.p.proto, none.p.l4Off]).toEqual([true, 59, -1]);
    expect(decodeBytes(eth(0x86dd, ipv6({ version: 4 }, body))).anomalies).toEqual({ 'ipv6.bad_version': 1 });
  });

  it('jumbogram shape (payload length 0 with hop-by-hop) uses the captured bytes', () => {
    const jumbo = Buffer.from([0xc2, 4, 0, 0, 0, 0]);
    const r = decodeBytes(eth(0x86dd, ipv6({ nh: HBH, plen: 0 }, cat(ext6(17, jumbo), udp(7, 8, Buffer.alloc(100), 0)))));
    expect([r.ok, r.p.sport, r.p.dport, r.p.payLen]).toEqual([true, 7, 8, 100]);
  });

  it('an atomic fragment (offset 0, M clear) is not a fragment', () => {
    const r = decodeBytes(eth(0x86dd, ipv6({ nh: 44 }, cat(frag6(6, 0, false, 77), tcp({ sport: 9, dport: 10 })))));
    expect([r.ok, r.p.isFragment, r.p.sport, r.p.dport]).toEqual([true, false, 9, 10]);
  });
});

describe('transport', () => {
  const v4 = (proto: number, l4: Buffer): Buffer => eth(0x0800, ipv4({ proto }, l4));

  it('TCP options are skipped; a data offset below 5 or past the segment is named', () => {
    const r = decodeBytes(v4(6, tcp({ options: Buffer.from([2, 4, 5, 0xb4, 1, 1, 4, 2]) }, PAYLOAD)));
    expect([r.ok, r.p.payLen, r.p.payOff - r.p.l4Off]).toEqual([true, PAYLOAD.length, 28]);
    expect(decodeBytes(v4(6, tcp({ doff: 4 }))).anomalies).toEqual({ 'tcp.bad_header_length': 1 });
    expect(decodeBytes(v4(6, tcp({ doff: 15 }))).anomalies).toEqual({ 'tcp.truncated': 1 });
  });

  it('UDP length bounds the payload; lies are udp.bad_length', () => {
    const r = decodeBytes(v4(17, udp(1, 2, Buffer.from('abcdef'), 10)));
    expect([r.ok, r.p.payLen]).toEqual([true, 2]);
    expect(decodeBytes(v4(17, udp(1, 2, Buffer.from('abcdef'), 7))).anomalies).toEqual({ 'udp.bad_length': 1 });
    expect(decodeBytes(v4(17, udp(1, 2, Buffer.from('abcdef'), 200))).anomalies).toEqual({ 'udp.bad_length': 1 });
    expect(decodeBytes(v4(17, udp(1, 2, Buffer.alloc(0), 0))).anomalies).toEqual({ 'udp.bad_length': 1 });
  });

  it('ICMP and ICMPv6: type and code as ports; error messages keep the outer flow', () => {
    const echo = decodeBytes(v4(1, icmp(8, 0, Buffer.from([0, 1, 0, 2, 0x61]))));
    expect([echo.ok, echo.p.proto, echo.p.sport, echo.p.dport, echo.p.payLen]).toEqual([true, 1, 8, 0, 1]);
    const quoted = ipv4({ src: '198.51.100.7', dst: '192.0.2.99', proto: 17 }, udp(33434, 33435));
    const err = decodeBytes(eth(0x0800, ipv4({ src: '203.0.113.1', dst: '192.0.2.99', proto: 1 }, icmp(11, 0, cat(Buffer.alloc(4), quoted)))));
    expect([err.ok, ipText(err.p, 'src'), err.p.proto, err.p.sport, err.p.dport]).toEqual([true, '203.0.113.1', 1, 11, 0]);
    const ns = decodeBytes(eth(0x86dd, ipv6({ nh: 58 }, icmp(135, 0, Buffer.alloc(20)))));
    expect([ns.ok, ns.p.proto, ns.p.sport, ns.p.dport, ns.stats.icmpv6]).toEqual([true, 58, 135, 0, 1]);
    expect(decodeBytes(v4(1, Buffer.from([8, 0, 0, 0]))).anomalies).toEqual({ 'icmp.truncated': 1 });
    expect(decodeBytes(eth(0x86dd, ipv6({ nh: 58 }, Buffer.from([128, 0])))).anomalies).toEqual({ 'icmpv6.truncated': 1 });
  });

  it('SCTP ports', () => {
    const r = decodeBytes(v4(132, sctp(2905, 2906, Buffer.alloc(16))));
    expect([r.ok, r.p.proto, r.p.sport, r.p.dport, r.p.payLen]).toEqual([true, 132, 2905, 2906, 16]);
    expect(decodeBytes(v4(132, Buffer.alloc(8))).anomalies).toEqual({ 'sctp.truncated': 1 });
  });

  it('every transport truncated at every length below its header is named, never thrown', () => {
    const cases: Array<[number, Buffer, string]> = [
      [6, tcp({}), 'tcp.truncated'],
      [17, udp(1, 2), 'udp.truncated'],
      [1, icmp(8, 0), 'icmp.truncated'],
      [132, sctp(1, 2), 'sctp.truncated'],
    ];
    for (const [proto, l4, name] of cases) {
      for (let n = 0; n < l4.length; n++) {
        const r = decodeBytes(v4(proto, l4.subarray(0, n)));
        expect(r.ok).toBe(false);
        expect(r.anomalies).toEqual({ [name]: 1 });
      }
    }
  });
});
