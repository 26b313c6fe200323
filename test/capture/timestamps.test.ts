/**
 * pcapng timestamps: the float / 16-bit long-division paths against BigInt arithmetic, and files with
 * every kind of if_tsresol / if_tsoffset against tshark.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Frame } from '../../src/capture/frame.js';
import { setTimestamp, tsResolution } from '../../src/capture/file/pcapng-timestamp.js';
import { buildPcapng, prng, udpFrame, type BlockSpec } from './build-capture.js';
import { readAll, tsString, tsharkRecords } from './helpers.js';

function reference(ts: bigint, tsresol: number, offset: bigint): string {
  const units = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
  const s = ts / units + offset;
  const ns = ((ts % units) * 1_000_000_000n) / units;
  return `${s}.${ns.toString().padStart(9, '0')}`;
}

const RESOLUTIONS = [...Array.from({ length: 20 }, (_, k) => k), ...[1, 2, 10, 20, 30, 32, 40, 52, 53, 60, 63].map((k) => 0x80 | k)];

describe('setTimestamp exactness', () => {
  it('matches BigInt arithmetic for random 64-bit values, every resolution', () => {
    const r = prng(1234);
    const f = new Frame();
    let checked = 0;
    for (const tsresol of RESOLUTIONS) {
      const res = tsResolution(tsresol);
      const values: bigint[] = [0n, 1n, 999_999n, 1_000_000n, 999_999_999n, 1_000_000_000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n];
      // Real-world magnitudes: now in us and ns, and the edges of the float fast path.
      values.push(1_767_663_089_500_330n, 1_767_663_089_500_330_493n, 0x1f_0000n << 32n, (0x1f_0000n << 32n) - 1n);
      for (let i = 0; i < 400; i++) {
        const hi = BigInt(Math.floor(r() * 2 ** 32));
        const lo = BigInt(Math.floor(r() * 2 ** 32));
        values.push((hi << 32n) | lo, (BigInt(Math.floor(r() * 0x40_0000)) << 32n) | lo);
      }
      for (const v of values) {
        setTimestamp(f, Number(v >> 32n), Number(v & 0xffffffffn), res, 0);
        const want = reference(v, tsresol, 0n);
        // Seconds beyond 2^53 cannot be exact in a number; they only occur for absurd resolutions/values.
        if (BigInt(want.split('.')[0]) < 2n ** 53n) expect(tsString(f.tsSec, f.tsNsec), `${v} @ ${tsresol}`).toBe(want);
        expect(f.tsNsec).toBeGreaterThanOrEqual(0);
        expect(f.tsNsec).toBeLessThan(1e9);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it('adds if_tsoffset, including negative offsets', () => {
    const f = new Frame();
    setTimestamp(f, 0, 1_500_000, tsResolution(6), -10);
    expect(tsString(f.tsSec, f.tsNsec)).toBe('-9.500000000');
    setTimestamp(f, 0x1a, 0x2b3c4d5e, tsResolution(9), 1_000_000_000);
    expect(tsString(f.tsSec, f.tsNsec)).toBe(reference((0x1an << 32n) | 0x2b3c4d5en, 9, 1_000_000_000n));
  });
});

describe('if_tsresol / if_tsoffset / PB / big-endian sections vs tshark', () => {
  const dir = mkdtempSync(join(tmpdir(), 'torwatch-ts-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('every resolution, several sections of both byte orders, all packet block kinds', async () => {
    const r = prng(99);
    const blocks: BlockSpec[] = [];
    const expected: string[] = [];
    // tshark's own arithmetic overflows beyond 10^-9 / 2^-30 for values this large; keep to what it
    // computes exactly so it can serve as the oracle (our side is checked against BigInt above).
    const resolutions = [0, 1, 3, 6, 9, 0x80 | 1, 0x80 | 10, 0x80 | 20, 0x80 | 30];
    const offsets = [undefined, 0n, 3600n, -86400n];
    let seed = 1;
    for (let section = 0; section < 4; section++) {
      blocks.push({ kind: 'shb', le: section % 2 === 0 });
      resolutions.forEach((tsresol, i) => blocks.push({ kind: 'idb', linktype: 1, snaplen: 0, tsresol, tsoffset: offsets[(i + section) % offsets.length] }));
      resolutions.forEach((tsresol, i) => {
        const units = tsresol & 0x80 ? 1n << BigInt(tsresol & 0x7f) : 10n ** BigInt(tsresol);
        const secs = 1_600_000_000n + BigInt(Math.floor(r() * 200_000_000));
        const ts = secs * units + BigInt(Math.floor(r() * Number(units)));
        const off = offsets[(i + section) % offsets.length] ?? 0n;
        const kind = i % 3 === 2 ? 'pb' : 'epb';
        blocks.push({ kind, ifId: i, ts, data: udpFrame(60 + i, seed++) });
        expected.push(reference(ts, tsresol, off));
      });
      // An unknown block and an SPB (interface 0: no timestamp) in every section.
      blocks.push({ kind: 'raw', type: 0x0bad, body: Buffer.alloc(8, 0x42) });
      blocks.push({ kind: 'spb', data: udpFrame(64, seed++) });
      expected.push('0.000000000');
    }
    const path = join(dir, 'resolutions.pcapng');
    writeFileSync(path, buildPcapng(blocks));

    const ours = await readAll(path);
    expect(ours.error).toBeUndefined();
    const { recs: theirs, error } = tsharkRecords(path, true);
    expect(error).toBeUndefined();
    expect(theirs.length).toBe(expected.length);
    expect(theirs.map((t) => (t.time === '' ? '0.000000000' : t.time))).toEqual(expected);
    expect(ours.recs.map((x) => tsString(x.tsSec, x.tsNsec))).toEqual(expected);
    expect(ours.recs.map((x) => x.hex)).toEqual(theirs.map((t) => t.hex));
    // Interfaces numbered across sections: section s, local id i -> s * 9 + i.
    const perSection = resolutions.length;
    expect(ours.recs.map((x) => x.ifIndex)).toEqual(theirs.map((t) => (t.section - 1) * perSection + t.ifId));
  });
});
