import { describe, expect, it } from 'vitest';
import { AppAnomaly } from '../../src/applayer/anomalies.js';
import { HttpRequestDirection, MAX_HEAD, type HttpHooks } from '../../src/applayer/http/direction.js';
import { headEnd, hostOfAbsoluteTarget, hostOfAuthority, parseRequestHead, type HttpRequestHead } from '../../src/applayer/http/request.js';
import { DIR_DONE } from '../../src/applayer/parser.js';
import { BITTORRENT_TCP } from '../../src/applayer/bittorrent/peer-wire-protocol.js';
import { sniff } from '../../src/applayer/sniff.js';

const b = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'latin1'));

describe('sniffing the first bytes of a TCP stream (src/applayer/sniff.ts)', () => {
  it('TLS handshake records on any port', () => {
    expect(sniff(Uint8Array.from([0x16, 3, 1, 0, 200]), 0, 5)).toBe('tls');
    expect(sniff(Uint8Array.from([0x16, 3, 4]), 0, 3)).toBe('tls');
    expect(sniff(Uint8Array.from([0x16, 3]), 0, 2)).toBe('more');
    expect(sniff(Uint8Array.from([0x16, 2, 0]), 0, 3)).toBe('none');
    expect(sniff(Uint8Array.from([0x17, 3, 3, 0, 5]), 0, 5)).toBe('none');
  });

  it('HTTP request methods followed by a space', () => {
    for (const m of ['GET / HTTP/1.1', 'POST /x', 'CONNECT a:443 HTTP/1.1', 'PROPFIND /']) expect(sniff(b(m), 0, m.length)).toBe('http');
    expect(sniff(b('GE'), 0, 2)).toBe('more');
    expect(sniff(b('GET'), 0, 3)).toBe('more');
    expect(sniff(b('GETX /'), 0, 6)).toBe('none');
    expect(sniff(b('SSH-2.0-OpenSSH'), 0, 15)).toBe('none');
  });

  it('a protocol of TCP_PROTOCOLS by its fixed first bytes: BitTorrent\'s handshake', () => {
    expect(sniff(b('\x13BitTorrent protocol'), 0, 20)).toBe(BITTORRENT_TCP);
    expect(sniff(b('\x13BitTorrent'), 0, 11)).toBe('more');
    expect(sniff(b('\x13BitTorrent protocoL'), 0, 20)).toBe('none');
  });
});

describe('HTTP request heads (src/applayer/http/request.ts)', () => {
  const parse = (s: string): ReturnType<typeof parseRequestHead> => parseRequestHead(b(s), 0, s.length);

  it('request line, Host, body framing', () => {
    expect(parse('GET /a?b HTTP/1.1\r\nHost: Example.COM:8080\r\nContent-Length: 12\r\n\r\n')).toEqual({
      head: { method: 'GET', target: '/a?b', version: 'HTTP/1.1', host: 'Example.COM:8080', contentLength: 12, chunked: false },
    });
    expect(parse('POST / HTTP/1.1\nhost: a\nTransfer-Encoding: gzip, chunked\n\n')).toMatchObject({ head: { host: 'a', chunked: true } });
  });

  it('obsolete line folding is joined; bad lines are named anomalies', () => {
    expect(parse('GET / HTTP/1.0\r\nX-A: 1\r\n  2\r\nHost: h\r\n\r\n')).toMatchObject({ head: { host: 'h' } });
    expect(parse('GET /\r\n\r\n')).toEqual({ error: 'http.bad_request_line' });
    expect(parse('GET / HTTP/1.1\r\nno colon here\r\n\r\n')).toEqual({ error: 'http.bad_header' });
    expect(parse('GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n')).toEqual({ error: 'http.bad_header' });
  });

  it('host of a Host value or authority: port, brackets, userinfo, trailing dot, case', () => {
    expect(hostOfAuthority('Foo.Onion:80')).toBe('foo.onion');
    expect(hostOfAuthority('[2001:db8::1]:443')).toBe('2001:db8::1');
    expect(hostOfAuthority('user:pw@x.tor.')).toBe('x.tor');
    expect(hostOfAuthority('2001:db8::1')).toBe('2001:db8::1');
    expect(hostOfAuthority('   ')).toBeUndefined();
    expect(hostOfAbsoluteTarget('http://abc.onion:8080/x')).toBe('abc.onion');
    expect(hostOfAbsoluteTarget('/relative')).toBeUndefined();
  });

  it('headEnd finds CRLFCRLF, LFLF and mixed ends', () => {
    expect(headEnd(b('GET / HTTP/1.1\r\n\r\nbody'), 0, 22)).toBe(18);
    expect(headEnd(b('a\n\nb'), 0, 4)).toBe(3);
    expect(headEnd(b('a\r\nb'), 0, 4)).toBe(-1);
  });
});

describe('HTTP request direction (src/applayer/http/direction.ts)', () => {
  function harness() {
    const heads: HttpRequestHead[] = [];
    const anomalies: number[] = [];
    let reserved = 0;
    const hooks: HttpHooks = {
      request: (h) => heads.push(h),
      tunnel: () => null,
      anomaly: (id) => anomalies.push(id),
      reserve: (n) => { reserved += n; return true; },
      release: (n) => { reserved -= n; },
    };
    return { d: new HttpRequestDirection(hooks, 0), heads, anomalies, reserved: () => reserved };
  }

  it('keep-alive requests with Content-Length bodies, heads split over tiny segments', () => {
    const h = harness();
    const stream = b('POST /1 HTTP/1.1\r\nHost: one.example\r\nContent-Length: 5\r\n\r\nhelloGET /2 HTTP/1.1\r\nHost: two.example\r\n\r\n');
    for (let i = 0; i < stream.length; i += 3) expect(h.d.push(stream, i, Math.min(3, stream.length - i))).toBe(Math.min(3, stream.length - i));
    expect(h.heads.map((x) => x.host)).toEqual(['one.example', 'two.example']);
    expect(h.reserved()).toBe(0);
  });

  it('a head longer than the limit ends inspection with http.header_too_long', () => {
    const h = harness();
    const big = b('GET / HTTP/1.1\r\nX: ' + 'a'.repeat(MAX_HEAD) + '\r\n\r\n');
    expect(h.d.push(big, 0, big.length)).toBe(DIR_DONE);
    expect(h.anomalies).toEqual([AppAnomaly['http.header_too_long']]);
  });

  it('a chunked request body ends inspection after reporting the request', () => {
    const h = harness();
    const s = b('POST / HTTP/1.1\r\nHost: c.example\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    expect(h.d.push(s, 0, s.length)).toBe(DIR_DONE);
    expect(h.heads.map((x) => x.host)).toEqual(['c.example']);
  });
});
