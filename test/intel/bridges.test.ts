import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { bridgeNames, dialsAddress, parseBridgeLine, type BridgeLine } from '../../src/intel/bridges/bridge-line.js';
import { BUILTIN_BRIDGES, BUILTIN_RENDEZVOUS } from '../../src/intel/bridges/builtin.js';
import { loadBridges } from '../../src/intel/bridges/load.js';
import { InputError } from '../../src/util/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw-bridges-'));
const file = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const line = (t: string): BridgeLine => {
  const l = parseBridgeLine(t);
  if (typeof l === 'string') throw new Error(l);
  return l;
};
/** Look an address:port up in a bridge set (address parsed by ipaddr.js, independently of torwatch's parser). */
function lookup(set: ReturnType<typeof loadBridges>, ip: string, port: number) {
  const a = ipaddr.parse(ip);
  const bytes = a.kind() === 'ipv4' ? [...new Array(12).fill(0), ...a.toByteArray()] : a.toByteArray();
  const w = [0, 1, 2, 3].map((i) => ((bytes[i * 4] << 24) | (bytes[i * 4 + 1] << 16) | (bytes[i * 4 + 2] << 8) | bytes[i * 4 + 3]) >>> 0);
  return set.lookup(a.kind() === 'ipv4' ? 4 : 6, w[0], w[1], w[2], w[3], port);
}

describe('bridge lines (torrc Bridge syntax)', () => {
  it('reads a transport, an address:port, a fingerprint and key=value arguments, with or without the keyword', () => {
    const fp = 'CDF2E852BF539B82BD10E27E9115A31734E378C2';
    for (const t of [`Bridge obfs4 192.95.36.142:443 ${fp} cert=abc iat-mode=1`, `obfs4 192.95.36.142:443 ${fp} cert=abc iat-mode=1`, `bridge OBFS4 192.95.36.142:443 $${fp.toLowerCase()} cert=abc iat-mode=1`]) {
      expect(line(t)).toMatchObject({ transport: 'obfs4', version: 4, words: [0, 0, 0, 0xc05f248e], port: 443, fingerprint: fp, args: { cert: 'abc', 'iat-mode': '1' } });
    }
  });

  it('a vanilla bridge has no transport; IPv6 in brackets', () => {
    expect(line('198.51.100.7:9001')).toMatchObject({ transport: 'vanilla', port: 9001 });
    const v6 = line('Bridge obfs4 [2a0c:4d80:42:702::1]:27015 C5B7CD6946FF10C5B3E89691A7D3F2C122D2117C cert=x iat-mode=0');
    expect(v6).toMatchObject({ version: 6, port: 27015, words: [0x2a0c4d80, 0x00420702, 0, 1] });
  });

  it('names what a meek, Snowflake or webtunnel client contacts instead of its placeholder address', () => {
    const sf = line('snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72 url=https://broker.example/ fronts=a.example,b.example ice=stun:stun.example.net:3478,stun:stun2.example.net ampcache=https://cdn.ampproject.org/');
    expect(dialsAddress(sf.transport)).toBe(false);
    expect(bridgeNames(sf)).toEqual([
      { name: 'broker.example', role: 'broker' }, { name: 'a.example', role: 'front' }, { name: 'b.example', role: 'front' },
      { name: 'stun.example.net', role: 'ice', port: 3478 }, { name: 'stun2.example.net', role: 'ice', port: 3478 },
      { name: 'cdn.ampproject.org', role: 'amp-cache' },
    ]);
    expect(bridgeNames(line('webtunnel [2001:db8::1]:443 url=https://wt.example/secret ver=0.0.1'))).toEqual([{ name: 'wt.example', role: 'url' }]);
    expect(dialsAddress('obfs4')).toBe(true);
    expect(dialsAddress('vanilla')).toBe(true);
  });

  it('refuses what is not a bridge line, saying why', () => {
    expect(parseBridgeLine('obfs4 192.0.2.1 cert=x')).toMatch(/not address:port/);
    expect(parseBridgeLine('obfs4')).toMatch(/without an address:port/);
    expect(parseBridgeLine('obfs4 192.0.2.1:0')).toMatch(/port 0/);
    expect(parseBridgeLine('obfs4 192.0.2.1:443 NOTAFINGERPRINT')).toMatch(/neither a fingerprint/);
    expect(parseBridgeLine('obfs4 192.0.2.1:443 =x')).toMatch(/not a key=value/);
    expect(parseBridgeLine('obfs4 2001:db8::1:443')).toMatch(/needs brackets/);
    expect(parseBridgeLine('obfs4 192.0.2.1:443 ' + 'k=v '.repeat(65))).toMatch(/more than 64 arguments/);
    expect(parseBridgeLine('x'.repeat(9000))).toMatch(/longer than/);
  });
});

describe('the built-in list (src/intel/bridges/builtin.ts)', () => {
  it('every entry parses, is dated current or past, and names its sources', () => {
    for (const b of BUILTIN_BRIDGES) {
      expect(typeof parseBridgeLine(b.line), b.line).toBe('object');
      expect(b.seen.length, b.line).toBeGreaterThan(0);
    }
    const current = BUILTIN_BRIDGES.filter((b) => b.status === 'current' && b.line.startsWith('obfs4 '));
    // Tor Browser's current list has eleven obfs4 bridges.
    expect(current).toHaveLength(11);
    expect(BUILTIN_RENDEZVOUS.map((r) => r.name)).toContain('cdn.ampproject.org');
  });

  it('indexes obfs4 address:port pairs (IPv4 and IPv6, current and past), never meek/Snowflake placeholders', () => {
    const set = loadBridges([]);
    expect(lookup(set, '192.95.36.142', 443)).toMatchObject({ status: 'current', line: { transport: 'obfs4' } });
    expect(lookup(set, '192.95.36.142', 444)).toBeUndefined();
    expect(lookup(set, '38.229.1.78', 80)).toMatchObject({ status: 'past' });
    expect(lookup(set, '2a0c:4d80:42:702::1', 27015)).toMatchObject({ line: { transport: 'obfs4', version: 6 } });
    expect(lookup(set, '192.0.2.3', 80)).toBeUndefined();
    expect(lookup(set, '192.0.2.20', 80)).toBeUndefined();
  });

  it("knows the fronts, brokers and ICE servers the issue names, past and present", () => {
    const set = loadBridges([]);
    const roles = (n: string) => set.name(n)?.map((e) => `${e.transport}:${e.role}`) ?? [];
    for (const front of ['cdn.sstatic.net', 'foursquare.com', 'www.cdn77.com', 'www.phpmyadmin.net', 'app.datapacket.com', 'vuejs.org']) expect(roles(front), front).toContain('snowflake:front');
    expect(roles('cdn.ampproject.org')).toContain('snowflake:amp-cache');
    expect(roles('www.phpmyadmin.net')).toContain('meek_lite:front');
    expect(roles('ajax.aspnetcdn.com')).toEqual(expect.arrayContaining(['meek_lite:front', 'snowflake:front']));
    expect(roles('meek.azureedge.net')).toContain('meek_lite:broker');
    expect(roles('1603026938.rsc.cdn77.org')).toContain('meek_lite:broker');
    expect(roles('stun.voipgate.com')).toContain('snowflake:ice');
    expect(roles('registration.refraction.network')).toContain('conjure:broker');
    expect(roles('www.google.com')).toEqual([]);
  });
});

describe('--bridges files', () => {
  it('reads a torrc: Bridge lines in any transport, other options skipped, comments and blank lines ignored', () => {
    const f = file('torrc', [
      '# our own bridges', 'UseBridges 1', 'ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy', '',
      'Bridge obfs4 198.51.100.40:37219 9161014714417ADC9D6F2508E682C96CB9FBE060 cert=abc iat-mode=0  # the lab',
      '203.0.113.9:9001', 'webtunnel [2001:db8::9]:443 url=https://wt.example.net/x',
    ].join('\n'));
    const set = loadBridges([f]);
    const e = lookup(set, '198.51.100.40', 37219)!;
    expect(e).toMatchObject({ status: 'current', source: { name: f, builtin: false }, line: { transport: 'obfs4', fingerprint: '9161014714417ADC9D6F2508E682C96CB9FBE060' } });
    expect(lookup(set, '203.0.113.9', 9001)?.line.transport).toBe('vanilla');
    expect(lookup(set, '2001:db8::9', 443)).toBeUndefined();
    expect(set.name('wt.example.net')?.[0]).toMatchObject({ transport: 'webtunnel', role: 'url' });
    // The built-in list is still there.
    expect(lookup(set, '192.95.36.142', 443)?.source.builtin).toBe(true);
  });

  it("a user's line wins over the built-in entry for the same address:port", () => {
    const f = file('mine.txt', 'obfs4 192.95.36.142:443 cert=ours iat-mode=0\n');
    expect(lookup(loadBridges([f]), '192.95.36.142', 443)?.source.name).toBe(f);
  });

  it('a malformed line is an InputError naming the file and line', () => {
    const f = file('bad.txt', '# ok\nobfs4 192.0.2.1:443 cert=x\nobfs4 192.0.2.1 cert=x\n');
    expect(() => loadBridges([f])).toThrow(InputError);
    expect(() => loadBridges([f])).toThrow(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line 3: not a bridge line: `));
    expect(() => loadBridges([join(tmp, 'missing.txt')])).toThrow(/missing\.txt: bridge file not found/);
    expect(() => loadBridges([tmp])).toThrow(/is a directory/);
  });
});
