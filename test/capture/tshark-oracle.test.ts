/**
 * pcapng, nanosecond pcap and gzip inputs against tshark (Wireshark's reader, independent of ours):
 * same packet records, timestamps to the nanosecond, caplen, wirelen, interface, and (for files small
 * enough for tshark's JSON output) the same bytes. Inputs are chosen by magic, not by name.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { DATA, FIXTURES, REPO_PCAPS, listFiles, readAll, sizeOf, tsString, tsharkRecords, type Rec, type TsharkRec } from './helpers.js';

function magicOf(path: string): string {
  const b = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, b, 0, 4, 0);
    if (n < 4) return '';
    if (b[0] === 0x1f && b[1] === 0x8b) {
      const inner = gunzipSync(readFileSync(path)).subarray(0, 4).toString('hex');
      return 'gzip:' + inner;
    }
    return b.toString('hex');
  } finally {
    closeSync(fd);
  }
}

const PCAPNG = '0a0d0d0a';
const NANO = ['a1b23c4d', '4d3cb2a1'];
const selected = [...listFiles(DATA), ...listFiles(REPO_PCAPS), ...listFiles(FIXTURES)]
  .filter((p) => !p.startsWith(`${DATA}/libpcap/`)) // the deliberately broken ones: libpcap-rejects.test.ts
  .map((p) => ({ path: p, magic: magicOf(p) }))
  .filter(({ magic }) => magic === PCAPNG || NANO.includes(magic) || magic.startsWith('gzip:'));

/** tshark prints nanoseconds with %09d, so an out-of-range fraction shows as 10 digits; carry it. */
function normTsharkTime(t: string): string {
  if (t === '') return tsString(0, 0); // SPB: no timestamp; ours is 0
  const [s, f] = t.split('.');
  const ns = BigInt(f);
  return tsString(Number(BigInt(s) + ns / 1_000_000_000n), Number(ns % 1_000_000_000n));
}

/** Our global interface index must map one-to-one onto tshark's (section, interface) pairs. */
function checkInterfaces(ours: Rec[], theirs: TsharkRec[]): void {
  const fwd = new Map<number, string>();
  const back = new Map<string, number>();
  ours.forEach((r, i) => {
    const key = `${theirs[i].section}/${theirs[i].ifId}`;
    expect(fwd.get(r.ifIndex) ?? key).toBe(key);
    expect(back.get(key) ?? r.ifIndex).toBe(r.ifIndex);
    fwd.set(r.ifIndex, key);
    back.set(key, r.ifIndex);
    if (theirs[i].section === 1) expect(r.ifIndex).toBe(theirs[i].ifId);
  });
}

/** Inputs tshark reads differently on purpose: asserted separately below. */
const SPECIAL = new Set([
  `${DATA}/tcpdump/tests/timestamp_invalid_nano.pcap`, // tshark's JSON prints a negative time for it
`${DATA}/pcapng-test-generator/output_le/basic/test002.pcapng`, `${DATA}/pcapng-test-generator/output_be/basic/test002.pcapng`, `${DATA}/pcapng-test-generator/output_le/basic/test017.pcapng`, `${DATA}/pcapng-test-generator/output_be/basic/test017.pcapng`]);

describe('pcapng / nanosecond / gzip inputs vs tshark', () => {
  it('selects the inputs MANIFEST.md names, by magic', () => {
    const paths = selected.map((s) => s.path);
    for (const p of [
      'ndpi/pcap/dns.pcap', // pcapng named .pcap
      'ndpi/pcap/bittorrent_utp.pcap',
      'ndpi/pcap/quic_0RTT.pcap',
      'tcpdump/tests/tcp-handshake-nano.pcap', // nanosecond magic
      'zeek/Traces/pcapng-multi-interface.pcapng',
      'zeek/Traces/tls/tls-fragmented-handshake.pcap.gz',
      'community-id/pcaps/combined.pcap.gz',
      'pcapng-test-generator/output_be/difficult/test202.pcapng',
    ]) {
      expect(paths).toContain(`${DATA}/${p}`);
    }
    expect(paths).not.toContain(`${DATA}/ndpi/pcap/bets.pcapng`); // classic pcap named .pcapng
    console.log(`tshark oracle: ${selected.length} inputs`);
  });

  for (const { path, magic } of selected) {
    if (SPECIAL.has(path)) continue;
    it(`${path.replace(DATA + '/', '')} (${magic})`, async () => {
      const ours = await readAll(path);
      const small = sizeOf(path) < 300_000;
      const { recs: theirs, error: tsharkError } = tsharkRecords(path, small);
      if (tsharkError !== undefined) {
        // tshark stopped on a damaged file: we must deliver the same records, then a clean error.
        expect(ours.error, tsharkError).toBeInstanceOf(InputError);
      } else {
        expect(ours.error).toBeUndefined();
        expect(ours.info?.records).toBe(theirs.length);
        expect(ours.info?.compressed).toBe(magic.startsWith('gzip:'));
        expect(ours.info?.format).toBe(magic.endsWith(PCAPNG) ? 'pcapng' : 'pcap');
      }
      expect(ours.recs.length).toBe(theirs.length);
      expect(ours.recs.map((r) => tsString(r.tsSec, r.tsNsec))).toEqual(theirs.map((t) => normTsharkTime(t.time)));
      expect(ours.recs.map((r) => [r.caplen, r.wirelen])).toEqual(theirs.map((t) => [t.caplen, t.wirelen]));
      expect(ours.recs.map((r) => r.index)).toEqual(theirs.map((_t, i) => i + 1));
      checkInterfaces(ours.recs, theirs);
      if (small) expect(ours.recs.map((r) => r.hex)).toEqual(theirs.map((t) => t.hex));
    });
  }

  it('pcapng-test-generator: packet counts of every file match its .txt (EPB + SPB + PB)', async () => {
    const txts = listFiles(`${DATA}/pcapng-test-generator`).filter((p) => p.endsWith('.txt'));
    expect(txts.length).toBe(48); // 24 tests, little- and big-endian
    for (const txt of txts) {
      const desc = readFileSync(txt, 'utf8');
      const count = (t: string): number => Number(new RegExp(`^\\s*${t}: (\\d+)$`, 'm').exec(desc)?.[1] ?? 0);
      const idbs = count('IDB');
      const r = await readAll(txt.replace(/\.txt$/, '.pcapng'));
      if (idbs === 0) {
        // Only an SHB (and custom blocks): libpcap rejects these, so do we (see below).
        expect(r.error).toBeInstanceOf(InputError);
        continue;
      }
      expect(r.error, txt).toBeUndefined();
      expect(r.recs.length, txt).toBe(count('EPB') + count('SPB') + count('PB'));
    }
  });

  it('timestamp_invalid_nano.pcap: a fraction of 1 s or more is carried into the seconds', async () => {
    const path = `${DATA}/tcpdump/tests/timestamp_invalid_nano.pcap`;
    const raw = readFileSync(path);
    const r = await readAll(path);
    expect(r.error).toBeUndefined();
    expect(r.recs.length).toBe(3);
    // Record headers read straight from the file (little-endian nanosecond pcap).
    let off = 24;
    for (const rec of r.recs) {
      const sec = raw.readUInt32LE(off);
      const frac = raw.readUInt32LE(off + 4);
      expect(rec.fileOffset).toBe(off);
      expect(rec.tsSec).toBe(sec + Math.floor(frac / 1e9));
      expect(rec.tsNsec).toBe(frac % 1e9);
      expect(rec.tsNsec).toBeLessThan(1e9);
      off += 16 + raw.readUInt32LE(off + 8);
    }
    // tcpdump prints the raw fields: 1418145370.1000000000 and 1418145370.2147483648.
    expect(r.recs.map((x) => tsString(x.tsSec, x.tsNsec))).toEqual(['1418145369.999999999', '1418145371.000000000', '1418145372.147483648']);
  });

  it('an SHB-only pcapng (no Interface Description Block) is rejected as libpcap does', async () => {
    for (const p of [...SPECIAL].filter((x) => x.endsWith('.pcapng'))) {
      const r = await readAll(p);
      expect(r.recs).toEqual([]);
      expect(r.error).toBeInstanceOf(InputError);
      expect((r.error as Error).message).toMatch(/no Interface Description Block/);
    }
  });

  it('zeek pcapng-multi-interface: two interfaces, nanosecond timestamps', async () => {
    const r = await readAll(`${DATA}/zeek/Traces/pcapng-multi-interface.pcapng`);
    expect(r.error).toBeUndefined();
    expect(new Set(r.recs.map((x) => x.ifIndex))).toEqual(new Set([0, 1]));
    // Nanosecond digits survive (a float conversion of the 64-bit count would round them).
    expect(tsString(r.recs[0].tsSec, r.recs[0].tsNsec)).toBe('1767663089.500330493');
  });
});
