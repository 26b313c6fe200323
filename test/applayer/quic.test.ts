import { describe, expect, it } from 'vitest';
import { CryptoStream, MAX_RANGES, readFrames } from '../../src/applayer/quic/crypto-frames.js';
import { headerProtectionMask, unprotectLongHeader } from '../../src/applayer/quic/header-protection.js';
import { hkdfExpandLabel, hkdfExtract, initialKeys, initialSalt, QuicVersion } from '../../src/applayer/quic/initial-keys.js';
import { LongType, parseLongHeader } from '../../src/applayer/quic/initial-packet.js';
import { readVarint } from '../../src/applayer/quic/varint.js';
import { hex } from './bytes.js';

const h = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const DCID = hex('8394c8f03e515708');

describe('QUIC Initial keys: RFC 9001 Appendix A.1 test vectors (v1)', () => {
  it('initial secret, client and server secrets', () => {
    const initial = hkdfExtract(initialSalt(QuicVersion.V1)!, DCID);
    expect(h(initial)).toBe('7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
    expect(h(hkdfExpandLabel(initial, 'client in', 32))).toBe('c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
    expect(h(hkdfExpandLabel(initial, 'server in', 32))).toBe('3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
  });

  it('client and server key, iv, hp', () => {
    const c = initialKeys(QuicVersion.V1, DCID, 'client')!;
    expect([h(c.key), h(c.iv), h(c.hp)]).toEqual(['1f369613dd76d5467730efcbe3b1a22d', 'fa044b2f42a3fd3b46fb255c', '9f50449e04a0e810283a1e9933adedd2']);
    const s = initialKeys(QuicVersion.V1, DCID, 'server')!;
    expect([h(s.key), h(s.iv), h(s.hp)]).toEqual(['cf3a5331653c364c88f0f379b6067e37', '0ac1493ca1905853b0bba03e', 'c206b8d9b9f0f37644430b490eeaa314']);
  });

  it('A.2 header protection: sample -> mask, and removing it restores the header', () => {
    const c = initialKeys(QuicVersion.V1, DCID)!;
    const mask = headerProtectionMask(c.hp, hex('d1b1c98dd7689fb8ec11d242b123dc9b'));
    expect(h(mask.subarray(0, 5))).toBe('437b9aec36');
    const header = hex('c000000001088394c8f03e5157080000449e7b9aec34');
    const pnLen = unprotectLongHeader(header, 18, mask);
    expect(pnLen).toBe(4);
    expect(h(header)).toBe('c300000001088394c8f03e5157080000449e00000002');
  });
});

describe('QUIC v2 Initial keys: RFC 9369 Appendix A.1 test vectors', () => {
  it('client and server key, iv, hp', () => {
    const c = initialKeys(QuicVersion.V2, DCID, 'client')!;
    expect([h(c.key), h(c.iv), h(c.hp)]).toEqual(['8b1a0bc121284290a29e0971b5cd045d', '91f73e2351d8fa91660e909f', '45b95e15235d6f45a6b19cbcb0294ba9']);
    const s = initialKeys(QuicVersion.V2, DCID, 'server')!;
    expect([h(s.key), h(s.iv), h(s.hp)]).toEqual(['82db637861d55e1d011f19ea71d5d2a7', 'dd13c276499c0249d3310652', 'edf6d05c83121201b436e16877593c3a']);
  });

  it('unknown versions (gQUIC, version negotiation, a grease version) have no keys', () => {
    for (const v of [0x51303530, 0, 0x1a2a3a4a]) expect(initialKeys(v, DCID)).toBeUndefined();
  });
});

describe('QUIC long headers (src/applayer/quic/initial-packet.ts)', () => {
  it('the A.2 Initial header: version, connection ids, token, length, packet number offset', () => {
    const pkt = new Uint8Array(1200);
    pkt.set(hex('c000000001088394c8f03e5157080000449e7b9aec34'));
    const hd = parseLongHeader(pkt, 0, pkt.length)!;
    expect(hd).toMatchObject({ version: 1, type: LongType.INITIAL, pnOffset: 18, end: 18 + 0x49e, start: 0 });
    expect(h(hd.dcid)).toBe('8394c8f03e515708');
    expect(hd.scid.length).toBe(0);
  });

  it('QUIC v2 renumbered the types: 0b01 is Initial', () => {
    const pkt = new Uint8Array(100);
    pkt.set(hex('d06b3343cf0400000001000040200000'));
    expect(parseLongHeader(pkt, 0, pkt.length)!.type).toBe(LongType.INITIAL);
    pkt.set(hex('c06b3343cf')); // 0b00 in v2 = Retry
    expect(parseLongHeader(pkt, 0, pkt.length)!.type).toBe(LongType.RETRY);
  });

  it('lengths that lie are refused: connection id > 20, token or payload past the datagram', () => {
    expect(parseLongHeader(hex('c00000000115'), 0, 6)).toBeUndefined();
    expect(parseLongHeader(hex('c000000001000044ff'), 0, 9)).toBeUndefined(); // token length 0x4ff
    expect(parseLongHeader(hex('c0000000010000004fff00'), 0, 11)).toBeUndefined(); // length 0xfff
    expect(parseLongHeader(hex('4000000001'), 0, 5)).toBeUndefined(); // short header
  });
});

describe('QUIC varints and frames (src/applayer/quic/varint.ts, crypto-frames.ts)', () => {
  it('RFC 9000 A.1 varint examples', () => {
    const v = { value: 0, next: 0 };
    for (const [bytes, want] of [['c2197c5eff14e88c', 151288809941952652], ['9d7f3e7d', 494878333], ['7bbd', 15293], ['25', 37], ['4025', 37]] as const) {
      const b = hex(bytes);
      if (want > Number.MAX_SAFE_INTEGER) {
        expect(readVarint(b, 0, b.length, v)).toBe(false);
        continue;
      }
      expect(readVarint(b, 0, b.length, v)).toBe(true);
      expect(v.value).toBe(want);
    }
    expect(readVarint(hex('9d7f'), 0, 2, v)).toBe(false);
  });

  it('PADDING, PING, ACK (with ranges and ECN), CRYPTO, CONNECTION_CLOSE', () => {
    const got: [number, string][] = [];
    const frames = hex('0000 01 02 05 00 01 00 01 02 03 01 02 00 04 00 00 00 06 00 03 616263 06 40 10 02 6465 1c 00 00 02 6f6b 00 00');
    expect(readFrames(frames, 0, frames.length, (o, d) => { got.push([o, Buffer.from(d).toString()]); return true; })).toBe(true);
    expect(got).toEqual([[0, 'abc'], [16, 'de']]);
  });

  it('frames not allowed in an Initial, and lengths that lie, stop the walk', () => {
    const cb = (): boolean => true;
    expect(readFrames(hex('08 00 00'), 0, 3, cb)).toBe(false); // STREAM
    expect(readFrames(hex('06 00 10 6162'), 0, 5, cb)).toBe(false); // CRYPTO longer than the packet
    expect(readFrames(hex('02 00 00 7fff 00'), 0, 6, cb)).toBe(false); // 16383 ACK ranges claimed
  });

  it('CRYPTO reassembly: out of order, overlapping, bounded', () => {
    const cs = new CryptoStream(64);
    expect(cs.add(10, hex('0a0b0c0d0e'))).toBe(true);
    expect(cs.contiguous).toBe(0);
    expect(cs.add(0, hex('00010203040506070809'))).toBe(true);
    expect(cs.contiguous).toBe(15);
    expect(cs.add(12, hex('0c0d0e0f10'))).toBe(true);
    expect(cs.contiguous).toBe(17);
    expect(h(cs.buf.subarray(0, 17))).toBe('000102030405060708090a0b0c0d0e0f10');
    expect(cs.add(60, hex('0102030405'))).toBe(false); // beyond capacity
    const holes = new CryptoStream(1024);
    for (let i = 0; i < MAX_RANGES; i++) expect(holes.add(1 + i * 3, hex('01'))).toBe(true);
    expect(holes.add(1 + MAX_RANGES * 3, hex('01'))).toBe(false); // one range too many
  });
});
