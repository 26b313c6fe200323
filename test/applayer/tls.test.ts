import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppAnomaly } from '../../src/applayer/anomalies.js';
import { DIR_DONE } from '../../src/applayer/parser.js';
import { certificateNames, firstCertificate, type CertificateNames } from '../../src/applayer/tls/certificate.js';
import { parseClientHello, type ClientHello } from '../../src/applayer/tls/client-hello.js';
import { TlsDirection, type TlsHooks } from '../../src/applayer/tls/direction.js';
import { isGrease } from '../../src/applayer/tls/grease.js';
import { ja3 } from '../../src/applayer/tls/ja3.js';
import { ja4 } from '../../src/applayer/tls/ja4.js';
import { parseServerHello, type ServerHello } from '../../src/applayer/tls/server-hello.js';
import { alpnExt, be16, be24, clientHelloBody, ext, handshake, records, sniExt } from './bytes.js';

const u8 = (a: number[]): Uint8Array => Uint8Array.from(a);

describe('ClientHello (src/applayer/tls/client-hello.ts)', () => {
  it('SNI, ALPN, supported_versions, groups, point formats, signature algorithms; GREASE kept in wire order', () => {
    const body = clientHelloBody({
      ciphers: [0x0a0a, 0x1301, 0xc02f],
      sessionId: 32,
      exts: [
        ext(0x1a1a, []),
        sniExt('www.abcdef234.com'),
        alpnExt(['h2', 'http/1.1']),
        ext(43, [4, ...be16(0x2a2a), ...be16(0x0304)]),
        ext(10, [...be16(4), ...be16(0x001d), ...be16(0x0017)]),
        ext(11, [1, 0]),
        ext(13, [...be16(4), ...be16(0x0403), ...be16(0x0804)]),
      ],
    });
    const h = parseClientHello(u8(body), 0, body.length)!;
    expect(h).toEqual({
      legacyVersion: 0x0303,
      ciphers: [0x0a0a, 0x1301, 0xc02f],
      extensions: [0x1a1a, 0, 16, 43, 10, 11, 13],
      sni: 'www.abcdef234.com',
      alpn: ['h2', 'http/1.1'],
      supportedVersions: [0x2a2a, 0x0304],
      groups: [0x1d, 0x17],
      pointFormats: [0],
      sigAlgs: [0x0403, 0x0804],
      malformed: false,
    } satisfies ClientHello);
  });

  it('no extensions block at all (SSL 3.0 style) is a valid hello', () => {
    const body = [...be16(0x0300), ...new Array(32).fill(0), 0, ...be16(2), ...be16(0x000a), 1, 0];
    expect(parseClientHello(u8(body), 0, body.length)).toMatchObject({ legacyVersion: 0x0300, ciphers: [10], extensions: [] });
  });

  it('lengths that lie before the extensions: refused', () => {
    const body = clientHelloBody();
    const lying = [...body];
    lying[2 + 32 + 1] = 0x7f; // cipher list length high byte
    expect(parseClientHello(u8(lying), 0, lying.length)).toBeUndefined();
    expect(parseClientHello(u8(body), 0, 20)).toBeUndefined(); // cut in the random
    const odd = [...be16(0x0303), ...new Array(32).fill(0), 0, ...be16(3), 1, 2, 3, 1, 0];
    expect(parseClientHello(u8(odd), 0, odd.length)).toBeUndefined();
  });

  it('an extension whose length lies: what came before is kept, marked malformed (as nDPI/Wireshark)', () => {
    const good = sniExt('kept.example');
    const body = clientHelloBody({ exts: [good, [...be16(16), ...be16(40000), 1, 2, 3]] });
    const h = parseClientHello(u8(body), 0, body.length)!;
    expect(h.sni).toBe('kept.example');
    expect(h.malformed).toBe(true);
    expect(h.extensions).toEqual([0]);
  });

  it('an SNI list whose inner length lies is malformed, not an out-of-bounds read', () => {
    const bad = ext(0, [...be16(200), 0, ...be16(3), 0x61, 0x62, 0x63]);
    const body = clientHelloBody({ exts: [bad] });
    const h = parseClientHello(u8(body), 0, body.length)!;
    expect(h.malformed).toBe(true);
    expect(h.sni).toBeUndefined();
  });
});

describe('JA3 and JA4 (src/applayer/tls/ja3.ts, ja4.ts)', () => {
  const hello: ClientHello = {
    legacyVersion: 0x0303,
    ciphers: [0x0a0a, 0x1302, 0x1301, 0xc02f],
    extensions: [0x0a0a, 0x0000, 0x0010, 0x000a, 0x000b, 0x000d, 0x002b, 0xfafa],
    sni: 'example.org',
    alpn: ['h2', 'http/1.1'],
    supportedVersions: [0x1a1a, 0x0304, 0x0303],
    groups: [0x2a2a, 0x001d, 0x0017],
    pointFormats: [0],
    sigAlgs: [0x0403, 0x0804, 0x0401],
    malformed: false,
  };

  it('JA3: decimal fields, GREASE dropped, MD5', () => {
    const j = ja3(hello);
    expect(j.text).toBe('771,4866-4865-49199,0-16-10-11-13-43,29-23,0');
    expect(j.md5).toBe(Buffer.from(execFileSync('md5sum', { input: j.text }).toString().split(' ')[0]).toString());
  });

  it('JA4: t13d0306h2, sorted ciphers, sorted extensions without SNI/ALPN then signature algorithms', () => {
    const sha = (s: string): string => execFileSync('sha256sum', { input: s }).toString().slice(0, 12);
    expect(ja4(hello, false)).toBe(`t13d0306h2_${sha('1301,1302,c02f')}_${sha('000a,000b,000d,002b_0403,0804,0401')}`);
    expect(ja4({ ...hello, sni: undefined, alpn: [] }, true).slice(0, 10)).toBe('q13i030600');
    // ALPN first and last characters; non-alphanumeric ends use hex digits.
    expect(ja4({ ...hello, alpn: ['http/1.1'] }, false).slice(8, 10)).toBe('h1');
    expect(ja4({ ...hello, alpn: ['\xab\xcd'] }, false).slice(8, 10)).toBe('ad');
    // No supported_versions: the legacy version; nothing to hash: twelve zeros.
    expect(ja4({ ...hello, supportedVersions: [], legacyVersion: 0x0301, extensions: [], ciphers: [] }, false)).toBe('t10d0000h2_000000000000_000000000000');
  });

  it('GREASE values are exactly 0x?a?a with equal bytes', () => {
    expect([0x0a0a, 0x1a1a, 0xfafa].every(isGrease)).toBe(true);
    expect([0x0a1a, 0x0b0b, 0x000a, 0x1301].some(isGrease)).toBe(false);
  });
});

describe('ServerHello (src/applayer/tls/server-hello.ts)', () => {
  it('TLS 1.2: legacy version, cipher, ALPN', () => {
    const body = [...be16(0x0303), ...new Array(32).fill(0), 0, ...be16(0xc02f), 0, ...be16(9), ...alpnExt(['h2'])];
    expect(parseServerHello(u8(body), 0, body.length)).toEqual({ legacyVersion: 0x0303, version: 0x0303, cipher: 0xc02f, alpn: 'h2', extensions: [16] } satisfies ServerHello);
  });

  it('TLS 1.3: supported_versions says so', () => {
    const body = [...be16(0x0303), ...new Array(32).fill(0), 0, ...be16(0x1301), 0, ...be16(6), ...ext(43, be16(0x0304))];
    expect(parseServerHello(u8(body), 0, body.length)!.version).toBe(0x0304);
  });

  it('cut short: refused', () => {
    expect(parseServerHello(u8([3, 3, 1, 2]), 0, 4)).toBeUndefined();
  });
});

// --- certificates: made by openssl, read back by Node's own X.509 parser as the oracle ---

const tmp = mkdtempSync(join(tmpdir(), 'tw4-cert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: tmp, stdio: 'ignore' });
}

/** A leaf signed by a CA, as Tor does it (subject www.X.net, issuer www.Y.com), in DER. */
function makeCertPair(subject: string, issuer: string): Buffer {
  openssl('req', '-utf8', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-subj', issuer, '-days', '2');
  openssl('req', '-utf8', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', subject);
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.der', '-outform', 'DER', '-days', '1');
  return readFileSync(join(tmp, 'leaf.der'));
}

function cnOf(dn: string): string | undefined {
  return dn.split('\n').filter((l) => l.startsWith('CN=')).map((l) => l.slice(3)).pop();
}

describe('certificate names (src/applayer/tls/certificate.ts, der.ts)', () => {
  it('subject and issuer CN of openssl-made certificates agree with node:crypto X509Certificate', () => {
    for (const [subj, iss] of [
      ['/CN=www.g6ghvisevf3ibuu5.net', '/CN=www.xkgk7fdx362yyyxib.com'],
      ['/C=DE/O=Example AG/OU=Ops/CN=mail.example.org', '/C=US/O=Test CA/CN=Test Issuing CA 1'],
      ['/O=no common name here', '/CN=first/CN=last'],
    ]) {
      const der = makeCertPair(subj, iss);
      const x = new X509Certificate(der);
      const names = certificateNames(der, 0, der.length);
      expect(names).toEqual({ subjectCN: cnOf(x.subject), issuerCN: cnOf(x.issuer) } satisfies CertificateNames);
    }
  });

  it('UTF8String names', () => {
    const der = makeCertPair('/CN=bücher.example', '/CN=Zertifizierungsstelle Ä');
    expect(certificateNames(der, 0, der.length)).toEqual({ subjectCN: 'bücher.example', issuerCN: 'Zertifizierungsstelle Ä' });
  });

  it('truncated or lying DER is refused, never read past its end', () => {
    const der = makeCertPair('/CN=www.abcdefgh.net', '/CN=www.ijklmnop.com');
    for (const cut of [1, 4, 10, 100, 300]) expect(certificateNames(der, 0, cut)).toBeUndefined();
    const lying = Buffer.from(der);
    lying[1] = 0x84; // outer length: 4 length octets
    lying.writeUInt32BE(0x7fffffff, 2);
    expect(certificateNames(lying, 0, lying.length)).toBeUndefined();
    const indefinite = Buffer.from(der);
    indefinite[1] = 0x80;
    expect(certificateNames(indefinite, 0, indefinite.length)).toBeUndefined();
    expect(certificateNames(Uint8Array.from([0x1f, 0x81, 0x01]), 0, 3)).toBeUndefined();
  });

  it('firstCertificate waits for the leaf, then finds it without the rest of the chain', () => {
    const der = makeCertPair('/CN=www.abcdefgh.net', '/CN=www.ijklmnop.com');
    const body = [...be24(der.length + 3 + 1000), ...be24(der.length), ...der];
    expect(firstCertificate(u8(body), 0, 20)).toBeNull();
    expect(firstCertificate(u8(body), 0, body.length)).toEqual({ start: 6, end: 6 + der.length });
    const bad = [...be24(10), ...be24(der.length), ...der];
    expect(firstCertificate(u8(bad), 0, bad.length)).toBeUndefined();
  });
});

// --- one direction of a TLS stream: records, handshake reassembly, splits ---

function hooks() {
  const seen: { hellos: ClientHello[]; servers: ServerHello[]; certs: (CertificateNames | undefined)[]; movedOn: number; anomalies: number[]; held: number } = { hellos: [], servers: [], certs: [], movedOn: 0, anomalies: [], held: 0 };
  const h: TlsHooks = {
    clientHello: (x) => seen.hellos.push(x),
    serverHello: (x) => seen.servers.push(x),
    certificate: (x) => seen.certs.push(x),
    clientMovedOn: () => { seen.movedOn++; },
    anomaly: (id) => seen.anomalies.push(id),
    reserve: (n) => { seen.held += n; return true; },
    release: (n) => { seen.held -= n; },
  };
  return { h, seen };
}

function feed(d: TlsDirection, bytes: number[], chunk: number): number {
  const b = u8(bytes);
  for (let i = 0; i < b.length; i += chunk) {
    const n = Math.min(chunk, b.length - i);
    const r = d.push(b, i, n);
    if (r === DIR_DONE) return DIR_DONE;
  }
  return 0;
}

describe('TLS direction parser (src/applayer/tls/direction.ts)', () => {
  const chBody = clientHelloBody({ exts: [sniExt('split.example'), alpnExt(['h2'])] });
  const ch = handshake(1, chBody);

  it('a ClientHello in one record, in one chunk and byte by byte; then the next record says the client moved on', () => {
    for (const chunk of [10000, 1, 7]) {
      const { h, seen } = hooks();
      const d = new TlsDirection(h, 0);
      const bytes = [...records(22, ch), ...records(20, [1])];
      expect(feed(d, bytes, chunk)).toBe(DIR_DONE);
      expect(seen.hellos.map((x) => x.sni)).toEqual(['split.example']);
      expect(seen.movedOn).toBe(1);
      expect(seen.held).toBe(0);
    }
  });

  it('a ClientHello spread over several records (record-layer fragmentation)', () => {
    const { h, seen } = hooks();
    const d = new TlsDirection(h, 0);
    feed(d, records(22, ch, 13), 5);
    expect(seen.hellos.map((x) => x.sni)).toEqual(['split.example']);
  });

  it('ServerHello + Certificate: the leaf is read before the chain ends; TLS 1.3 stops at the ServerHello', () => {
    const der = makeCertPair('/CN=www.abcdefgh2345.net', '/CN=www.ijklmnop7.com');
    const sh = handshake(2, [...be16(0x0303), ...new Array(32).fill(0), 0, ...be16(0xc02f), 0]);
    const chain = [...be24(der.length + 3 + 2000 + 3), ...be24(der.length), ...der, ...be24(2000), ...new Array(2000).fill(0x30)];
    const cert = handshake(11, chain);
    const { h, seen } = hooks();
    const d = new TlsDirection(h, 1);
    // Only the first half of the chain arrives: the leaf is complete, so it is reported and the parser stops.
    const bytes = records(22, [...sh, ...cert], 1400).slice(0, 5 + sh.length + 10 + der.length + 200);
    expect(feed(d, bytes, 300)).toBe(DIR_DONE);
    expect(seen.servers.map((x) => x.version)).toEqual([0x0303]);
    expect(seen.certs).toEqual([{ subjectCN: 'www.abcdefgh2345.net', issuerCN: 'www.ijklmnop7.com' }]);

    const t13 = hooks();
    const d13 = new TlsDirection(t13.h, 1);
    const sh13 = handshake(2, [...be16(0x0303), ...new Array(32).fill(0), 0, ...be16(0x1301), 0, ...be16(6), ...ext(43, be16(0x0304))]);
    expect(feed(d13, [...records(22, sh13), ...records(23, [1, 2, 3])], 1000)).toBe(DIR_DONE);
    expect(t13.seen.certs).toEqual([]);
  });

  it('bytes that are not TLS records: tls.bad_record; a record that claims 60 KB: tls.bad_record', () => {
    const { h, seen } = hooks();
    expect(feed(new TlsDirection(h, 0), [...Buffer.from('HTTP/1.1 200 OK\r\n')], 100)).toBe(DIR_DONE);
    expect(feed(new TlsDirection(h, 0), [22, 3, 3, 0xf0, 0x00, 1], 100)).toBe(DIR_DONE);
    expect(seen.anomalies).toEqual([AppAnomaly['tls.bad_record'], AppAnomaly['tls.bad_record']]);
  });

  it('a handshake message that claims 16 MB: refused before buffering (tls.handshake_too_long)', () => {
    const { h, seen } = hooks();
    const bytes = records(22, [1, 0xff, 0xff, 0xff, 3, 3, 0, 0]);
    expect(feed(new TlsDirection(h, 0), bytes, 100)).toBe(DIR_DONE);
    expect(seen.anomalies).toEqual([AppAnomaly['tls.handshake_too_long']]);
    expect(seen.held).toBe(0);
  });

  it('a Certificate before any hello is not followed (tls.bad_handshake)', () => {
    const { h, seen } = hooks();
    expect(feed(new TlsDirection(h, 1), records(22, handshake(11, [0, 0, 0])), 100)).toBe(DIR_DONE);
    expect(seen.anomalies).toEqual([AppAnomaly['tls.bad_handshake']]);
  });
});
