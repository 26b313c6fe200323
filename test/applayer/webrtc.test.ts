import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppAnomaly, AppCounters } from '../../src/applayer/anomalies.js';
import type { AppContext } from '../../src/applayer/context.js';
import { HelloAssembler } from '../../src/applayer/dtls/hello-assembler.js';
import { looksLikeDtlsClientHello, readHandshakeFragment, readRecord } from '../../src/applayer/dtls/record.js';
import type { AppEvent } from '../../src/applayer/events.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { isStun, parseStun, STUN_MAGIC } from '../../src/applayer/stun/message.js';
import { claimsWebRtc, WebRtcSession, WEBRTC_MAX_DATAGRAMS } from '../../src/applayer/webrtc/session.js';
import type { Flow } from '../../src/flow/flow.js';
import { PCAPS } from '../support/run-cli.js';

const SNOWFLAKE = join(PCAPS, 'snowflake.pcap');

function stunMessage(type: number, txid: number[], attrs: [number, number[]][]): Uint8Array {
  const body: number[] = [];
  for (const [t, v] of attrs) {
    body.push(t >> 8, t & 255, v.length >> 8, v.length & 255, ...v);
    while (body.length % 4) body.push(0);
  }
  return Uint8Array.from([type >> 8, type & 255, body.length >> 8, body.length & 255, 0x21, 0x12, 0xa4, 0x42, ...txid, ...body]);
}

/** RFC 5769's sample transaction id and XOR-MAPPED-ADDRESS values (192.0.2.1:32853, 2001:db8:1234:5678:11:2233:4455:6677:32853). */
const RFC5769_TXID = [0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86, 0xfa, 0x87, 0xdf, 0xae];
const XOR_V4 = [0x00, 0x01, 0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43];
const XOR_V6 = [0x00, 0x02, 0xa1, 0x47, 0x01, 0x13, 0xa9, 0xfa, 0xa5, 0xd3, 0xf1, 0x79, 0xbc, 0x25, 0xf4, 0xb5, 0xbe, 0xd2, 0xb9, 0xd9];

function harness(memcap = 1 << 20) {
  const events: AppEvent[] = [];
  const ctx: AppContext = { counters: new AppCounters(), budget: new MemoryBudget(memcap), streamDepth: 65536, emit: (_f, ev) => events.push(ev), dns: () => undefined };
  const s = new WebRtcSession({} as Flow, ctx);
  return { events, ctx, s };
}

describe('STUN (src/applayer/stun/message.ts)', () => {
  it("decodes RFC 5769's XOR-MAPPED-ADDRESS samples (IPv4 and IPv6) in a Binding success response", () => {
    for (const [attr, want] of [[XOR_V4, '192.0.2.1:32853'], [XOR_V6, '[2001:db8:1234:5678:11:2233:4455:6677]:32853']] as const) {
      const m = stunMessage(0x0101, RFC5769_TXID, [[0x8022, [...Buffer.from('test vector ')]], [0x0020, [...attr]]]);
      expect(isStun(m, 0, m.length)).toBe(true);
      expect(parseStun(m, 0, m.length)).toEqual({ cls: 2, method: 1, ice: false, mapped: want, software: 'test vector ' });
    }
  });

  it('tells ICE connectivity checks (USERNAME, PRIORITY, ICE-CONTROLLING) from a plain Binding request', () => {
    const plain = stunMessage(0x0001, RFC5769_TXID, []);
    const check = stunMessage(0x0001, RFC5769_TXID, [[0x0006, [...Buffer.from('abcd:efgh')]], [0x0024, [0x6e, 0, 0x1e, 0xff]], [0x802a, [1, 2, 3, 4, 5, 6, 7, 8]]]);
    expect(parseStun(plain, 0, plain.length)).toMatchObject({ cls: 0, method: 1, ice: false });
    expect(parseStun(check, 0, check.length)).toMatchObject({ cls: 0, method: 1, ice: true });
  });

  it('refuses what is not one whole STUN message, and bounds SOFTWARE', () => {
    const m = stunMessage(0x0001, RFC5769_TXID, []);
    expect(isStun(m, 0, m.length - 1)).toBe(false);
    const bad = Uint8Array.from(m);
    bad[4] ^= 1; // not the magic cookie
    expect(isStun(bad, 0, bad.length)).toBe(false);
    expect(isStun(Uint8Array.from([0x80, ...m.subarray(1)]), 0, m.length)).toBe(false);
    const long = stunMessage(0x0101, RFC5769_TXID, [[0x8022, new Array(700).fill(0x41)]]);
    expect(parseStun(long, 0, long.length)!.software).toBe('A'.repeat(128) + '[truncated]');
    // An attribute whose length runs past the message.
    const lie = stunMessage(0x0101, RFC5769_TXID, [[0x0020, [...XOR_V4]]]);
    lie[22] = 0x00;
    lie[23] = 0x40;
    expect(parseStun(lie, 0, lie.length)).toBeUndefined();
    expect(STUN_MAGIC).toBe(0x2112a442);
  });

  it("agrees with tshark's STUN dissector on every message of the Snowflake capture", () => {
    const out = execFileSync('tshark', ['-n', '-r', SNOWFLAKE, '-Y', 'stun', '-T', 'fields', '-E', 'separator=/t', '-e', 'udp.payload', '-e', 'stun.type.class', '-e', 'stun.type.method', '-e', 'stun.att.type', '-e', 'stun.att.ipv4', '-e', 'stun.att.port'], { encoding: 'utf8' });
    const CLASS: Record<string, number> = { '0x0000': 0, '0x0001': 1, '0x0010': 2, '0x0011': 3 };
    let n = 0;
    for (const line of out.trim().split('\n')) {
      const [hex, cls, method, types, ips, ports] = line.split('\t');
      const b = Buffer.from(hex, 'hex');
      expect(isStun(b, 0, b.length)).toBe(true);
      const m = parseStun(b, 0, b.length)!;
      expect(m.cls).toBe(CLASS[cls]);
      expect(m.method).toBe(Number(method));
      const attrs = types ? types.split(',').map(Number) : [];
      expect(m.ice).toBe(attrs.some((t) => [0x0006, 0x0024, 0x0025, 0x8029, 0x802a].includes(t)));
      const xor = attrs.indexOf(0x0020);
      if (xor >= 0) expect(m.mapped).toBe(`${ips.split(',')[xor]}:${ports.split(',')[xor]}`);
      n++;
    }
    expect(n).toBeGreaterThan(30);
  });
});

describe('DTLS (src/applayer/dtls, webrtc/session.ts)', () => {
  const hellos = (filter: string) => execFileSync('tshark', ['-n', '-r', SNOWFLAKE, '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-e', 'udp.payload', '-e', 'dtls.handshake.ciphersuite', '-e', 'dtls.handshake.extension.type', '-e', 'dtls.handshake.extensions_supported_group'], { encoding: 'utf8' })
    .trim().split('\n').map((l) => l.split('\t'));

  it("reads pion's ClientHello and ServerHello as tshark does, after ICE checks", () => {
    const [ch] = hellos('dtls.handshake.type==1');
    const [sh] = hellos('dtls.handshake.type==2');
    const { events, s } = harness();
    const check = stunMessage(0x0001, RFC5769_TXID, [[0x0006, [...Buffer.from('a:b')]]]);
    s.datagram(check, 0, check.length, 1);
    const c = Buffer.from(ch[0], 'hex');
    expect(claimsWebRtc(c, 0, c.length) && looksLikeDtlsClientHello(c, 0, c.length)).toBe(true);
    s.datagram(c, 0, c.length, 1);
    const h = events.find((e) => e.kind === 'dtls-client-hello') as Extract<AppEvent, { kind: 'dtls-client-hello' }>;
    expect(h.ciphers).toEqual(ch[1].split(',').map(Number));
    expect(h.extensions).toEqual(ch[2].split(',').map(Number));
    expect(h.groups).toEqual(ch[3].split(',').map(Number));
    expect(h).toMatchObject({ dir: 1, version: 0xfefd, afterStun: true, iceChecks: true, alpn: [] });
    // JA4 for DTLS: 'd', version d2, no SNI, 6 ciphers, 6 extensions, no ALPN.
    expect(h.ja4).toMatch(/^dd2i060600_[0-9a-f]{12}_[0-9a-f]{12}$/);
    expect(s.finished).toBe(false);
    const srv = Buffer.from(sh[0], 'hex');
    s.datagram(srv, 0, srv.length, 0);
    const sv = events.find((e) => e.kind === 'dtls-server-hello') as Extract<AppEvent, { kind: 'dtls-server-hello' }>;
    expect(sv).toMatchObject({ dir: 0, version: 0xfefd, cipher: Number(sh[1]), extensions: sh[2].split(',').map(Number), iceChecks: true });
    expect(sv.ja4s).toMatch(/^dd20400_c02b_[0-9a-f]{12}$/);
    expect(s.finished).toBe(true);
  });

  it('puts a ClientHello together from fragments in any order, reserving only what arrived', () => {
    const [ch] = hellos('dtls.handshake.type==1');
    const whole = Buffer.from(ch[0], 'hex');
    const r = readRecord(whole, 0, whole.length)!;
    const f = readHandshakeFragment(whole, r.start, r.end)!;
    const body = whole.subarray(f.start, f.end);
    // Re-cut the message into three overlapping fragments, each in its own record, sent out of order.
    const cuts = [[40, body.length], [20, 60], [0, 30]];
    const budget = new MemoryBudget(1 << 20);
    const asm = new HelloAssembler((n) => budget.reserve(n), (n) => budget.release(n));
    let done: Uint8Array | undefined;
    for (const [a, b] of cuts) {
      const rec = fragmentRecord(body, a, b);
      const rr = readRecord(rec, 0, rec.length)!;
      expect(done).toBeUndefined();
      const res = asm.push(rec, readHandshakeFragment(rec, rr.start, rr.end)!);
      if (res.done) done = res.buf;
    }
    expect(Buffer.from(done!)).toEqual(Buffer.from(body));
    expect(budget.used).toBe(0);
    expect(budget.peak).toBeLessThanOrEqual(body.length + 60);
  });

  it('a hello claiming more than the cap, or fragments past the memory budget, end inspection with a named anomaly', () => {
    const { ctx, s } = harness(64);
    const body = randomBytes(200);
    const rec = fragmentRecord(body, 0, 100);
    s.datagram(rec, 0, rec.length, 0);
    expect(s.finished).toBe(true);
    expect(ctx.counters.count('stream.memcap')).toBe(1);
    const h2 = harness();
    const huge = fragmentRecord(randomBytes(100), 0, 100, 20_000);
    h2.s.datagram(huge, 0, huge.length, 0);
    expect(h2.ctx.counters.anomalies[AppAnomaly['dtls.bad_handshake']]).toBe(1);
  });

  it('hostile datagrams: random bytes and mutated real hellos never throw, and the flow is given up after the datagram cap', () => {
    const [ch] = hellos('dtls.handshake.type==1');
    const real = Buffer.from(ch[0], 'hex');
    for (let i = 0; i < 3000; i++) {
      const { s } = harness();
      const d = i % 2 ? randomBytes(1 + (i % 300)) : Buffer.from(real);
      if (i % 2 === 0) for (let k = 0; k < 1 + (i % 8); k++) d[(i * 7919 + k * 104729) % d.length] = (i * k) & 255;
      d[0] = i % 3 === 0 ? 22 : d[0];
      expect(() => s.datagram(d, 0, d.length, i & 1)).not.toThrow();
    }
    const { s } = harness();
    const check = stunMessage(0x0001, RFC5769_TXID, []);
    for (let i = 0; i <= WEBRTC_MAX_DATAGRAMS; i++) s.datagram(check, 0, check.length, 0);
    expect(s.finished).toBe(true);
  });
});

/** A DTLS 1.2 handshake record carrying body[a, b) of a ClientHello of `total` bytes. */
function fragmentRecord(body: Uint8Array, a: number, b: number, total = body.length): Uint8Array {
  const frag = body.subarray(a, b);
  const hs = [1, total >> 16, (total >> 8) & 255, total & 255, 0, 0, a >> 16, (a >> 8) & 255, a & 255, frag.length >> 16, (frag.length >> 8) & 255, frag.length & 255, ...frag];
  return Uint8Array.from([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, hs.length >> 8, hs.length & 255, ...hs]);
}
