import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { parseTorTime } from '../../src/intel/addr.js';
import { parseAddress, parseAddressOrCidr, parseHostPort, parseIpv4, parseIpv6 } from '../../src/util/ip.js';

/** ipaddr.js as the independent oracle: an address's four words. */
function oracle(s: string): number[] {
  const b = ipaddr.parse(s).toByteArray();
  if (b.length === 4) return [0, 0, 0, ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0];
  return [0, 1, 2, 3].map((i) => ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0);
}

describe('address parsing for relay lists', () => {
  it('IPv4 fast path agrees with ipaddr.js on valid and invalid dotted quads', () => {
    for (const s of ['0.0.0.0', '255.255.255.255', '192.0.2.1', '10.1.2.3', '198.51.100.200']) {
      expect(parseIpv4(s)).toBe(oracle(s)[3]);
    }
    for (const s of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '1.2.3.-4']) {
      expect(parseIpv4(s), s).toBe(-1);
    }
  });

  it('IPv6 fast path agrees with ipaddr.js, including :: forms and dotted tails', () => {
    const good = ['::', '::1', '1::', '2001:db8::1', '2001:db8:0:0:1:0:0:1', 'fe80::1:2:3:4', '2a0b:f4c2:2::33', '::ffff:192.0.2.1',
      '2001:67c:e60:c0c:192:42:116:174', 'ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '64:ff9b::198.51.100.7'];
    for (const s of good) {
      const b = ipaddr.IPv6.parse(s).toByteArray();
      const w = [0, 1, 2, 3].map((i) => ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0);
      expect(parseIpv6(s), s).toEqual(w);
    }
    for (const s of [':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3', '1:', ':1', '2001:db8::1%eth0', '[::1]']) {
      expect(parseIpv6(s), s).toBeUndefined();
    }
    // Random addresses round-trip through ipaddr.js's own text form.
    let seed = 7;
    const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16;
    for (let i = 0; i < 500; i++) {
      const parts = Array.from({ length: 8 }, () => (rnd() % 3 === 0 ? 0 : rnd()));
      const text = ipaddr.fromByteArray(parts.flatMap((p) => [p >>> 8, p & 255])).toString();
      expect(parseIpv6(text), text).toEqual(oracle(text));
    }
  });

  it('address:port and [v6]:port', () => {
    expect(parseHostPort('192.0.2.1:9001')).toEqual({ version: 4, words: [0, 0, 0, 0xc0000201], port: 9001 });
    expect(parseHostPort('[2001:db8::1]:443')).toMatchObject({ version: 6, port: 443 });
    expect(parseHostPort('2001:db8::1:443')).toMatch(/needs brackets/);
    expect(parseHostPort('192.0.2.1:70000')).toMatch(/not a port/);
    expect(parseHostPort('192.0.2.1')).toMatch(/not address:port/);
  });

  it('CIDRs clear host bits; bad prefixes are named', () => {
    expect(parseAddressOrCidr('192.0.2.77/24')).toMatchObject({ words: [0, 0, 0, 0xc0000200], prefix: 24 });
    expect(parseAddressOrCidr('2001:db8:1:2::/32')).toMatchObject({ words: [0x20010db8, 0, 0, 0], prefix: 32 });
    expect(parseAddressOrCidr('10.0.0.0/33')).toMatch(/invalid prefix/);
    expect(parseAddressOrCidr('nope')).toBe("'nope' is not an IPv4 or IPv6 address or CIDR");
    expect(parseAddress('::ffff:1.2.3.4')?.version).toBe(6);
  });

  it("Tor's time format", () => {
    expect(parseTorTime('2018-06-01 00:00:00')).toBe(Date.UTC(2018, 5, 1));
    expect(parseTorTime('2018-06-01T03:00:00Z')).toBe(Date.UTC(2018, 5, 1, 3));
    expect(parseTorTime('2026-02-31 00:00:00')).toBeNaN();
    expect(parseTorTime('2018-06-01')).toBeNaN();
  });
});
