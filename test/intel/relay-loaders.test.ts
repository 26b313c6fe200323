import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../src/intel/addr.js';
import { loadRelaySpec } from '../../src/intel/relays/load.js';
import { flagNames, roleNames, type ParsedSource } from '../../src/intel/relays/model.js';
import { InputError } from '../../src/util/errors.js';
import {
  CHUTNEY, CONSENSUS_2018, CRLF, DOODAD, grepCount, LING0X, memoryLogger, MICRODESC_2019, SECOPS, sh, STEM, tempDir, tempFile, TORDNSEL,
} from './helpers.js';

async function load(spec: string): Promise<ParsedSource> {
  const { log } = memoryLogger();
  const out = await loadRelaySpec(spec, { log });
  expect(out).toHaveLength(1);
  return out[0];
}

/** The error a load throws, as text ("FILE: line N: what"). */
async function loadError(spec: string): Promise<string> {
  const { log } = memoryLogger();
  try {
    await loadRelaySpec(spec, { log });
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return (err as Error).message;
  }
  throw new Error(`${spec} loaded without error`);
}

const countRole = (p: ParsedSource, role: string): number => p.relays.filter((r) => roleNames(r.roles).includes(role)).length;
const distinct = (p: ParsedSource, v: 4 | 6): number => new Set(p.relays.flatMap((r) => r.addresses.filter((a) => a.version === v).map((a) => a.words.join('.')))).size;

describe('real relay snapshots from ../shared/data/tor, counts cross-checked with grep/awk', () => {
  it('network-status consensus (2018-06-01, full flavour)', async () => {
    const p = await load(CONSENSUS_2018);
    expect(p.info.format).toBe('consensus');
    expect(p.dated).toBe(true);
    expect(p.relays).toHaveLength(grepCount('^r ', CONSENSUS_2018));
    expect(p.relays).toHaveLength(208);
    expect(p.info.v6).toBe(grepCount('^a \\[', CONSENSUS_2018));
    expect(p.info.v6).toBe(37);
    expect(countRole(p, 'guard')).toBe(grepCount('^s.* Guard( |$)', CONSENSUS_2018, '-E'));
    expect(countRole(p, 'exit')).toBe(grepCount('^s.* (Exit|BadExit)( |$)', CONSENSUS_2018, '-E'));
    expect([countRole(p, 'guard'), countRole(p, 'exit'), countRole(p, 'authority')]).toEqual([79, 22, 1]);
    expect(p.info.validAfterMs).toBe(Date.UTC(2018, 5, 1, 0));
    expect(p.info.freshUntilMs).toBe(Date.UTC(2018, 5, 1, 1));
    expect(p.info.validUntilMs).toBe(Date.UTC(2018, 5, 1, 3));
    expect(p.warnings).toEqual([]);
    // One relay in detail: "r CalyxInstitute14 ABG9JIWtRdmE7EFZyI/AZuXjMA4 ... 162.247.72.201 443 80", Exit.
    const calyx = p.relays.find((r) => r.nickname === 'CalyxInstitute14')!;
    expect(calyx.fingerprint).toBe(Buffer.from('ABG9JIWtRdmE7EFZyI/AZuXjMA4=', 'base64').toString('hex').toUpperCase());
    expect(calyx.addresses[0]).toMatchObject({ version: 4, words: [0, 0, 0, parseIpv4('162.247.72.201')], orPort: 443, dirPort: 80 });
    expect(flagNames(calyx.flags)).toEqual(['Exit', 'Fast', 'Guard', 'HSDir', 'Running', 'Stable', 'V2Dir', 'Valid']);
    // An 'a' line: PancakeWhore's IPv6 ORPort.
    const pw = p.relays.find((r) => r.nickname === 'PancakeWhore')!;
    expect(pw.addresses.map((a) => [a.version, a.orPort, a.dirPort])).toEqual([[4, 9001, 9030], [6, 9050, 0]]);
  });

  it('microdescriptor consensus (2019-05-01): no digest field in r lines', async () => {
    const p = await load(MICRODESC_2019);
    expect(p.info.format).toBe('microdesc-consensus');
    expect(p.relays).toHaveLength(grepCount('^r ', MICRODESC_2019));
    expect(p.relays).toHaveLength(556);
    expect(p.info.v6).toBe(grepCount('^a \\[', MICRODESC_2019));
    expect(countRole(p, 'guard')).toBe(grepCount('^s.* Guard( |$)', MICRODESC_2019, '-E'));
    expect(countRole(p, 'exit')).toBe(grepCount('^s.* (Exit|BadExit)( |$)', MICRODESC_2019, '-E'));
    expect([countRole(p, 'guard'), countRole(p, 'exit'), p.info.v6]).toEqual([247, 65, 97]);
    expect(distinct(p, 4)).toBe(Number(sh(`grep '^r ' '${MICRODESC_2019}' | awk '{print $(NF-2)}' | sort -u | wc -l`)));
  });

  it('a chutney test-network consensus: three relays on 127.0.0.1 told apart by port', async () => {
    const p = await load(CHUTNEY);
    expect(p.relays.map((r) => [r.nickname, r.addresses[0].orPort, r.addresses[0].dirPort])).toEqual([
      ['test002r', 5002, 7002], ['test001a', 5001, 7001], ['test000a', 5000, 7000],
    ]);
    expect(countRole(p, 'authority')).toBe(2);
  });

  it('the CRLF microdesc consensus is read (as LF) with a warning, not silently', async () => {
    const { log, lines } = memoryLogger();
    const [p] = await loadRelaySpec(CRLF, { log });
    expect(p.relays).toHaveLength(grepCount('^r ', CRLF));
    expect(p.relays.map((r) => r.nickname)).toEqual(['PDrelay1', 'seele', 'TorNinurtaName', 'CalyxInstitute14']);
    // Every line read up to directory-footer ends in CRLF (grep counts all 140 in the file).
    expect(grepCount('\r$', CRLF)).toBe(140);
    expect(p.warnings.join()).toMatch(/^\d+ lines end in CRLF/);
    expect(lines.some((l) => l.level === 40 && /CRLF/.test(String(l.msg)))).toBe(true);
    // The CR never reaches a value: the last flag of the last relay is "Valid", not "Valid\r".
    expect(flagNames(p.relays[3].flags)).toContain('Valid');
  });

  it('TorDNSEL exit list (2018-11-01)', async () => {
    const p = await load(TORDNSEL);
    expect(p.info.format).toBe('tordnsel');
    expect(p.info.timeMs).toBe(Date.UTC(2018, 10, 1, 0, 2, 1));
    expect(p.info.timeFrom).toBe('downloaded');
    expect(p.relays).toHaveLength(grepCount('^ExitNode ', TORDNSEL));
    expect(p.info.v4 + p.info.v6).toBe(grepCount('^ExitAddress ', TORDNSEL));
    expect(distinct(p, 4)).toBe(Number(sh(`grep '^ExitAddress' '${TORDNSEL}' | awk '{print $2}' | sort -u | wc -l`)));
    expect([p.relays.length, p.info.v4, distinct(p, 4)]).toEqual([931, 934, 869]);
    expect(p.relays.every((r) => roleNames(r.roles).join() === 'exit')).toBe(true);
    const first = p.relays[0];
    expect(first.fingerprint).toBe('0011BD2485AD45D984EC4159C88FC066E5E3300E');
    expect(first.addresses[0]).toMatchObject({ exitOnly: true, seenMs: Date.UTC(2018, 9, 31, 6, 3, 23) });
  });

  it('SecOps plain lists (2024-02-27): all relays, and exits (role from the file name)', async () => {
    const all = await load(join(SECOPS, 'tor-nodes.lst'));
    const exits = await load(join(SECOPS, 'tor-exit-nodes.lst'));
    expect(all.info.format).toBe('ip-list');
    expect(exits.info.format).toBe('bulk-exit-list');
    for (const [p, f] of [[all, 'tor-nodes.lst'], [exits, 'tor-exit-nodes.lst']] as const) {
      expect(p.relays).toHaveLength(grepCount('.', join(SECOPS, f)));
      expect(p.info.v6).toBe(grepCount(':', join(SECOPS, f)));
    }
    expect([all.relays.length, all.info.v4, all.info.v6]).toEqual([8054, 5631, 2423]);
    expect([exits.relays.length, exits.info.v4, exits.info.v6]).toEqual([1746, 1127, 619]);
    expect(countRole(exits, 'exit')).toBe(1746);
    expect(countRole(all, 'relay')).toBe(8054);
    // A '#relay' hint overrides the name.
    const hinted = await load(join(SECOPS, 'tor-exit-nodes.lst') + '#relay');
    expect(hinted.info.format).toBe('ip-list');
    expect(countRole(hinted, 'exit')).toBe(0);
  });

  it('doodad-labs lists (2026-02-22): text and JSON give the same 10,118 addresses', async () => {
    const txt = await load(join(DOODAD, 'relay-nodes.txt'));
    const json = await load(join(DOODAD, 'relay-nodes.json'));
    const exits = await load(join(DOODAD, 'exit-nodes.txt'));
    const guards = await load(join(DOODAD, 'guard-nodes.txt'));
    // wc -l says 10117: the file has no final newline; grep -c counts every line.
    expect(txt.relays).toHaveLength(grepCount('.', join(DOODAD, 'relay-nodes.txt')));
    expect([txt.relays.length, txt.info.v4, txt.info.v6]).toEqual([10118, 7167, 2951]);
    const key = (p: ParsedSource): string[] => p.relays.map((r) => r.addresses[0].words.join('.')).sort();
    expect(key(json)).toEqual(key(txt));
    expect(JSON.parse(readFileSync(join(DOODAD, 'relay-nodes.json'), 'utf8'))).toHaveLength(10118);
    expect([exits.relays.length, countRole(exits, 'exit')]).toEqual([2015, 2015]);
    expect([guards.relays.length, countRole(guards, 'guard')]).toEqual([6276, 6276]);
  });

  it('ling0x CSV exports of Onionoo (fingerprint,ipaddr,port): rows merged per relay', async () => {
    const all = await load(join(LING0X, 'latest.all.csv'));
    const f = join(LING0X, 'latest.all.csv');
    expect(all.info.format).toBe('relay-csv');
    expect(all.relays).toHaveLength(Number(sh(`tail -n +2 '${f}' | cut -d, -f1 | sort -u | wc -l`)));
    expect(all.info.v4 + all.info.v6).toBe(grepCount('.', f) - 1);
    expect(distinct(all, 4)).toBe(Number(sh(`tail -n +2 '${f}' | cut -d, -f2 | grep -v : | sort -u | wc -l`)));
    expect([all.relays.length, all.info.v4, all.info.v6, distinct(all, 4), distinct(all, 6)]).toEqual([9491, 9491, 4908, 6967, 2950]);
    const r = all.relays.find((x) => x.fingerprint === '00251F9F626F0E741030AF54CE019B115D01697D')!;
    expect(r.addresses.map((a) => [a.version, a.orPort])).toEqual([[4, 8430], [6, 8430]]);
    const exits = await load(join(LING0X, 'latest.exits.csv'));
    const guards = await load(join(LING0X, 'latest.guards.csv'));
    expect([exits.relays.length, countRole(exits, 'exit')]).toEqual([2825, 2825]);
    expect([guards.relays.length, countRole(guards, 'guard')]).toEqual([5838, 5838]);
  });

  it('a directory: every relay list under it, other files skipped (LICENSE)', async () => {
    const { log, lines } = memoryLogger();
    const out = await loadRelaySpec(STEM, { log });
    expect(out.map((p) => p.info.format).sort()).toEqual(['consensus', 'consensus', 'microdesc-consensus', 'microdesc-consensus', 'tordnsel']);
    expect(lines.some((l) => l.msg === 'files that are not relay lists were skipped' && (l.skipped as string[]).some((s) => s.endsWith('LICENSE')))).toBe(true);
  });

  it('gzip-compressed lists are read', async () => {
    const p = await load(tempFile('c.gz', gzipSync(readFileSync(CONSENSUS_2018))));
    expect(p.relays).toHaveLength(208);
  });
});

describe('formats without a real snapshot here, built from the formats\' documentation', () => {
  it("seed 000's Sentinel CSV (one row per address, rows merged by fingerprint)", async () => {
    const csv = [
      'Nickname,Fingerprint,EntryAddress,IPAddress,Port,AddressType,Hostname,CountryCode,IsRunning,LastChangedIPData',
      'relayA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,198.51.100.5:9001,198.51.100.5,9001,IPv4,relay.example,de,True,2024-01-02 03:04:05',
      'relayA,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,[2001:db8::5]:9001,2001:db8::5,9001,IPv6,relay.example,de,True,2024-01-02 03:04:05',
      '"relay,B",BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB,203.0.113.9:443,203.0.113.9,443,IPv4,,us,False,2023-12-31',
    ].join('\r\n');
    const p = await load(tempFile('TorRelayIPs.csv', csv));
    expect(p.info.format).toBe('relay-csv');
    expect(p.relays.map((r) => [r.nickname, r.addresses.length, r.running])).toEqual([['relayA', 2, true], ['relay,B', 1, false]]);
    expect(p.relays[0].firstSeenMs).toBe(Date.UTC(2024, 0, 2, 3, 4, 5));
    expect(p.relays[1].addresses[0]).toMatchObject({ orPort: 443 });
  });

  it('the newer CSV layout with both families on one row', async () => {
    const csv = 'Nickname,Fingerprint,IPv4Address,IPv4Port,IPv6Address,IPv6Port,Flags,CountryCode\n' +
      'x1,CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC,192.0.2.7,9001,2001:db8::7,9002,Exit Guard Running Valid,nl\n' +
      'x2,DDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDDD,192.0.2.8,443,,,Running Valid,se\n';
    const p = await load(tempFile('relays.csv', csv));
    expect(p.relays.map((r) => [r.nickname, roleNames(r.roles).join('/'), r.addresses.map((a) => a.orPort)])).toEqual([
      ['x1', 'guard/exit', [9001, 9002]], ['x2', 'middle', [443]],
    ]);
  });

  it('Onionoo details JSON: or_addresses, exit_addresses, dir_address, flags, first/last seen', async () => {
    const doc = {
      version: '8.0', relays_published: '2026-11-23 07:00:00',
      relays: [
        { nickname: 'n1', fingerprint: 'EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE', or_addresses: ['198.51.100.7:9001', '[2001:db8::7]:9001'],
          exit_addresses: ['198.51.100.70'], dir_address: '198.51.100.7:9030', flags: ['Exit', 'Fast', 'Running', 'Valid'],
          first_seen: '2020-01-01 00:00:00', last_seen: '2026-11-23 06:00:00', running: true },
        { nickname: 'n2', fingerprint: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', or_addresses: ['203.0.113.2:443'], flags: ['Guard', 'Running'], running: false },
      ],
      bridges_published: '2026-11-23 07:00:00', bridges: [],
    };
    const p = await load(tempFile('details.json', JSON.stringify(doc, null, 1)));
    expect(p.info).toMatchObject({ format: 'onionoo', timeMs: Date.UTC(2026, 10, 23, 7), timeFrom: 'published', relays: 2, v4: 3, v6: 1 });
    const n1 = p.relays[0];
    expect(n1.addresses.map((a) => [a.orPort, a.dirPort, a.exitOnly === true])).toEqual([[9001, 9030, false], [9001, 0, false], [0, 0, true]]);
    expect(n1.firstSeenMs).toBe(Date.UTC(2020, 0, 1));
    expect(roleNames(p.relays[1].roles)).toEqual(['guard']);
  });
});

describe('malformed relay lists: one clear error naming the file, the line and what', () => {
  const consensus = (body: string): string => `network-status-version 3\nvote-status consensus\nvalid-after 2026-11-23 05:00:00\nfresh-until 2026-11-23 06:00:00\nvalid-until 2026-11-23 08:00:00\n${body}directory-footer\n`;
  const rOk = 'r nick AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 9001 9030\ns Fast Running Valid\n';

  it.each([
    ['r line with a missing field', 'r nick AAFJ5u9xAqrKlpDW6N0pMhJLlKs 2026-11-23 04:00:00 198.51.100.5 9001 9030 extra more\n', /line 6: 'r' line has 9 fields/],
    ['bad address', 'r nick AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.500 9001 9030\n', /line 6: 'r' line: '198.51.100.500' is not an IPv4 address/],
    ['bad ORPort', 'r nick AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 99999 9030\n', /line 6: 'r' line: ORPort '99999'/],
    ['bad identity', 'r nick !!!!! evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 9001 9030\n', /line 6: 'r' line: identity '!!!!!'/],
    ['bad nickname', 'r nick-name AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 9001 9030\n', /line 6: 'r' line: 'nick-name' is not a relay nickname/],
    ['a before r', 'a [2001:db8::1]:9001\n', /line 6: an 'a' line before any 'r' line/],
    ['bad a line', rOk + 'a 2001:db8::1:9001\n', /line 8: 'a' line: .*needs brackets/],
  ])('consensus: %s', async (_n, body, re) => {
    const f = tempFile('c', consensus(body));
    expect(await loadError(f)).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${re.source}`));
  });

  it('microdesc consensus: an r line with a digest (ns layout) is the wrong flavour', async () => {
    const md = consensus('r nick AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 9001 9030\n')
      .replace('network-status-version 3', '@type network-status-microdesc-consensus-3 1.0\nnetwork-status-version 3 microdesc');
    expect(await loadError(tempFile('md', md))).toMatch(/md: line 7: 'r' line has 8 fields, a microdesc consensus has 7/);
  });

    it('consensus header problems', async () => {
    expect(await loadError(tempFile('c', 'network-status-version 3\nr ' + rOk.slice(2)))).toMatch(/no 'valid-after' line/);
    expect(await loadError(tempFile('c', 'network-status-version 3\nvalid-after 2026-13-01 00:00:00\n'))).toMatch(/line 2: valid-after: '2026-13-01 00:00:00' is not/);
    expect(await loadError(tempFile('c', 'network-status-version 2\n'))).toMatch(/line 1: network-status-version '2' is not supported/);
    expect(await loadError(tempFile('c', '@type server-descriptor 1.0\nrouter x 1.2.3.4 9001 0 0\n'))).toMatch(/: not a relay list torwatch knows \(.*\); it starts with '@type server-descriptor 1\.0'$/);
  });

  it('a consensus cut short is read with a warning', async () => {
    const { log } = memoryLogger();
    const [p] = await loadRelaySpec(tempFile('c', consensus(rOk).replace('directory-footer\n', '')), { log });
    expect(p.relays).toHaveLength(1);
    expect(p.warnings.join()).toMatch(/no 'directory-footer'/);
  });

  it('Onionoo: JSON syntax errors name the line; bad fields name the JSON path', async () => {
    expect(await loadError(tempFile('d.json', '{\n "relays": [\n  {"fingerprint": "x",}\n ]\n}'))).toMatch(/d\.json: line 3: not valid JSON/);
    expect(await loadError(tempFile('d.json', '{"relays":[{"fingerprint":"E"}]}'))).toMatch(/relays\[0\]\.fingerprint: 'E' is not 40 hex digits/);
    expect(await loadError(tempFile('d.json', '{"relays":[{"fingerprint":"EEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE","or_addresses":["1.2.3.4"]}]}'))).toMatch(/relays\[0\]\.or_addresses\[0\]: '1\.2\.3\.4' is not address:port/);
    expect(await loadError(tempFile('d.json', '{"relays":[],"relays_published":"yesterday"}'))).toMatch(/relays_published: "yesterday" is not/);
  });

  it('TorDNSEL: records out of order or malformed', async () => {
    expect(await loadError(tempFile('exit-list', 'Downloaded 2018-11-01 00:02:01\nExitAddress 1.2.3.4 2018-10-31 06:03:23\n'))).toMatch(/line 2: ExitAddress before any ExitNode/);
    expect(await loadError(tempFile('exit-list', '@type tordnsel 1.0\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nExitAddress 1.2.3 2018-10-31 06:03:23\n'))).toMatch(/line 3: ExitAddress: '1\.2\.3' is not/);
    expect(await loadError(tempFile('exit-list', '@type tordnsel 1.0\nExitNode XYZ\n'))).toMatch(/line 2: ExitNode: 'XYZ' is not a 40-hex-digit fingerprint/);
    expect(await loadError(tempFile('exit-list', '@type tordnsel 1.0\nExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nBogus x\n'))).toMatch(/line 3: 'Bogus' is not a TorDNSEL keyword/);
  });

  it('address lists: the first bad line is named', async () => {
    const f = tempFile('torbulkexitlist', '# exits\n192.0.2.1\n\n2001:db8::1 # a comment\n198.51.100.0/24\nnot-an-address\n');
    expect(await loadError(f)).toBe(`${f}: line 6: 'not-an-address' is not an IPv4 or IPv6 address or CIDR`);
    expect(await loadError(tempFile('l.json', '["192.0.2.1", 7]'))).toMatch(/\[1\]: 7 is not an address string/);
    expect(await loadError(tempFile('orports.txt', '192.0.2.1:9001\n192.0.2.2:99999\n'))).toMatch(/line 2: '192\.0\.2\.2:99999': '99999' in '192\.0\.2\.2:99999' is not a port/);
  });

  it('address lists may give ORPorts (address:port, [v6]:port)', async () => {
    const p = await load(tempFile('orports.txt', '192.0.2.1:9001\n[2001:db8::1]:443\n192.0.2.1:9001\n'));
    expect(p.relays.map((r) => [r.addresses[0].version, r.addresses[0].orPort])).toEqual([[4, 9001], [6, 443]]);
    expect(p.warnings).toEqual(['1 duplicate entries']);
  });

  it('CSV: field counts, quotes and addresses', async () => {
    expect(await loadError(tempFile('r.csv', 'fingerprint,ipaddr,port\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,192.0.2.1\n'))).toMatch(/line 2: 2 fields, the header has 3/);
    expect(await loadError(tempFile('r.csv', 'fingerprint,ipaddr,port\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,192.0.2.1,"9001\n'))).toMatch(/line 2: unterminated quoted CSV field/);
    expect(await loadError(tempFile('r.csv', 'fingerprint,ipaddr,port\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,192.0.2.x,9001\n'))).toMatch(/line 2: '192\.0\.2\.x' is not an IPv4 or IPv6 address \(column ipaddr\)/);
    expect(await loadError(tempFile('r.csv', 'fingerprint,ipaddr,port\nAAAA,192.0.2.1,9001\n'))).toMatch(/line 2: fingerprint 'AAAA' is not 40 hex digits/);
  });

  it("seed 000's Sentinel CSV: a bad EntryAddress, a bad date", async () => {
    const head = 'Nickname,Fingerprint,EntryAddress,IPAddress,Port,AddressType,Hostname,CountryCode,IsRunning,LastChangedIPData\n';
    expect(await loadError(tempFile('TorRelayIPs.csv', head + 'a,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,198.51.100.5,,,IPv4,,de,True,2024-01-02\n'))).toMatch(/line 2: EntryAddress: '198\.51\.100\.5' is not address:port/);
    expect(await loadError(tempFile('TorRelayIPs.csv', head + 'a,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,,198.51.100.5,9001,IPv4,,de,True,last tuesday\n'))).toMatch(/line 2: 'last tuesday' is not a date/);
  });

  it('not a relay list at all / missing / a directory without lists', async () => {
    expect(await loadError(join(STEM, 'LICENSE'))).toMatch(/LICENSE: not a relay list torwatch knows/);
    expect(await loadError('/nonexistent/relays.txt')).toBe('/nonexistent/relays.txt: relay list not found');
    expect(await loadError(tempDir())).toMatch(/no relay lists in this directory/);
    expect(await loadError(tempFile('x.gz', Buffer.from([0x1f, 0x8b, 1, 2, 3])))).toMatch(/gzip data is corrupt/);
  });
});
