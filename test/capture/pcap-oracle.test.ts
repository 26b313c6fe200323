/**
 * Classic pcap against an independent reader, pcap-parser: every classic pcap (microsecond magic,
 * version 2.4, either byte order; chosen by magic, not by name) in the shared data and in the repo's
 * pcaps/ must give the same records: timestamps, caplen, wirelen, bytes.
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { DATA, FIXTURES, REPO_PCAPS, isPlainMicroPcap24, listFiles, pcapParserRecords, readAll } from './helpers.js';

function head(path: string): Buffer {
  const b = Buffer.alloc(24);
  const fd = openSync(path, 'r');
  try {
    const n = readSync(fd, b, 0, 24, 0);
    return b.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

const candidates = [...listFiles(DATA), ...listFiles(REPO_PCAPS), ...listFiles(FIXTURES)].filter((p) => isPlainMicroPcap24(head(p)));
const bigEndian = candidates.filter((p) => head(p).readUInt32BE(0) === 0xa1b2c3d4);
const fromRepo = candidates.filter((p) => p.startsWith(REPO_PCAPS));

describe('classic pcap vs pcap-parser', () => {
  it('has a varied set of inputs', () => {
    // 260 in the shared data at the time of writing; big-endian ones included.
    expect(candidates.length).toBeGreaterThanOrEqual(200);
    expect(bigEndian.length).toBeGreaterThanOrEqual(3);
    // Named by extension .pcapng but classic pcap inside (MANIFEST): picked by magic.
    expect(candidates).toContain(`${DATA}/ndpi/pcap/bets.pcapng`);
    expect(candidates).toContain(`${DATA}/ndpi/pcap/ossfuzz_seed_fake_traces_4.pcapng`);
    console.log(`pcap-parser oracle: ${candidates.length} files (${bigEndian.length} big-endian, ${fromRepo.length} from pcaps/)`);
  });

  for (const file of candidates) {
    it(file.replace(DATA + '/', ''), async () => {
      const ours = await readAll(file);
      const oracle = await pcapParserRecords(file);
      expect(oracle.error).toBeUndefined();
      const h = head(file);
      const le = h.readUInt32BE(0) === 0xd4c3b2a1;
      const linktype = (le ? h.readUInt32LE(20) : h.readUInt32BE(20)) & 0xffff;
      const expected = oracle.recs.map((r, i) => ({
        // pcap-parser passes the raw fraction through; ours carries whole seconds out of it.
        tsSec: r.tsSec + Math.floor(r.tsUsec / 1e6),
        tsNsec: (r.tsUsec % 1e6) * 1000,
        caplen: r.caplen,
        wirelen: r.wirelen,
        linktype,
        ifIndex: 0,
        index: i + 1,
        hex: r.hex,
      }));
      const got = ours.recs.map(({ fileOffset: _o, ...rest }) => rest);
      if (ours.error === undefined) {
        expect(got).toEqual(expected);
        expect(ours.info?.format).toBe('pcap');
        expect(ours.info?.records).toBe(expected.length);
      } else {
        // Corrupt files (e.g. suricata-verify bug-1450-04: a 4 MB record header after 6 packets):
        // every record before the problem, then a clean InputError. pcap-parser, which has no size
        // cap, stops at the same place waiting for data that never comes.
        expect(ours.error).toBeInstanceOf(InputError);
        expect(got).toEqual(expected.slice(0, got.length));
        expect(expected.length).toBe(got.length);
      }
    });
  }
});
