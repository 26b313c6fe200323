import { describe, expect, it } from 'vitest';
import { AppAnomaly } from '../../src/applayer/anomalies.js';
import { DnsCache, MAX_TTL_S, MIN_TTL_S, type DnsAnswerRef, type HostAddress } from '../../src/detect/hosts/dns-names.js';
import { parseDnsMessage } from '../../src/applayer/dns/message.js';
import { decodeName, MAX_POINTERS, type NameResult } from '../../src/applayer/dns/name.js';
import { DnsTcpFramer } from '../../src/applayer/dns/tcp-framing.js';
import { be16, be32, cat, dnsHeader, dnsName } from './bytes.js';

const out = (): NameResult => ({ name: '', next: 0, error: -1 });

function name(bytes: Uint8Array, off = 0, msg = 0): NameResult {
  const r = out();
  decodeName(bytes, msg, bytes.length, off, r);
  return r;
}

describe('DNS names (src/applayer/dns/name.ts)', () => {
  it('plain labels, the root, and where the name ends', () => {
    const b = Uint8Array.from([...dnsName('www.Example.COM'), 0xee]);
    expect(name(b)).toEqual({ name: 'www.Example.COM', next: 17, error: -1 });
    expect(name(Uint8Array.from([0]))).toEqual({ name: '.', next: 1, error: -1 });
  });

  it('compression: a pointer back to an earlier suffix; next is after the pointer', () => {
    // 0: example.com; 13: www + pointer to 0
    const b = Uint8Array.from([...dnsName('example.com'), 3, 0x77, 0x77, 0x77, 0xc0, 0x00, 0xaa]);
    expect(name(b, 13)).toEqual({ name: 'www.example.com', next: 19, error: -1 });
  });

  it('a forward pointer is followed (Suricata 8 does; a real resolver answered one)', () => {
    const b = Uint8Array.from([0xc0, 0x02, ...dnsName('codemonkey.net')]);
    expect(name(b, 0)).toMatchObject({ name: 'codemonkey.net', next: 2, error: -1 });
  });

  it('a pointer to itself is a loop, not a hang', () => {
    const b = Uint8Array.from([0xc0, 0x00]);
    expect(name(b).error).toBe(AppAnomaly['dns.pointer_loop']);
  });

  it('two pointers pointing at each other: a loop', () => {
    const b = Uint8Array.from([1, 0x61, 0xc0, 0x04, 1, 0x62, 0xc0, 0x00]);
    expect(name(b).error).toBe(AppAnomaly['dns.pointer_loop']);
  });

  it('a loop through labels back to the first label is caught on the second pass', () => {
    // 0: "a" then pointer -> 0 again (label run repeats forever)
    const b = Uint8Array.from([5, 0x61, 0x62, 0x63, 0x64, 0x65, 0xc0, 0x00]);
    expect(name(b).error).toBe(AppAnomaly['dns.pointer_loop']);
  });

  it('a pointer outside the message', () => {
    expect(name(Uint8Array.from([0xc0, 0x40])).error).toBe(AppAnomaly['dns.bad_pointer']);
  });

  it(`more than ${MAX_POINTERS} jumps is refused even without a loop`, () => {
    // A chain of pointers, each pointing two bytes further on, ending in a root label.
    const n = MAX_POINTERS + 2;
    const b: number[] = [];
    for (let i = 0; i < n; i++) b.push(0xc0, 2 * (i + 1));
    b.push(0);
    expect(name(Uint8Array.from(b)).error).toBe(AppAnomaly['dns.too_many_pointers']);
    // Exactly MAX_POINTERS jumps is fine.
    const ok: number[] = [];
    for (let i = 0; i < MAX_POINTERS; i++) ok.push(0xc0, 2 * (i + 1));
    ok.push(0);
    expect(name(Uint8Array.from(ok))).toMatchObject({ name: '.', error: -1 });
  });

  it('255+ labels: refused (label cap), and a long name is refused at 255 octets', () => {
    const many = Uint8Array.from([...Array.from({ length: 300 }, () => [1, 0x61]).flat(), 0]);
    expect(name(many).error).toBe(AppAnomaly['dns.too_many_labels']);
    // Four 63-byte labels = 256 octets with the root: one too many.
    const long = Uint8Array.from([...Array.from({ length: 4 }, () => [63, ...new Array(63).fill(0x61)]).flat(), 0]);
    expect(name(long).error).toBe(AppAnomaly['dns.name_too_long']);
    const fits = Uint8Array.from([...Array.from({ length: 3 }, () => [63, ...new Array(63).fill(0x61)]).flat(), 61, ...new Array(61).fill(0x62), 0]);
    expect(name(fits).error).toBe(-1);
    expect(name(fits).name.length).toBe(63 * 3 + 61 + 3);
  });

  it('the 255-octet limit counts across pointers (no way round it with compression)', () => {
    const label = [63, ...new Array(63).fill(0x61)];
    // 0: two labels + root (129 octets); 129: two labels + pointer to 0 -> 256 octets total.
    const b = Uint8Array.from([...label, ...label, 0, ...label, ...label, 0xc0, 0x00]);
    expect(name(b, 129).error).toBe(AppAnomaly['dns.name_too_long']);
  });

  it('a label length that lies about what follows: truncated', () => {
    expect(name(Uint8Array.from([10, 0x61, 0x62])).error).toBe(AppAnomaly['dns.truncated']);
    expect(name(Uint8Array.from([3, 0x61, 0x62, 0x63])).error).toBe(AppAnomaly['dns.truncated']); // no root
    expect(name(Uint8Array.from([0xc0])).error).toBe(AppAnomaly['dns.truncated']);
  });

  it('extended label types (01, 10) are refused', () => {
    expect(name(Uint8Array.from([0x41, 0x61, 0])).error).toBe(AppAnomaly['dns.bad_label']);
    expect(name(Uint8Array.from([0x80, 0])).error).toBe(AppAnomaly['dns.bad_label']);
  });

  it('odd bytes are escaped as dig prints them, so a dot inside a label is not a label boundary', () => {
    const b = Uint8Array.from([7, 0x78, 0x2e, 0x6f, 0x6e, 0x69, 0x6f, 0x6e, 3, 0x5c, 0x01, 0x20, 0]);
    expect(name(b).name).toBe('x\\.onion.\\\\\\001\\032');
  });

  it('pointers are relative to the message start inside a larger buffer', () => {
    const msg = [...dnsName('example.org'), 1, 0x61, 0xc0, 0x00];
    const b = Uint8Array.from([0xff, 0xff, 0xff, ...msg]);
    const r = out();
    expect(decodeName(b, 3, b.length, 3 + 13, r)).toBe(true);
    expect(r.name).toBe('a.example.org');
  });
});

/** A response: question name, CNAME, then A and AAAA for the target (compressed). */
function response(): Uint8Array {
  return cat(
    dnsHeader(0x1234, 0x8180, 1, 3),
    dnsName('www.example.net'), be16(1), be16(1), // question at 12
    [0xc0, 12], be16(5), be16(1), be32(300), be16(6), [3, 0x63, 0x64, 0x6e, 0xc0, 16], // CNAME cdn.example.net
    [0xc0, 45], be16(1), be16(1), be32(60), be16(4), [198, 51, 100, 7],
    [0xc0, 45], be16(28), be16(1), be32(60), be16(16), [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7],
  );
}

describe('DNS messages (src/applayer/dns/message.ts)', () => {
  it('a query', () => {
    const b = cat(dnsHeader(7, 0x0100, 1, 0), dnsName('foo.onion'), be16(1), be16(1));
    const r = parseDnsMessage(b, 0, b.length);
    expect(r.anomaly).toBe(-1);
    expect(r.message).toMatchObject({ id: 7, response: false, questions: [{ name: 'foo.onion', type: 1, class: 1 }], answers: [] });
  });

  it('a response with CNAME, A and AAAA, compressed', () => {
    const b = response();
    const r = parseDnsMessage(b, 0, b.length);
    expect(r.anomaly).toBe(-1);
    const m = r.message!;
    expect(m.response).toBe(true);
    expect(m.answers).toEqual([
      { name: 'www.example.net', type: 5, ttl: 300, target: 'cdn.example.net' },
      { name: 'cdn.example.net', type: 1, ttl: 60, version: 4, words: [0, 0, 0, (198 << 24 | 51 << 16 | 100 << 8 | 7) >>> 0] },
      { name: 'cdn.example.net', type: 28, ttl: 60, version: 6, words: [0x20010db8, 0, 0, 7] },
    ]);
  });

  it('a message cut short keeps what was complete (the first IP fragment of a big answer)', () => {
    const b = response();
    const r = parseDnsMessage(b, 0, 60);
    expect(r.anomaly).toBe(AppAnomaly['dns.truncated']);
    expect(r.message!.questions.map((q) => q.name)).toEqual(['www.example.net']);
    expect(r.message!.answers.length).toBe(1);
  });

  it('counts that lie: qdcount 5 with one question', () => {
    const b = cat(dnsHeader(1, 0x0100, 5, 0), dnsName('a.example'), be16(1), be16(1));
    const r = parseDnsMessage(b, 0, b.length);
    expect(r.anomaly).toBe(AppAnomaly['dns.truncated']);
    expect(r.message!.questions.length).toBe(1);
  });

  it('an rdlength that lies: truncated; an A record of 5 bytes: bad rdata, parsing goes on', () => {
    const lie = cat(dnsHeader(1, 0x8180, 0, 1), [0], be16(1), be16(1), be32(1), be16(400), [1, 2, 3, 4]);
    expect(parseDnsMessage(lie, 0, lie.length).anomaly).toBe(AppAnomaly['dns.truncated']);
    const bad = cat(dnsHeader(1, 0x8180, 0, 2), [0], be16(1), be16(1), be32(1), be16(5), [1, 2, 3, 4, 5], [0], be16(1), be16(1), be32(1), be16(4), [9, 9, 9, 9]);
    const r = parseDnsMessage(bad, 0, bad.length);
    expect(r.anomaly).toBe(AppAnomaly['dns.bad_rdata']);
    expect(r.message!.answers.length).toBe(1);
  });

  it('no header: nothing', () => {
    expect(parseDnsMessage(Uint8Array.from([1, 2, 3]), 0, 3)).toEqual({ message: undefined, anomaly: AppAnomaly['dns.truncated'] });
  });

  it('65535 questions claimed: stops at the cap, bounded work', () => {
    const q = [...dnsName('x'), ...be16(1), ...be16(1)];
    const b = cat(dnsHeader(1, 0x0100, 0xffff, 0), ...Array.from({ length: 40 }, () => q));
    const r = parseDnsMessage(b, 0, b.length);
    expect(r.anomaly).toBe(AppAnomaly['dns.too_many_records']);
    expect(r.message!.questions.length).toBe(16);
  });
});

describe('DNS over TCP framing (src/applayer/dns/tcp-framing.ts)', () => {
  const q = (n: string): Uint8Array => cat(dnsHeader(1, 0x0100, 1, 0), dnsName(n), be16(1), be16(1));
  const framed = (m: Uint8Array): Uint8Array => cat(be16(m.length), m);

  function collect(chunks: Uint8Array[]): { names: string[]; anomalies: number[] } {
    const names: string[] = [];
    const anomalies: number[] = [];
    const f = new DnsTcpFramer((b, o, e) => names.push(parseDnsMessage(b, o, e).message!.questions[0].name), (id) => anomalies.push(id));
    for (const c of chunks) f.push(c, 0, c.length);
    return { names, anomalies };
  }

  it('several messages in one segment', () => {
    const all = cat(framed(q('a.example')), framed(q('b.example')), framed(q('c.example')));
    expect(collect([all]).names).toEqual(['a.example', 'b.example', 'c.example']);
  });

  it('one message over several segments, the length prefix split too', () => {
    const all = cat(framed(q('split.example')), framed(q('next.example')));
    const chunks = [all.subarray(0, 1), all.subarray(1, 5), all.subarray(5, 20), all.subarray(20)];
    expect(collect(chunks).names).toEqual(['split.example', 'next.example']);
    const bytes = Array.from(all, (b) => Uint8Array.of(b));
    expect(collect(bytes).names).toEqual(['split.example', 'next.example']);
  });

  it('a length too short for a header is skipped with an anomaly, and the stream resynchronises', () => {
    const all = cat(be16(3), [1, 2, 3], framed(q('after.example')));
    expect(collect([all])).toEqual({ names: ['after.example'], anomalies: [AppAnomaly['dns.tcp_bad_length']] });
  });

  it('the gather buffer needs the budget; refused, the framer stops', () => {
    const f = new DnsTcpFramer(() => undefined, () => undefined, () => false);
    const all = framed(q('big.example'));
    expect(f.push(all, 0, 10)).toBe(false);
  });
});

describe('DNS answer cache (src/applayer/dns/cache.ts)', () => {
  const v4 = (a: number, b: number, c: number, d: number): number => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
  const CLIENT: HostAddress = { version: 4, words: [0, 0, 0, v4(10, 1, 1, 10)] };
  const OTHER: HostAddress = { version: 4, words: [0, 0, 0, v4(10, 1, 1, 11)] };
  const answer = (name: string): DnsAnswerRef => ({ name, resolver: '198.51.100.53', tsSec: 0, tsNsec: 0, querySeen: true });

  it('maps an answered address to the asked name, within the TTL (clamped)', () => {
    const c = new DnsCache({ entries: 64 });
    c.insert(CLIENT, 4, 0, 0, 0, v4(198, 51, 100, 7), answer('www.example.net'), 10, 1000);
    expect(c.lookup(CLIENT, 4, 0, 0, 0, v4(198, 51, 100, 7), 1000)?.name).toBe('www.example.net');
    // TTL 10 s is raised to the minimum.
    expect(c.lookup(CLIENT, 4, 0, 0, 0, v4(198, 51, 100, 7), 1000 + (MIN_TTL_S - 1) * 1000)?.name).toBe('www.example.net');
    expect(c.lookup(CLIENT, 4, 0, 0, 0, v4(198, 51, 100, 7), 1000 + MIN_TTL_S * 1000)?.name).toBeUndefined();
    c.insert(CLIENT, 4, 0, 0, 0, 1, answer('long.example'), 10 * 86_400, 0);
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 1, MAX_TTL_S * 1000 - 1)?.name).toBe('long.example');
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 1, MAX_TTL_S * 1000)?.name).toBeUndefined();
  });

  it('an answer names the address only for the client that received it', () => {
    const c = new DnsCache({ entries: 64 });
    c.insert(CLIENT, 4, 0, 0, 0, v4(203, 0, 113, 80), answer('victim.onion'), 300, 0);
    expect(c.lookup(CLIENT, 4, 0, 0, 0, v4(203, 0, 113, 80), 0)?.name).toBe('victim.onion');
    expect(c.lookup(OTHER, 4, 0, 0, 0, v4(203, 0, 113, 80), 0)).toBeUndefined();
    expect(c.lookup(CLIENT, 4, 0, 0, 0, v4(203, 0, 113, 80), 0)?.resolver).toBe('198.51.100.53');
  });

  it('IPv6 keys use all four words; v4 and v6 never collide', () => {
    const c = new DnsCache({ entries: 64 });
    c.insert(CLIENT, 6, 0x20010db8, 0, 0, 7, answer('six.example'), 300, 0);
    expect(c.lookup(CLIENT, 6, 0x20010db8, 0, 0, 7, 0)?.name).toBe('six.example');
    expect(c.lookup(CLIENT, 6, 0x20010db8, 0, 1, 7, 0)?.name).toBeUndefined();
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 7, 0)?.name).toBeUndefined();
  });

  it('the latest answer wins; a full table replaces the entry that expires first', () => {
    const c = new DnsCache({ entries: 4, ways: 4 });
    expect(c.capacity).toBe(4);
    c.insert(CLIENT, 4, 0, 0, 0, 1, answer('one'), 300, 0);
    c.insert(CLIENT, 4, 0, 0, 0, 1, answer('uno'), 300, 0);
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 1, 0)?.name).toBe('uno');
    c.insert(CLIENT, 4, 0, 0, 0, 2, answer('two'), 100, 0);
    c.insert(CLIENT, 4, 0, 0, 0, 3, answer('three'), 300, 0);
    c.insert(CLIENT, 4, 0, 0, 0, 4, answer('four'), 300, 0);
    c.insert(CLIENT, 4, 0, 0, 0, 5, answer('five'), 300, 0); // evicts 'two' (expires first)
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 2, 0)?.name).toBeUndefined();
    expect(c.lookup(CLIENT, 4, 0, 0, 0, 5, 0)?.name).toBe('five');
    expect(c.evictions).toBe(1);
  });
});
