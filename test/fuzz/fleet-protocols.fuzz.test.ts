/**
 * Property tests of the fleet outputs' protocol readers, which read what a server (or anything
 * listening on its port) sends back:
 *  - RELP frames (relp-frame.ts): any frames, cut anywhere, read back whole and in order; hostile
 *    bytes give frames or a RelpProtocolError, never another exception, and never more buffered than
 *    one frame may hold;
 *  - RESP replies (resp.ts): any replies (strings, errors, integers, nulls, nested arrays), cut
 *    anywhere, read back equal; hostile bytes give replies or a RespProtocolError within the limits;
 *  - the keyed record (event.id + JSON) round-trips any id and body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeKeyed, encodeKeyed } from '../../src/output/keyed-record.js';
import { RespError, RespProtocolError, RespReader, type RespValue } from '../../src/output/redis/resp.js';
import { encodeFrame, parseOffers, parseResponse, RelpFrameReader, RelpProtocolError } from '../../src/output/relp/relp-frame.js';
import { chunkingArb, chunks, params } from './lib/arb.js';

const MAX_DATA = 4096;

const frameArb = fc.record({
  txnr: fc.integer({ min: 0, max: 999_999_999 }),
  command: fc.stringMatching(/^[a-zA-Z]{1,32}$/),
  data: fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
});

describe('RELP frames', () => {
  it('any frames, cut anywhere, come back whole and in order', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 20 }), chunkingArb, (frames, sizes) => {
        const bytes = Buffer.concat(frames.map((f) => encodeFrame(f.txnr, f.command, f.data)));
        const r = new RelpFrameReader(MAX_DATA);
        const got = chunks(bytes, sizes).flatMap((c) => r.push(Buffer.from(c)));
        expect(got.map((g) => [g.txnr, g.command, g.data.toString('hex')])).toEqual(frames.map((f) => [f.txnr, f.command, f.data.toString('hex')]));
        expect(r.pending).toBe(0);
      }),
      params(1500),
    );
  });

  it('hostile bytes: frames or a RelpProtocolError, and at most one frame buffered', () => {
    const valid = fc.array(frameArb, { minLength: 1, maxLength: 6 }).map((fs) => Buffer.concat(fs.map((f) => encodeFrame(f.txnr, f.command, f.data))));
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }).map((a) => Buffer.from(a)),
      fc.tuple(valid, fc.nat(), fc.nat({ max: 255 })).map(([b, at, v]) => {
        const c = Buffer.from(b);
        c[at % c.length] = v;
        return c;
      }),
      fc.constantFrom(Buffer.from('1 rsp 99999 200 OK\n'), Buffer.from('1234567890 rsp 0\n'), Buffer.from('1 rspxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx 0\n'), Buffer.from('1 rsp 3 200X')),
    );
    fc.assert(
      fc.property(hostile, chunkingArb, (bytes, sizes) => {
        const r = new RelpFrameReader(MAX_DATA);
        try {
          for (const c of chunks(bytes, sizes)) {
            r.push(Buffer.from(c));
            // TXNR (9) + SP + COMMAND (32) + SP + DATALEN (9) + SP + data + LF
            expect(r.pending).toBeLessThanOrEqual(9 + 1 + 32 + 1 + 9 + 1 + MAX_DATA + 1);
          }
        } catch (err) {
          if (!(err instanceof RelpProtocolError)) throw err;
        }
      }),
      params(3000),
    );
  });

  it('responses and offers: a code, text and data, or a RelpProtocolError', () => {
    expect(parseResponse(Buffer.from('200 OK\nrelp_version=0\ncommands=syslog'))).toEqual({ code: 200, text: 'OK', rest: 'relp_version=0\ncommands=syslog' });
    expect(parseOffers('relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog').get('relp_software')).toEqual(['librelp', '1.11.0', 'http://librelp.adiscon.com']);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        try {
          const r = parseResponse(Buffer.from(b));
          expect(r.code).toBeGreaterThanOrEqual(0);
          expect(r.code).toBeLessThan(1000);
        } catch (err) {
          if (!(err instanceof RelpProtocolError)) throw err;
        }
        parseOffers(Buffer.from(b).toString('utf8'));
      }),
      params(2000),
    );
  });
});

/** RESP2 as a server writes it (the test's own encoder, independent of the reader). */
function encodeReply(v: RespValue): string {
  if (v === null) return '$-1\r\n';
  if (v instanceof RespError) return `-${v.message}\r\n`;
  if (typeof v === 'number') return `:${v}\r\n`;
  if (Array.isArray(v)) return `*${v.length}\r\n${v.map(encodeReply).join('')}`;
  return `$${Buffer.byteLength(v)}\r\n${v}\r\n`;
}

const line = fc.string({ maxLength: 40 }).filter((s) => !/[\r\n]/.test(s));
const replyArb: fc.Arbitrary<RespValue> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.string({ maxLength: 300 }),
    fc.integer(),
    fc.constant(null),
    line.map((s) => new RespError(`ERR ${s}`)),
    fc.array(tie('value'), { maxLength: 6 }),
  ),
})).value as fc.Arbitrary<RespValue>;

describe('RESP replies', () => {
  it('any replies, cut anywhere, come back equal and in order', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { maxLength: 12 }), chunkingArb, (replies, sizes) => {
        const bytes = Buffer.from(replies.map(encodeReply).join(''));
        const r = new RespReader({ maxBulk: 1 << 16, maxArray: 1000, maxDepth: 8 });
        const got = chunks(bytes, sizes).flatMap((c) => r.push(Buffer.from(c)));
        expect(got).toEqual(replies);
        expect(r.pending).toBe(0);
      }),
      params(1500),
    );
  });

  it('hostile bytes: replies or a RespProtocolError, within the limits', () => {
    const hostile = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.array(replyArb, { minLength: 1, maxLength: 4 }), fc.nat(), fc.nat({ max: 255 })).map(([rs, at, v]) => {
        const b = Buffer.from(rs.map(encodeReply).join(''));
        b[at % b.length] = v;
        return b;
      }),
      fc.constantFrom(Buffer.from('$99999999999\r\n'), Buffer.from('*2000000\r\n'), Buffer.from('*1\r\n'.repeat(20)), Buffer.from('$5\r\nabcdefg'), Buffer.from('?x\r\n')),
    );
    fc.assert(
      fc.property(hostile, chunkingArb, (bytes, sizes) => {
        const r = new RespReader({ maxBulk: 4096, maxArray: 1000, maxDepth: 8 });
        try {
          for (const c of chunks(bytes, sizes)) r.push(Buffer.from(c));
        } catch (err) {
          if (!(err instanceof RespProtocolError)) throw err;
        }
      }),
      params(3000),
    );
  });
});

describe('keyed record', () => {
  it('round-trips any event id and body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 2000 }), (id, json) => {
        const d = decodeKeyed(encodeKeyed(id, json));
        expect(d.json.toString('utf8')).toBe(Buffer.from(json, 'utf8').toString('utf8'));
        expect(d.id).toBe(id);
      }),
      params(1000),
    );
  });
});
