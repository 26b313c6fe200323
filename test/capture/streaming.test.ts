/**
 * Streaming behaviour: records split across read boundaries at every position, tiny buffers, stdin
 * ('-') from a child process and from a Readable, gzip on stdin, progress, abort, afterChunk, and no
 * per-packet copies / flat memory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { buildPcap } from './build-capture.js';
import { DATA, readAll } from './helpers.js';

const FIX = join(import.meta.dirname, 'fixtures');

/** A stream that yields `data` in the given pieces, each on a later turn of the event loop, so the reader sees them as separate reads. */
function piecewise(data: Buffer, cuts: number[]): Readable {
  const pieces: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, data.length]) {
    pieces.push(data.subarray(prev, c));
    prev = c;
  }
  let i = 0;
  return new Readable({
    read() {
      setImmediate(() => {
        while (i < pieces.length && pieces[i].length === 0) i++;
        if (i < pieces.length) this.push(pieces[i++]);
        else this.push(null);
      });
    },
  });
}

/** Small real captures of each kind, a few KB, so every split position can be tried. */
const SMALL = [
  `${DATA}/ndpi/pcap/bt-dns.pcap`, // pcap LE micro
  `${DATA}/arkime/tests/pcap/bigendian.pcap`, // pcap BE
  `${DATA}/tcpdump/tests/tcp-handshake-nano.pcap`, // pcap nano
  `${DATA}/pcapng-test-generator/output_be/difficult/test202.pcapng`, // pcapng, sections of both byte orders
  `${DATA}/pcapng-test-generator/output_le/basic/test010.pcapng`, // SPBs
];

describe('records split across read boundaries', () => {
  for (const file of SMALL) {
    it(`${file.replace(DATA + '/', '')}: two reads split at every byte position`, async () => {
      const whole = await readAll(file);
      expect(whole.error).toBeUndefined();
      expect(whole.recs.length).toBeGreaterThan(1);
      const data = readFileSync(file);
      for (let s = 1; s < data.length; s++) {
        const r = await readAll('-', { stdin: piecewise(data, [s]) });
        expect(r.error, `split at ${s}`).toBeUndefined();
        expect(r.recs, `split at ${s}`).toEqual(whole.recs);
        expect(r.info?.bytes).toBe(data.length);
      }
    });
  }

  it('tiny buffers and read sizes: same records, buffer grows for a 40 kB record', async () => {
    for (const file of [join(FIX, 'lo-micro.pcap'), join(FIX, 'lo-dumpcap.pcapng'), `${DATA}/pcapng-test-generator/output_le/advanced/test102.pcapng`]) {
      const whole = await readAll(file);
      expect(whole.error).toBeUndefined();
      expect(Math.max(...whole.recs.map((x) => x.caplen))).toBeGreaterThan(100);
      for (const [chunkSize, maxReadBytes] of [
        [1, 1],
        [1, 7],
        [3, undefined],
        [16, 5],
        [17, undefined],
        [100, 33],
        [1000, undefined],
        [4096, 4095],
      ] as Array<[number, number | undefined]>) {
        const r = await readAll(file, { chunkSize, maxReadBytes });
        expect(r.error, `${file} chunk ${chunkSize}/${maxReadBytes}`).toBeUndefined();
        expect(r.recs, `${file} chunk ${chunkSize}/${maxReadBytes}`).toEqual(whole.recs);
      }
    }
    // One-byte reads of 160 kB captures are CPU-bound: on a loaded CI machine this has taken longer
    // than the default minute.
  }, 240_000);

  it('random split points through stdin on a 160 kB capture', async () => {
    const file = join(FIX, 'lo-dumpcap.pcapng');
    const whole = await readAll(file);
    const data = readFileSync(file);
    let seed = 7;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 20; round++) {
      const cuts = Array.from({ length: 1 + Math.floor(rnd() * 60) }, () => Math.floor(rnd() * data.length)).sort((a, b) => a - b);
      const r = await readAll('-', { stdin: piecewise(data, cuts), chunkSize: 1 + Math.floor(rnd() * 70_000) });
      expect(r.error).toBeUndefined();
      expect(r.recs).toEqual(whole.recs);
    }
  });
});

describe('stdin', () => {
  it("'-' from a child process's pipe (cat), and gzip on stdin (gzip -c)", async () => {
    const file = join(FIX, 'lo-nano.pcap');
    const whole = await readAll(file);
    const cat = spawn('cat', [file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const r1 = await readAll('-', { stdin: cat.stdout });
    expect(r1.error).toBeUndefined();
    expect(r1.info).toMatchObject({ file: '-', format: 'pcap', compressed: false, records: whole.recs.length });
    expect(r1.recs).toEqual(whole.recs);

    const gz = spawn('gzip', ['-c', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    const r2 = await readAll('-', { stdin: gz.stdout });
    expect(r2.error).toBeUndefined();
    expect(r2.info).toMatchObject({ file: '-', format: 'pcap', compressed: true, records: whole.recs.length });
    expect(r2.recs).toEqual(whole.recs);
  });

  it('gzip pcapng on stdin split at every position of the compressed bytes', async () => {
    const plain = `${DATA}/pcapng-test-generator/output_le/difficult/test202.pcapng`;
    const whole = await readAll(plain);
    const gz = gzipSync(readFileSync(plain));
    for (let s = 1; s < gz.length; s++) {
      const r = await readAll('-', { stdin: piecewise(gz, [s]) });
      expect(r.error, `split at ${s}`).toBeUndefined();
      expect(r.info?.compressed).toBe(true);
      expect(r.recs).toEqual(whole.recs);
    }
  });

  it('a named pipe (FIFO, like a shell <(...)) is read as a stream, plain or gzip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'torwatch-fifo-'));
    try {
      for (const file of [join(FIX, 'lo-micro-editcap.pcapng'), join(FIX, 'lo-nano.pcap.gz')]) {
        const whole = await readAll(file);
        const fifo = join(dir, 'capture');
        execFileSync('mkfifo', [fifo]);
        const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', file, fifo], { stdio: 'ignore' });
        const r = await readAll(fifo);
        writer.kill();
        rmSync(fifo);
        expect(r.error).toBeUndefined();
        expect(r.info?.compressed).toBe(file.endsWith('.gz'));
        expect(r.recs).toEqual(whole.recs);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('inputs shorter than the magic on stdin end in a clean error', async () => {
    for (const bytes of [[], [0xd4], [0xd4, 0xc3, 0xb2], [0x1f]]) {
      const r = await readAll('-', { stdin: piecewise(Buffer.from(bytes), []) });
      expect(r.recs).toEqual([]);
      expect((r.error as Error).name).toBe('InputError');
    }
  });
});

describe('progress, abort, afterChunk, buffers', () => {
  it('onProgress reports decompressed and on-disk bytes; the last call is the total', async () => {
    for (const file of [join(FIX, 'lo-micro.pcap'), join(FIX, 'lo-dumpcap.pcapng.gz')]) {
      const calls: Array<[number, number, number | undefined]> = [];
      const info = await readCaptureFile(file, () => {}, { chunkSize: 4096, onProgress: (a, b, c) => calls.push([a, b, c]) });
      const size = readFileSync(file).length;
      expect(calls.length).toBeGreaterThanOrEqual(1);
      const last = calls[calls.length - 1];
      expect(last[0]).toBe(info.bytes);
      expect(last[1]).toBe(size);
      expect(last[2]).toBe(size);
      for (let i = 1; i < calls.length; i++) expect(calls[i][0]).toBeGreaterThanOrEqual(calls[i - 1][0]);
    }
  });

  it('onProgress is called at most every few MB on a large stream', async () => {
    const rec = { sec: 1, frac: 0, data: Buffer.alloc(1000, 1) };
    const body = buildPcap({ le: true }, Array.from({ length: 1000 }, () => rec)).subarray(24); // 1 MB of records
    const header = buildPcap({ le: true }, []);
    const calls: number[] = [];
    let sent = 0;
    const src = new Readable({
      read() {
        if (sent === 0) this.push(header);
        if (sent++ < 20) this.push(body);
        else this.push(null);
      },
    });
    const info = await readCaptureFile('-', () => {}, { stdin: src, onProgress: (a) => calls.push(a) });
    expect(info.records).toBe(20_000);
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(calls.length).toBeLessThanOrEqual(7); // 20 MB / 4 MiB + the final call
  });

  it('abort from the sink stops at the chunk boundary and resolves with what was read', async () => {
    const ac = new AbortController();
    let n = 0;
    const info = await readCaptureFile(
      join(FIX, 'lo-micro.pcap'),
      () => {
        if (++n === 3) ac.abort();
      },
      { signal: ac.signal, chunkSize: 64 },
    );
    expect(info.records).toBeGreaterThanOrEqual(3);
    expect(info.records).toBeLessThan(24);
    expect(n).toBe(info.records);
  });

  it('abort while stdin is idle (a live pipe that never ends) resolves promptly', async () => {
    const ac = new AbortController();
    const pipe = new PassThrough();
    pipe.write(readFileSync(join(FIX, 'lo-micro.pcap')).subarray(0, 24 + 16 + 10));
    let n = 0;
    const p = readCaptureFile('-', () => n++, { stdin: pipe, signal: ac.signal });
    setTimeout(() => ac.abort(), 100);
    const info = await p;
    expect(info.records).toBe(0);
    expect(n).toBe(0);
    pipe.destroy();
  });

  it('afterChunk is awaited after each chunk, before more records are delivered', async () => {
    const events: string[] = [];
    let recs = 0;
    await readCaptureFile(
      join(FIX, 'lo-micro.pcap'),
      () => {
        recs++;
        events.push('r');
      },
      {
        chunkSize: 50_000,
        afterChunk: async () => {
          events.push('flush-start');
          await new Promise((res) => setTimeout(res, 5));
          events.push('flush-end');
        },
      },
    );
    const s = events.join(',');
    expect(s).not.toMatch(/flush-start,r/);
    expect(events.filter((e) => e === 'flush-start').length).toBeGreaterThanOrEqual(3);
    expect(events.filter((e) => e === 'r').length).toBe(recs);
  });

  it('frames point into the chunk buffer: one Frame object, no per-packet copy', async () => {
    const frames = new Set<object>();
    const bufs = new Set<Buffer>();
    let n = 0;
    await readCaptureFile(join(FIX, 'lo-dumpcap.pcapng'), (f) => {
      frames.add(f);
      bufs.add(f.buf);
      expect(f.buf.length).toBeGreaterThan(f.caplen); // the chunk, not a copy of the packet
      n++;
    });
    expect(n).toBe(24);
    expect(frames.size).toBe(1);
    expect(bufs.size).toBe(1); // the 160 kB file fits one 1 MiB chunk
  });

  it('memory stays flat on a 300 MB stream', async () => {
    const rec = { sec: 1, frac: 0, data: Buffer.alloc(1400, 2) };
    const body = buildPcap({ le: true }, Array.from({ length: 700 }, () => rec)).subarray(24); // ~1 MB
    const header = buildPcap({ le: true }, []);
    let sent = 0;
    const src = new Readable({
      highWaterMark: 1 << 20,
      read() {
        if (sent === 0) this.push(header);
        if (sent++ < 300) this.push(body);
        else this.push(null);
      },
    });
    let peak = 0;
    let count = 0;
    const before = process.memoryUsage().arrayBuffers;
    const info = await readCaptureFile('-', (f: { caplen: number }) => {
      if (++count % 20_000 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
      if (f.caplen !== 1400) throw new Error('bad caplen');
    }, { stdin: src });
    expect(info.records).toBe(300 * 700);
    expect(info.bytes).toBe(24 + 300 * 700 * (16 + 1400));
    expect(peak).toBeLessThan(32 * 1024 * 1024);
  });
});
