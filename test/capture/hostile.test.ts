/**
 * Malformed, truncated and hostile inputs: every outcome is "all good records, then an InputError"
 * (or a clean end); never another exception type, never a hang, never an allocation sized by the
 * input.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { buildPcap, buildPcapng, prng, udpFrame } from './build-capture.js';
import { DATA, readAll, type ReadResult } from './helpers.js';

const FIX = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'torwatch-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, data: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

function fromBytes(data: Buffer): Readable {
  return Readable.from([data], { objectMode: false });
}

/**
 * Offsets where a record (pcap) or block (pcapng) ends, found by an independent walk of the file, and
 * for each packet record its end offset. A cut exactly at a boundary is a complete, shorter capture.
 */
function boundaries(data: Buffer): { ends: Set<number>; packetEnds: number[] } {
  const ends = new Set<number>();
  const packetEnds: number[] = [];
  if (data.readUInt32BE(0) === 0x0a0d0d0a) {
    let le = true;
    for (let p = 0; p + 12 <= data.length; ) {
      if (data.readUInt32BE(p) === 0x0a0d0d0a) le = data.readUInt32LE(p + 8) === 0x1a2b3c4d;
      const type = le ? data.readUInt32LE(p) : data.readUInt32BE(p);
      const len = le ? data.readUInt32LE(p + 4) : data.readUInt32BE(p + 4);
      p += len;
      ends.add(p);
      if (type === 2 || type === 3 || type === 6) packetEnds.push(p);
    }
  } else {
    const le = data.readUInt32BE(0) === 0xd4c3b2a1 || data.readUInt32BE(0) === 0x4d3cb2a1;
    ends.add(24);
    for (let p = 24; p + 16 <= data.length; ) {
      p += 16 + (le ? data.readUInt32LE(p + 8) : data.readUInt32BE(p + 8));
      ends.add(p);
      packetEnds.push(p);
    }
  }
  return { ends, packetEnds };
}

function expectInputError(r: ReadResult, ...phrases: RegExp[]): string {
  expect(r.error).toBeInstanceOf(InputError);
  const msg = (r.error as Error).message;
  expect(msg).not.toContain('\n');
  for (const p of phrases) expect(msg).toMatch(p);
  return msg;
}

describe('truncation at every byte', () => {
  const files = [
    `${DATA}/ndpi/pcap/bt-dns.pcap`,
    `${DATA}/arkime/tests/pcap/bigendian.pcap`,
    `${DATA}/pcapng-test-generator/output_le/difficult/test202.pcapng`,
    `${DATA}/pcapng-test-generator/output_be/advanced/test102.pcapng`,
  ];
  for (const file of files) {
    it(`${file.replace(DATA + '/', '')}: every prefix gives the records before the cut, then an InputError`, async () => {
      const data = readFileSync(file);
      const whole = await readAll(file);
      expect(whole.error).toBeUndefined();
      const { ends, packetEnds } = boundaries(data);
      expect(packetEnds.length).toBe(whole.recs.length);
      let clean = 0;
      for (let len = 0; len < data.length; len++) {
        const r = await readAll('-', { stdin: fromBytes(data.subarray(0, len)) });
        // Exactly the records that end before the cut.
        expect(r.recs, `cut at ${len}`).toEqual(whole.recs.slice(0, packetEnds.filter((e) => e <= len).length));
        if (r.error === undefined) {
          clean++;
          expect(ends.has(len), `clean end at ${len}`).toBe(true);
        } else {
          const msg = expectInputError(r);
          expect(msg, `cut at ${len}`).toMatch(/truncated|empty|too short|no Interface Description Block/);
          // At a block boundary the only complaint left is a pcapng without any interface yet.
          if (ends.has(len)) expect(msg).toMatch(/no Interface Description Block/);
        }
      }
      expect(clean).toBeLessThan(data.length / 10);
    });
  }

  it('a gzip file cut at every byte: records before the cut, then "gzip data is truncated"', async () => {
    const gz = readFileSync(join(FIX, 'lo-nano.pcap.gz'));
    const whole = await readAll(join(FIX, 'lo-nano.pcap.gz'));
    expect(whole.error).toBeUndefined();
    for (let len = 1; len < gz.length; len++) {
      const r = await readAll('-', { stdin: fromBytes(gz.subarray(0, len)) });
      expect(r.recs).toEqual(whole.recs.slice(0, r.recs.length));
      expectInputError(r, /gzip|truncated|too short/);
    }
  });
});

describe('hostile headers', () => {
  it('a 4 GB caplen is rejected at once, after the good records', async () => {
    const good = { sec: 1_600_000_000, frac: 5, data: udpFrame(60, 1) };
    const bad = { sec: 1_600_000_001, frac: 0, data: Buffer.alloc(0), caplen: 0xffffffff, wirelen: 60 };
    for (const le of [true, false]) {
      const p = write(`caplen4g-${le}.pcap`, buildPcap({ le, snaplen: 65535 }, [good, good, bad]));
      const r = await readAll(p);
      expect(r.recs.length).toBe(2);
      expectInputError(r, /packet 3/, /byte offset 176/, /captured length 4294967295/, /maximum 262144/);
    }
  });

  it('pcap: caplen above the header snaplen is a corrupt record: good records first, then an error naming both', async () => {
    const p = write('oversnap.pcap', buildPcap({ le: true, snaplen: 64 }, [{ sec: 1, frac: 0, data: udpFrame(60, 1) }, { sec: 2, frac: 0, data: udpFrame(1500, 2) }]));
    const r = await readAll(p);
    expect(r.recs.map((x) => x.caplen)).toEqual([60]);
    expectInputError(r, /packet 2/, /captured length 1500 is larger than the file's snaplen 64/);
  });

  it('pcap: a snaplen of 0 (not recorded) only caps caplen at 262144', async () => {
    const p = write('snap0.pcap', buildPcap({ le: true, snaplen: 0 }, [{ sec: 1, frac: 0, data: udpFrame(1500, 2) }]));
    const r = await readAll(p);
    expect(r.error).toBeUndefined();
    expect(r.recs[0].caplen).toBe(1500);
  });

  it('pcap: caplen > wirelen is passed through (libpcap does not reject it)', async () => {
    const p = write('cap-gt-wire.pcap', buildPcap({ le: true }, [{ sec: 1, frac: 0, data: udpFrame(100, 3), wirelen: 60 }]));
    const r = await readAll(p);
    expect(r.error).toBeUndefined();
    expect([r.recs[0].caplen, r.recs[0].wirelen]).toEqual([100, 60]);
  });

  it('pcap 2.2 (lengths stored swapped) is read like libpcap; ndpi fuzz-2021-10-13 gives 1 record then truncation', async () => {
    const p = write('v22.pcap', buildPcap({ le: true, minor: 2 }, [{ sec: 1, frac: 0, data: udpFrame(80, 4), caplen: 200, wirelen: 80 }]));
    const r = await readAll(p);
    expect(r.error).toBeUndefined();
    expect([r.recs[0].caplen, r.recs[0].wirelen]).toEqual([80, 200]);
    const f = await readAll(`${DATA}/ndpi/pcap/fuzz-2021-10-13.pcap`);
    expect(f.recs.map((x) => [x.caplen, x.wirelen])).toEqual([[197, 524501]]);
    expectInputError(f, /packet 2/, /truncated record header/);
  });

  it('suricata-verify bug-6875-01: good packet, then a 1.4 GB caplen', async () => {
    const r = await readAll(`${DATA}/suricata-verify/bug-6875-01/fuzz.pcap`);
    expect(r.recs.length).toBe(1);
    expectInputError(r, /packet 2/, /1409179648/);
  });

  it('pcapng: huge block length, huge EPB caplen, unknown interface, SPB before IDB, bad byte-order magic', async () => {
    const shb = { kind: 'shb', le: true } as const;
    const idb = { kind: 'idb', linktype: 1, snaplen: 0 } as const;
    const pkt = { kind: 'epb', ifId: 0, ts: 1n, data: udpFrame(60, 5) } as const;
    const cases: Array<[string, Buffer, number, RegExp[]]> = [
      ['block length 0xfffffffc', Buffer.concat([buildPcapng([shb, idb, pkt]), Buffer.from([6, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff])]), 1, [/packet|byte offset/, /4294967292/, /larger than the maximum/]],
      ['EPB caplen 4 GB', buildPcapng([shb, idb, pkt, { ...pkt, caplen: 0xffffffff }]), 1, [/packet 2/, /captured length 4294967295 does not fit/]],
      ['unknown interface', buildPcapng([shb, idb, pkt, { ...pkt, ifId: 5 }]), 1, [/packet 2/, /interface 5/, /only 1 Interface Description Block/]],
      ['SPB before IDB', buildPcapng([shb, { kind: 'spb', data: udpFrame(60, 6) }]), 0, [/before any Interface Description Block/]],
      ['interface of a previous section', buildPcapng([shb, idb, pkt, shb, pkt]), 1, [/packet 2/, /only 0|before any Interface Description Block/]],
      ['trailer mismatch', (() => { const b = buildPcapng([shb, idb, pkt, pkt]); b.writeUInt32LE(0x1234, b.length - 4); return b; })(), 1, [/trailer 4660/]],
      ['bad byte-order magic', (() => { const b = buildPcapng([shb, idb, pkt, shb, idb, pkt]); const second = b.indexOf(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), 4); b.writeUInt32LE(0xdeadbeef, second + 8); return b; })(), 1, [/byte-order magic/]],
      ['EPB too short', buildPcapng([shb, idb, { kind: 'raw', type: 6, body: Buffer.alloc(8) }]), 0, [/Enhanced Packet Block length 20 is too small/]],
      ['IDB option running past the block', buildPcapng([shb, { kind: 'raw', type: 1, body: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x40, 0]) }]), 0, [/option 2 has length 64/, /past the end/]],
    ];
    for (const [what, data, goodRecs, phrases] of cases) {
      const r = await readAll(write(`${what.replace(/\W+/g, '-')}.pcapng`, data));
      expect(r.recs.length, what).toBe(goodRecs);
      expectInputError(r, ...phrases);
    }
  });
});

describe('not a capture', () => {
  it('random bytes: unknown magic, with the first bytes in the message', async () => {
    const r = prng(42);
    for (let i = 0; i < 200; i++) {
      const b = Buffer.alloc(4 + Math.floor(r() * 300));
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(r() * 256);
      const res = await readAll('-', { stdin: fromBytes(b) });
      expect(res.recs).toEqual([]);
      const msg = expectInputError(res);
      if (/unknown magic/.test(msg)) expect(msg).toContain(b.subarray(0, 4).toString('hex').replace(/(..)(?!$)/g, '$1 '));
    }
  });

  it('text, other formats and compressions are named', async () => {
    const cases: Array<[Buffer, RegExp]> = [
      [Buffer.from('GET / HTTP/1.1\r\n\r\n'), /unknown magic.*47 45 54 20.*looks like text/],
      [Buffer.from([0x42, 0x5a, 0x68, 0x39, 0x31, 0x41]), /bzip2/],
      [Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), /xz/],
      [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), /zstd/],
      [Buffer.from([0xa1, 0xb2, 0xcd, 0x34, 0, 0, 0, 0]), /modified.*Kuznetzov/],
      [Buffer.from([0xd4, 0xc3]), /2 byte\(s\) long, too short/],
    ];
    for (const [data, phrase] of cases) expectInputError(await readAll(write('x.bin', data)), phrase);
  });

  it('random bytes after a valid pcap header or pcapng SHB+IDB: only InputError or a clean end', async () => {
    const r = prng(7);
    const pcapHead = buildPcap({ le: true }, []);
    const ngHead = buildPcapng([{ kind: 'shb', le: true }, { kind: 'idb', linktype: 1 }]);
    let errors = 0;
    for (let i = 0; i < 400; i++) {
      const tail = Buffer.alloc(Math.floor(r() * 400));
      for (let j = 0; j < tail.length; j++) tail[j] = r() < 0.5 ? 0 : Math.floor(r() * 256);
      const res = await readAll('-', { stdin: fromBytes(Buffer.concat([i % 2 ? pcapHead : ngHead, tail])) });
      if (res.error !== undefined) {
        expectInputError(res);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(300);
  });

  it('bit flips in real captures: only InputError or a clean end', async () => {
    const r = prng(3);
    for (const file of [`${DATA}/pcapng-test-generator/output_le/difficult/test202.pcapng`, `${DATA}/ndpi/pcap/bt-dns.pcap`, `${DATA}/tcpdump/tests/tcp-handshake-nano.pcap`]) {
      const data = readFileSync(file);
      for (let i = 0; i < 300; i++) {
        const b = Buffer.from(data);
        for (let k = 0; k < 1 + Math.floor(r() * 4); k++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
        const res = await readAll('-', { stdin: fromBytes(b), chunkSize: 64 });
        if (res.error !== undefined) expectInputError(res);
      }
    }
  });
});

describe('files that cannot be read', () => {
  it('missing file, directory, empty file', async () => {
    expectInputError(await readAll(join(dir, 'does-not-exist.pcap')), /does-not-exist\.pcap: no such file$/);
    const d = join(dir, 'a-directory.pcap');
    mkdirSync(d);
    expectInputError(await readAll(d), /is a directory/);
    expectInputError(await readAll(write('empty.pcap', Buffer.alloc(0))), /file is empty \(0 bytes\)/);
  });

  it('gzip: corrupt data, gzip of nothing, gzip of gzip, gzip of text, trailing garbage', async () => {
    const pcap = readFileSync(`${DATA}/ndpi/pcap/bt-dns.pcap`);
    const gz = gzipSync(pcap);
    const corrupt = Buffer.from(gz);
    for (let i = 20; i < corrupt.length - 8; i += 3) corrupt[i] ^= 0x55;
    expectInputError(await readAll(write('corrupt.pcap.gz', corrupt)), /gzip data is (corrupt|truncated)/);
    expectInputError(await readAll(write('nothing.gz', gzipSync(Buffer.alloc(0)))), /gzip data decompresses to nothing/);
    expectInputError(await readAll(write('double.gz', gzipSync(gz))), /only one layer of compression/);
    expectInputError(await readAll(write('text.gz', gzipSync(Buffer.from('hello world, not a capture')))), /after gunzip: not a pcap, pcapng or gzip file/);
    // Not named .gz, still detected as gzip by magic; and a .gz that is not compressed is read plain.
    const a = await readAll(write('compressed.pcap', gz));
    expect(a.info).toMatchObject({ compressed: true, records: 2 });
    const b = await readAll(write('plain.pcap.gz', pcap));
    expect(b.info).toMatchObject({ compressed: false, records: 2 });
  });

  it('gzip error: the records decoded more than 64 KiB before the error point are all delivered', async () => {
    // Node's zlib drops the output of the call that fails; the reader feeds it 64 KiB at a time.
    const file = `${DATA}/ndpi/pcap/gnutella.pcap`;
    const pcap = readFileSync(file);
    const whole = await readAll(file);
    const { packetEnds } = boundaries(pcap);
    const withGarbage = Buffer.concat([gzipSync(pcap), Buffer.from('garbage!')]);
    const r = await readAll(write('trailing.pcap.gz', withGarbage));
    expectInputError(r, /gzip data is corrupt/);
    expect(r.recs).toEqual(whole.recs.slice(0, r.recs.length));
    expect(r.recs.length).toBeGreaterThanOrEqual(packetEnds.filter((e) => e <= pcap.length - 64 * 1024).length);
  });
});
