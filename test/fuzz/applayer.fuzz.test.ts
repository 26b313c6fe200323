/**
 * Property tests of every app-layer parser, on random bytes and on mutations of what real captures
 * carry (pcaps/ and ../shared/data: DNS over UDP and TCP, TLS 1.2/1.3 with certificates, Tor link
 * handshakes, HTTP with CONNECT, QUIC v1/v2/draft-29 Initials):
 *
 *  - DNS message / name / TCP framing, TLS ClientHello / ServerHello / Certificate / DER / records,
 *    HTTP request heads, QUIC long header / Initial decryption / varints / CRYPTO frames and their
 *    reassembly, the protocol sniffer, TCP stream reassembly;
 *  - each returns a result or a named anomaly, never throws; reads nothing outside the bytes it was
 *    given (same result whatever surrounds them); bounded output (record counts, name lengths, list
 *    sizes at their caps); memory taken from the budget is given back; one call stays in a time budget.
 * Builds on test/applayer/mutation.test.ts (mutated real traffic through the pipeline).
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { APP_ANOMALIES, AppCounters } from '../../src/applayer/anomalies.js';
import type { AppContext } from '../../src/applayer/context.js';
import { DNS_HEADER_LEN, MAX_ANSWERS, MAX_QUESTIONS, parseDnsMessage } from '../../src/applayer/dns/message.js';
import { decodeName, skipName, type NameResult } from '../../src/applayer/dns/name.js';
import { NAME_MAX } from '../../src/util/bound.js';
import { DnsTcpFramer } from '../../src/applayer/dns/tcp-framing.js';
import type { AppEvent } from '../../src/applayer/events.js';
import { HttpRequestDirection, MAX_HEAD, MAX_REQUESTS } from '../../src/applayer/http/direction.js';
import { headEnd, hostOfAbsoluteTarget, hostOfAuthority, parseRequestHead, type HttpRequestHead } from '../../src/applayer/http/request.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { DIR_DONE } from '../../src/applayer/parser.js';
import { CryptoStream, MAX_RANGES, readFrames } from '../../src/applayer/quic/crypto-frames.js';
import { headerProtectionMask, unprotectLongHeader } from '../../src/applayer/quic/header-protection.js';
import { initialKeys } from '../../src/applayer/quic/initial-keys.js';
import { decryptLongPacket, MAX_CID_LEN, parseLongHeader } from '../../src/applayer/quic/initial-packet.js';
import { CRYPTO_CAPACITY, QuicSession } from '../../src/applayer/quic/session.js';
import { readVarint } from '../../src/applayer/quic/varint.js';
import { sniff, SNIFF_MAX } from '../../src/applayer/sniff.js';
import { TCP_PROTOCOLS } from '../../src/applayer/tcp-protocols.js';
import { MAX_PENDING, StreamState, TcpStream } from '../../src/applayer/stream/reassembly.js';
import { certificateNames, firstCertificate } from '../../src/applayer/tls/certificate.js';
import { parseClientHello } from '../../src/applayer/tls/client-hello.js';
import { derRead } from '../../src/applayer/tls/der.js';
import { TlsDirection, type TlsHooks } from '../../src/applayer/tls/direction.js';
import { ja3 } from '../../src/applayer/tls/ja3.js';
import { ja4 } from '../../src/applayer/tls/ja4.js';
import { parseServerHello } from '../../src/applayer/tls/server-hello.js';
import type { Flow } from '../../src/flow/flow.js';
import { CALL_BUDGET_MS, chunkingArb, chunks, hostileBytes, mutatedFrom, params } from './lib/arb.js';
import { buildCorpus, type Corpus } from './lib/corpus.js';
import { protectInitial } from './lib/quic-protect.js';

let c: Corpus;
beforeAll(async () => {
  c = await buildCorpus();
});

/**
 * Call `parse(buf, off, end)` on `bytes` placed at offset 7 of a bigger buffer, twice, with different
 * bytes around them; the two results must be the same (nothing outside [off, end) was read), and the
 * call must stay in the time budget. Returns the result.
 */
function isolated<T>(bytes: Uint8Array, parse: (buf: Uint8Array, off: number, end: number) => T, show: (v: T) => unknown = (v) => v): T {
  const results: string[] = [];
  let value!: T;
  for (const fill of [0x00, 0xc0]) {
    const buf = new Uint8Array(bytes.length + 64).fill(fill);
    buf.set(bytes, 7);
    const t0 = performance.now();
    value = parse(buf, 7, 7 + bytes.length);
    expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
    results.push(JSON.stringify(show(value)) ?? 'undefined');
  }
  expect(results[1], `read outside its bytes: ${Buffer.from(bytes).toString('hex').slice(0, 400)}`).toBe(results[0]);
  return value;
}

const validAnomaly = (id: number): boolean => id === -1 || (id >= 0 && id < APP_ANOMALIES.length);

describe('DNS', () => {
  it('parseDnsMessage: a message (bounded) or a named anomaly, nothing read outside the datagram', () => {
    let questions = 0;
    fc.assert(
      fc.property(hostileBytes(c.dnsUdp), (bytes) => {
        const r = isolated(bytes, parseDnsMessage);
        expect(validAnomaly(r.anomaly)).toBe(true);
        if (bytes.length < DNS_HEADER_LEN) expect(r.message).toBeUndefined();
        if (!r.message) return;
        questions += r.message.questions.length;
        expect(r.message.questions.length).toBeLessThanOrEqual(MAX_QUESTIONS);
        expect(r.message.answers.length).toBeLessThanOrEqual(MAX_ANSWERS);
        // Presentation form escapes a byte as \DDD at most: 4 characters per octet.
        for (const q of r.message.questions) expect(q.name.length).toBeLessThanOrEqual(NAME_MAX + 1);
        for (const a of r.message.answers) {
          expect(a.name.length).toBeLessThanOrEqual(NAME_MAX + 1);
          if (a.words) for (const w of a.words) expect(w >>> 0).toBe(w);
        }
      }),
      params(4000),
    );
    expect(questions).toBeGreaterThan(1000);
  });

  it('decodeName / skipName at any offset of a hostile message: bounded walk (pointer loops, jumps, labels)', () => {
    const out: NameResult = { name: '', next: 0, error: -1 };
    fc.assert(
      fc.property(hostileBytes(c.dnsUdp), fc.nat({ max: 600 }), (bytes, at) => {
        const off = bytes.length ? at % bytes.length : 0;
        const r = isolated(bytes, (buf, msg, end) => {
          const ok = decodeName(buf, msg, end, msg + off, out);
          return { ok, name: out.name, next: out.next - msg, error: out.error, skip: skipName(buf, end, msg + off) - msg };
        });
        if (r.ok) {
          expect(r.error).toBe(-1);
          expect(r.name.length).toBeLessThanOrEqual(NAME_MAX + 1);
          expect(r.next).toBeGreaterThan(off);
          expect(r.next).toBeLessThanOrEqual(bytes.length);
        } else expect(validAnomaly(r.error) && r.error >= 0).toBe(true);
      }),
      params(4000),
    );
  });

  it('DNS over TCP framing: real messages come out whole however the stream is cut; hostile streams stay bounded', () => {
    fc.assert(
      fc.property(fc.array(hostileBytes(c.dnsUdp), { minLength: 1, maxLength: 12 }), chunkingArb, fc.boolean(), (msgs, sizes, garbage) => {
        const stream: number[] = [];
        for (const m of msgs) stream.push(m.length >> 8, m.length & 255, ...m);
        const bytes = garbage ? Uint8Array.from(stream.map((b, i) => (i % 37 === 5 ? b ^ 0x41 : b))) : Uint8Array.from(stream);
        const got: string[] = [];
        const budget = new MemoryBudget(1 << 20);
        const framer = new DnsTcpFramer(
          (buf, off, end) => {
            expect(end - off).toBeGreaterThanOrEqual(DNS_HEADER_LEN);
            got.push(Buffer.from(buf.subarray(off, end)).toString('hex'));
          },
          () => undefined,
          (n) => budget.reserve(n),
          (n) => budget.release(n),
        );
        for (const ch of chunks(bytes, sizes)) {
          framer.push(ch, 0, ch.length);
          expect(framer.held).toBeLessThanOrEqual(0xffff);
        }
        if (!garbage) expect(got).toEqual(msgs.filter((m) => m.length >= DNS_HEADER_LEN).map((m) => Buffer.from(m).toString('hex')));
        framer.dispose();
        expect(budget.used).toBe(0);
      }),
      params(1500),
    );
  });
});

describe('TLS', () => {
  it('parseClientHello: a hello with bounded lists (and its JA3/JA4) or undefined; nothing read outside the body', () => {
    fc.assert(
      fc.property(hostileBytes(c.clientHellos), (bytes) => {
        const h = isolated(bytes, parseClientHello);
        if (!h) return;
        for (const list of [h.ciphers, h.extensions, h.alpn, h.supportedVersions, h.groups, h.pointFormats, h.sigAlgs]) expect(list.length).toBeLessThanOrEqual(bytes.length);
        expect(h.ciphers.length).toBeLessThanOrEqual(512);
        if (h.sni !== undefined) expect(h.sni.length).toBeLessThanOrEqual(Math.min(bytes.length, NAME_MAX + 1));
        expect(ja3(h).md5).toMatch(/^[0-9a-f]{32}$/);
        expect(ja4(h, false)).toMatch(/^t\w{2}[di]\d{4}\w{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
      }),
      params(4000),
    );
  });

  it('parseServerHello: a hello or undefined; nothing read outside the body', () => {
    fc.assert(
      fc.property(hostileBytes(c.serverHellos), (bytes) => {
        const h = isolated(bytes, parseServerHello);
        if (h?.alpn !== undefined) expect(h.alpn.length).toBeLessThanOrEqual(255);
      }),
      params(3000),
    );
  });

  it('Certificate message and DER: the leaf and its names, or "need more" / malformed; every element inside its parent', () => {
    fc.assert(
      fc.property(hostileBytes(c.certificates, 2048), hostileBytes(c.der, 2048), fc.nat({ max: 4096 }), (msg, der, at) => {
        const leaf = isolated(msg, firstCertificate);
        if (leaf) {
          expect(leaf.start).toBeGreaterThanOrEqual(7);
          expect(leaf.end).toBeLessThanOrEqual(7 + msg.length);
        }
        const names = isolated(der, certificateNames);
        if (names?.subjectCN !== undefined) expect(names.subjectCN.length).toBeLessThanOrEqual(der.length);
        const el = { tag: 0, start: 0, end: 0 };
        const off = der.length ? at % der.length : 0;
        if (derRead(der, off, der.length, el)) {
          expect(el.start).toBeGreaterThan(off);
          expect(el.end).toBeGreaterThanOrEqual(el.start);
          expect(el.end).toBeLessThanOrEqual(der.length);
        }
      }),
      params(3000),
    );
  });

  /** A TLS direction parser fed in chunks, with hooks that count and check the memory budget. */
  function runTls(stream: Uint8Array, sizes: readonly number[], dir: number): { events: string[]; budget: MemoryBudget; anomalies: number[] } {
    const budget = new MemoryBudget(1 << 20);
    const events: string[] = [];
    const anomalies: number[] = [];
    const hooks: TlsHooks = {
      clientHello: (h) => events.push(`ch ${h.sni ?? ''}`),
      serverHello: (h) => events.push(`sh ${h.version}`),
      certificate: (n) => events.push(`cert ${n?.subjectCN ?? '?'}`),
      clientMovedOn: () => events.push('moved-on'),
      anomaly: (id) => anomalies.push(id),
      reserve: (n) => budget.reserve(n),
      release: (n) => budget.release(n),
    };
    const t = new TlsDirection(hooks, dir);
    for (const ch of chunks(stream, sizes)) {
      const n = t.push(ch, 0, ch.length);
      if (n === DIR_DONE) break;
      expect(n).toBe(ch.length);
    }
    t.close();
    return { events, budget, anomalies };
  }

  it('TLS records and handshake reassembly: whatever the cut, the same facts; bounded; memory given back', () => {
    let facts = 0;
    fc.assert(
      fc.property(hostileBytes(c.tlsStreams, 4096), chunkingArb, fc.integer({ min: 0, max: 1 }), (stream, sizes, dir) => {
        const a = runTls(stream, sizes, dir);
        const b = runTls(stream, [1 << 20], dir);
        expect(a.events).toEqual(b.events);
        expect(a.budget.used).toBe(0);
        expect(a.budget.peak).toBeLessThanOrEqual(2 * 64 * 1024);
        expect(a.events.filter((e) => e.startsWith('ch ')).length).toBeLessThanOrEqual(1);
        for (const id of a.anomalies) expect(validAnomaly(id) && id >= 0).toBe(true);
        facts += a.events.length;
      }),
      params(2000),
    );
    expect(facts).toBeGreaterThan(1000);
  });
});

describe('HTTP', () => {
  const heads = (): Uint8Array[] => c.httpStreams;

  it('parseRequestHead on whatever headEnd finds: a head or a named error', () => {
    fc.assert(
      fc.property(hostileBytes(heads(), 2048), (bytes) => {
        const r = isolated(bytes, (buf, off, end) => {
          const e = headEnd(buf, off, end);
          return e < 0 ? undefined : { e: e - off, r: parseRequestHead(buf, off, e) };
        });
        if (!r) return;
        if ('error' in r.r) expect(['http.bad_request_line', 'http.bad_header']).toContain(r.r.error);
        else {
          expect(r.r.head.method.length).toBeGreaterThan(0);
          if (r.r.head.contentLength !== undefined) expect(Number.isSafeInteger(r.r.head.contentLength)).toBe(true);
        }
      }),
      params(3000),
    );
  });

  it('hostOfAuthority / hostOfAbsoluteTarget on any string: a lowercase host or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.webUrl(), fc.domain()), (s) => {
        for (const h of [hostOfAuthority(s), hostOfAbsoluteTarget(s)]) {
          if (h !== undefined) {
            expect(h.length).toBeGreaterThan(0);
            expect(h).toBe(h.toLowerCase());
          }
        }
      }),
      params(3000),
    );
  });

  it('request direction over a keep-alive stream cut anywhere: same requests, at most MAX_REQUESTS, memory given back', () => {
    const run = (stream: Uint8Array, sizes: readonly number[]): { reqs: HttpRequestHead[]; used: number; anomalies: number[] } => {
      const budget = new MemoryBudget(1 << 20);
      const reqs: HttpRequestHead[] = [];
      const anomalies: number[] = [];
      const d = new HttpRequestDirection({ request: (h) => reqs.push(h), tunnel: () => null, anomaly: (id) => anomalies.push(id), reserve: (n) => budget.reserve(n), release: (n) => budget.release(n) }, 0);
      for (const ch of chunks(stream, sizes)) {
        const n = d.push(ch, 0, ch.length);
        if (n === DIR_DONE || n < ch.length) break;
      }
      d.close();
      return { reqs, used: budget.used, anomalies };
    };
    fc.assert(
      fc.property(fc.array(hostileBytes(heads(), 2048), { minLength: 1, maxLength: 40 }), chunkingArb, (parts, sizes) => {
        const stream = Buffer.concat(parts);
        const a = run(stream, sizes);
        const b = run(stream, [stream.length + 1]);
        expect(a.reqs).toEqual(b.reqs);
        expect(a.reqs.length).toBeLessThanOrEqual(MAX_REQUESTS);
        expect(a.used).toBe(0);
        for (const r of a.reqs) expect(r.method.length + r.target.length).toBeLessThanOrEqual(MAX_HEAD);
      }),
      params(1500),
    );
  });
});

describe('QUIC', () => {
  function encodeVarint(v: number, len: 1 | 2 | 4 | 8): Uint8Array {
    const out = new Uint8Array(len);
    let x = BigInt(v);
    for (let i = len - 1; i >= 0; i--) {
      out[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    out[0] |= { 1: 0, 2: 0x40, 4: 0x80, 8: 0xc0 }[len];
    return out;
  }

  it('varints: every encodable value reads back; random bytes give a value of the right length or false', () => {
    const v = { value: 0, next: 0 };
    fc.assert(
      fc.property(fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const), fc.bigInt({ min: 0n, max: 2n ** 53n - 1n }), fc.uint8Array({ maxLength: 9 }), (len, big, random) => {
        const max = [0, 63n, 16383n, 0, 1073741823n, 0, 0, 0, 2n ** 62n - 1n][len] as bigint;
        const value = Number(big > max ? big % (max + 1n) : big);
        const enc = encodeVarint(value, len);
        expect(readVarint(enc, 0, enc.length, v)).toBe(true);
        expect([v.value, v.next]).toEqual([value, len]);
        expect(readVarint(enc, 0, enc.length - 1, v)).toBe(false);
        if (readVarint(random, 0, random.length, v)) {
          expect(v.next).toBe(1 << (random[0] >>> 6));
          expect(Number.isSafeInteger(v.value)).toBe(true);
        }
      }),
      params(4000),
    );
  });

  it('long header and Initial decryption on mutated real datagrams: a header inside the datagram, plaintext or undefined', () => {
    fc.assert(
      fc.property(hostileBytes(c.quicDatagrams, 1500), (bytes) => {
        const h = isolated(bytes, parseLongHeader, (x) => x && { ...x, dcid: Array.from(x.dcid), scid: Array.from(x.scid) });
        if (!h) return;
        expect(h.dcid.length).toBeLessThanOrEqual(MAX_CID_LEN);
        expect(h.start).toBe(7);
        expect(h.end).toBeLessThanOrEqual(7 + bytes.length);
        expect(h.pnOffset).toBeLessThanOrEqual(h.end);
        const keys = initialKeys(h.version, h.dcid);
        if (keys) {
          const buf = new Uint8Array(bytes.length + 14);
          buf.set(bytes, 7);
          const plain = decryptLongPacket(buf, h, keys);
          if (plain) expect(plain.length).toBeLessThan(h.end - h.pnOffset);
        }
        // Header protection on any sample: packet number length 1..4.
        const hdr = Uint8Array.from(bytes.subarray(0, Math.max(h.pnOffset - 7 + 4, 0)));
        if (hdr.length >= h.pnOffset - 7 + 4 && bytes.length >= 16) {
          const n = unprotectLongHeader(hdr, h.pnOffset - 7, headerProtectionMask(Buffer.alloc(16, 1), bytes.subarray(bytes.length - 16)));
          expect(n).toBeGreaterThanOrEqual(1);
          expect(n).toBeLessThanOrEqual(4);
        }
      }),
      params(2000),
    );
  });

  it('CRYPTO frames and their reassembly: bounded ranges and capacity, never more contiguous bytes than given', () => {
    const donors = (): Uint8Array[] => c.quicPlain.map((q) => q.frames);
    fc.assert(
      fc.property(hostileBytes(donors(), 1500), fc.integer({ min: 16, max: CRYPTO_CAPACITY }), (bytes, capacity) => {
        const cs = new CryptoStream(capacity);
        let given = 0;
        const ok = isolated(bytes, (buf, off, end) => readFrames(buf, off, end, (offset, data) => {
          expect(data.length).toBeLessThanOrEqual(bytes.length);
          given += data.length;
          return cs.add(offset, data) || true;
        }));
        expect(typeof ok).toBe('boolean');
        expect(cs.contiguous).toBeLessThanOrEqual(capacity);
        expect(cs.contiguous).toBeLessThanOrEqual(given);
        expect((cs as unknown as { ranges: number[] }).ranges.length).toBeLessThanOrEqual(2 * MAX_RANGES);
      }),
      params(3000),
    );
  });

  it('a whole QUIC session on mutated plaintext, encrypted again: at most one ClientHello, memory given back', () => {
    let hellos = 0;
    fc.assert(
      fc.property(mutatedFrom(c.quicPlain.map((q) => q.frames), 6), fc.array(mutatedFrom(c.quicPlain.map((q) => q.frames), 3), { maxLength: 3 }), ({ base, bytes }, more) => {
        const q = c.quicPlain[base];
        const counters = new AppCounters();
        const budget = new MemoryBudget(1 << 20);
        const events: AppEvent[] = [];
        const ctx: AppContext = { counters, budget, streamDepth: 65536, emit: (_f, ev) => events.push(ev), dns: () => undefined };
        const s = new QuicSession({} as Flow, ctx);
        const datagrams = [bytes, ...more.map((m) => m.bytes)].map((frames, pn) => protectInitial({ version: q.version, dcid: q.dcid, frames, pn }));
        for (const d of datagrams) s.datagram(d, 0, d.length, 0);
        s.finish();
        expect(budget.used).toBe(0);
        const n = events.filter((e) => e.kind === 'quic-client-hello').length;
        expect(n).toBeLessThanOrEqual(1);
        hellos += n;
        expect(counters.count('applayer.internal_error')).toBe(0);
      }),
      params(800),
    );
    // The re-encryption gets mutated bytes past the AEAD: many sessions still reach a ClientHello.
    expect(hellos).toBeGreaterThan(80);
  });
});

describe('sniffing and TCP reassembly', () => {
  it('sniff: one of four answers or a protocol of TCP_PROTOCOLS for any bytes, decided by at most the first SNIFF_MAX bytes', () => {
    fc.assert(
      fc.property(hostileBytes([...c.tlsStreams, ...c.httpStreams], 64), (bytes) => {
        const r = isolated(bytes, (buf, off, end) => sniff(buf, off, end - off), (v) => (typeof v === 'object' ? v.name : v));
        if (typeof r === 'object') expect(TCP_PROTOCOLS).toContain(r);
        else expect(['tls', 'http', 'none', 'more']).toContain(r);
        if (bytes.length > SNIFF_MAX) expect(sniff(bytes, 0, SNIFF_MAX)).toBe(r);
      }),
      params(3000),
    );
  });

  it('reassembly: any order, duplicates and overlaps of a true stream deliver a prefix of it, bounded, memory given back', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 6000 }),
        fc.array(fc.record({ off: fc.nat({ max: 6000 }), len: fc.integer({ min: 1, max: 1500 }), ack: fc.boolean() }), { minLength: 1, maxLength: 60 }),
        fc.nat(),
        fc.integer({ min: 64, max: 8192 }),
        (truth, segs, isn, depth) => {
          const budget = new MemoryBudget(1 << 20);
          const s = new TcpStream(depth, budget, 0);
          s.syn(isn >>> 0);
          const got: number[] = [];
          const sink = { streamData: (_d: number, buf: Uint8Array, off: number, len: number) => { got.push(...buf.subarray(off, off + len)); return true; } };
          let maxHeld = 0;
          for (const g of segs) {
            const off = g.off % truth.length;
            const data = truth.subarray(off, off + g.len);
            s.segment((isn + 1 + off) >>> 0, data, 0, data.length, sink);
            if (g.ack) s.peerAck((isn + 1 + Math.min(truth.length, off)) >>> 0);
            maxHeld = Math.max(maxHeld, s.held);
            if (s.state !== StreamState.ACTIVE) break;
          }
          expect(Buffer.from(got).equals(Buffer.from(truth.subarray(0, got.length)))).toBe(true);
          expect(got.length).toBeLessThanOrEqual(depth);
          expect(maxHeld).toBeLessThanOrEqual(depth);
          expect((s as unknown as { pending: unknown[] | null }).pending?.length ?? 0).toBeLessThanOrEqual(MAX_PENDING);
          s.close();
          expect(budget.used).toBe(0);
        },
      ),
      params(2500),
    );
  });
});
