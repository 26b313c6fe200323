/**
 * libpcap's savefile reject tests (libpcap/tests + EXPECTED_ERRORS.tsv): every file must end in an
 * InputError that states the same reason libpcap gives, in our words, and deliver no packet.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/util/errors.js';
import { DATA, readAll } from './helpers.js';

const DIR = join(DATA, 'libpcap/tests');

/** Phrases our message must contain for each file (libpcap's reason, in our wording). */
const EXPECTED: Record<string, RegExp[]> = {
  'pcap-empty-file.pcap': [/empty/, /0 bytes/],
  'pcap-truncated-hdr-23.pcap': [/truncated pcap file header/, /23 of the 24/],
  'pcapng-no-idb.pcapng': [/no Interface Description Block/],
  'pcapng-packet-before-idb.pcapng': [/packet block/, /before any Interface Description Block/],
  'pcapng-block-len-too-small.pcapng': [/length of 4 < 12/],
  'pcapng-block-len-not-mult4.pcapng': [/length of 21/, /not a multiple of 4/],
  'pcapng-shb-len-too-small.pcapng': [/Section Header Block/, /invalid length 20/],
  'pcapng-shb-len-insane.pcapng': [/Section Header Block/, /invalid length 2097152/, /1048576/],
  'pcapng-truncated-shb.pcapng': [/truncated Section Header Block/, /16 of its 28/],
  'pcapng-idb-tsresol-badlen.pcapng': [/if_tsresol/, /length 2/, /must be 1/],
  'pcapng-idb-tsresol-dup.pcapng': [/more than one if_tsresol/],
  'pcapng-idb-endofopt-badlen.pcapng': [/opt_endofopt/, /length 1/, /must be 0/],
  'pcapng-idb-tsresol-dec-high.pcapng': [/if_tsresol/, /10\^-100 is too high/],
  'pcapng-idb-tsresol-bin-high.pcapng': [/if_tsresol/, /2\^-72 is too high/],
  'pcapng-idb-tsoffset-badlen.pcapng': [/if_tsoffset/, /length 3/, /must be 8/],
  'pcapng-idb-tsoffset-dup.pcapng': [/more than one if_tsoffset/],
  'linktype-reserved-field-not-zero.pcap': [/link type/, /0x00300000/, /reserved/],
  'pcap-invalid-version-1.pcap': [/unsupported pcap file version 1\.4/],
  'pcap-invalid-version-2.pcap': [/unsupported pcap file version 2\.5/],
  'pcapng-invalid-vers-1.pcapng': [/unsupported pcapng version 0\.1/],
  'pcapng-invalid-vers-2.pcapng': [/unsupported pcapng version 1\.1/],
  'shb-option-too-long.pcapng': [/block total length in header 52 and trailer 808464432 don't match/],
};

const table = readFileSync(join(DIR, 'EXPECTED_ERRORS.tsv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((l) => l.trim() !== '')
  .map((l) => l.split('\t') as [string, string]);

describe('libpcap reject tests', () => {
  it('covers every file of EXPECTED_ERRORS.tsv (22)', () => {
    expect(table.length).toBe(22);
    expect(Object.keys(EXPECTED).sort()).toEqual(table.map(([f]) => f).sort());
  });

  for (const [file, libpcapSays] of table) {
    it(`${file}: rejected like libpcap ("${libpcapSays.replace('Failed opening: ', '')}")`, async () => {
      const path = join(DIR, file);
      const r = await readAll(path);
      expect(r.recs).toEqual([]);
      expect(r.error).toBeInstanceOf(InputError);
      const msg = (r.error as InputError).message;
      expect(msg.startsWith(path + ':')).toBe(true);
      expect(msg).not.toContain('\n');
      for (const phrase of EXPECTED[file]) expect(msg).toMatch(phrase);
    });
  }
});
