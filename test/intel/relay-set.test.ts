import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../src/intel/addr.js';
import { loadRelaySpec } from '../../src/intel/relays/load.js';
import { roleNames, type ParsedSource } from '../../src/intel/relays/model.js';
import { Miss, PortMatch, RelaySet, type RelayMatch } from '../../src/intel/relays/relay-set.js';
import { PCAPS } from '../support/run-cli.js';
import { CHUTNEY, CONSENSUS_2018, DOODAD, memoryLogger, tempDir, tempFile } from './helpers.js';

const H = 3_600_000;
const { log } = memoryLogger();

async function sources(...specs: string[]): Promise<ParsedSource[]> {
  const out: ParsedSource[] = [];
  for (const s of specs) out.push(...(await loadRelaySpec(s, { log })));
  return out;
}

function lookup(set: RelaySet, ip: string, port: number, at: number): RelayMatch | undefined {
  const a = parseAddress(ip)!;
  return set.lookup(a.version, a.words[0], a.words[1], a.words[2], a.words[3], port, at);
}

const JUNE1 = Date.UTC(2018, 5, 1);

describe('relay index lookups', () => {
  it('IPv4 and IPv6, ORPort / DirPort / address-only matches, roles and identity', async () => {
    const set = new RelaySet(await sources(CONSENSUS_2018), { graceMs: 24 * H, maxAgeMs: 3 * H });
    const at = JUNE1 + 0.5 * H;
    const or = lookup(set, '162.247.72.201', 443, at)!;
    expect(or).toMatchObject({ portMatch: PortMatch.OR, nickname: 'CalyxInstitute14', orPort: 443, dirPort: 80, dated: true, stale: false, relaysAtAddress: 1 });
    expect(roleNames(or.roles)).toEqual(['guard', 'exit']);
    expect(or.listTimeMs).toBe(JUNE1);
    expect(or.ageMs).toBe(0.5 * H);
    expect(or.validUntilMs).toBe(JUNE1 + 3 * H);
    expect(lookup(set, '162.247.72.201', 80, at)!.portMatch).toBe(PortMatch.Dir);
    expect(lookup(set, '162.247.72.201', 22, at)!.portMatch).toBe(PortMatch.None);
    const v6 = lookup(set, '2607:5300:60:1bd1::1', 9050, at)!;
    expect(v6).toMatchObject({ nickname: 'PancakeWhore', portMatch: PortMatch.OR });
    expect(lookup(set, '2607:5300:60:1bd1::1', 9001, at)!.portMatch).toBe(PortMatch.None);
    expect(lookup(set, '192.0.2.1', 9001, at)).toBeUndefined();
    expect(set.lastMiss).toBe(Miss.NotListed);
    expect(lookup(set, '2001:db8::1', 9001, at)).toBeUndefined();
  });

  it('several relays on one address: the one whose port matches describes it', async () => {
    const set = new RelaySet(await sources(CHUTNEY), { graceMs: 24 * H, maxAgeMs: 3 * H });
    const at = Date.UTC(2017, 4, 25, 4, 46, 40);
    expect(lookup(set, '127.0.0.1', 5001, at)).toMatchObject({ nickname: 'test001a', portMatch: PortMatch.OR, relaysAtAddress: 3 });
    expect(lookup(set, '127.0.0.1', 7000, at)).toMatchObject({ nickname: 'test000a', portMatch: PortMatch.Dir });
    const none = lookup(set, '127.0.0.1', 1234, at)!;
    expect(none.portMatch).toBe(PortMatch.None);
    // Roles are the union over every relay at the address.
    expect(roleNames(none.roles)).toEqual(['guard', 'exit', 'authority']);
  });

  it('undated lists apply at any time; their age is measured from the list time, stale beyond max age', async () => {
    const list = tempFile('relays.txt', '198.51.100.7\n2001:db8::/32\n192.0.2.0/24\n');
    const [src] = await sources(list);
    src.info.timeMs = Date.UTC(2026, 10, 23, 6);
    const set = new RelaySet([src], { graceMs: 24 * H, maxAgeMs: 3 * H });
    const fresh = lookup(set, '198.51.100.7', 443, Date.UTC(2026, 10, 23, 7))!;
    expect(fresh).toMatchObject({ dated: false, stale: false, ageMs: H, portMatch: PortMatch.None });
    expect(roleNames(fresh.roles)).toEqual(['relay']);
    expect(lookup(set, '198.51.100.7', 443, Date.UTC(2026, 10, 23, 12))!.stale).toBe(true);
    // A capture from long before the list: negative age, stale.
    const old = lookup(set, '198.51.100.7', 443, Date.UTC(2020, 0, 1))!;
    expect(old.ageMs).toBeLessThan(0);
    expect(old.stale).toBe(true);
    // CIDR blocks, both families.
    expect(lookup(set, '192.0.2.200', 1, Date.UTC(2026, 10, 23, 7))).toBeDefined();
    expect(lookup(set, '2001:db8:ffff::9', 1, Date.UTC(2026, 10, 23, 7))).toBeDefined();
    expect(lookup(set, '2001:db9::9', 1, Date.UTC(2026, 10, 23, 7))).toBeUndefined();
    expect(set.addressCounts).toEqual({ v4: 1, v6: 0, blocks: 2 });
  });

  it('several sources: roles are merged, the dated one describes, the others are named', async () => {
    const exits = tempFile('torbulkexitlist', '162.247.72.201\n');
    const set = new RelaySet(await sources(CONSENSUS_2018, exits), { graceMs: 24 * H, maxAgeMs: 3 * H });
    const seele = lookup(set, '67.161.31.147', 9001, JUNE1 + H)!;
    expect(roleNames(seele.roles)).toEqual(['middle']);
    const calyx = lookup(set, '162.247.72.201', 443, JUNE1 + H)!;
    expect(calyx.source.name).toBe(CONSENSUS_2018);
    expect(calyx.alsoListedBy).toEqual([exits]);
  });

  it('history: when and as what an address was listed', async () => {
    const set = new RelaySet(await sources(CONSENSUS_2018, join(DOODAD, 'exit-nodes.txt')), { graceMs: 24 * H, maxAgeMs: 3 * H });
    const a = parseAddress('162.247.72.201')!;
    const rows = set.history(a.version, a.words);
    expect(rows[0]).toMatchObject({ format: 'consensus', fromMs: JUNE1, toMs: JUNE1 + 3 * H, nickname: 'CalyxInstitute14', roles: ['guard', 'exit'], orPort: 443, dirPort: 80 });
  });
});

/** Dated consensuses made from the real 2018 one: header times moved, relays removed or added. */
function consensusAt(base: string, validAfter: Date, edit: (body: string) => string = (b) => b): string {
  const t = (d: Date): string => d.toISOString().slice(0, 19).replace('T', ' ');
  return edit(base)
    .replace(/^valid-after .*$/m, `valid-after ${t(validAfter)}`)
    .replace(/^fresh-until .*$/m, `fresh-until ${t(new Date(+validAfter + H))}`)
    .replace(/^valid-until .*$/m, `valid-until ${t(new Date(+validAfter + 3 * H))}`);
}

const collectorName = (d: Date): string => d.toISOString().slice(0, 19).replace(/[T:]/g, '-') + '-consensus';

describe('time-aware matching over dated snapshots (CollecTor directory layout)', () => {
  const base = readFileSync(CONSENSUS_2018, 'utf8');
  const dropCalyx = (b: string): string => b.replace(/^r CalyxInstitute14 [^\n]*\n(?:[^r][^\n]*\n)*/m, '');
  const addNew = (b: string): string => b.replace('directory-footer\n', 'r newrelay AAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBB 2018-06-01 00:30:00 192.0.2.77 9001 0\ns Fast Running Valid\ndirectory-footer\n');

  async function timeline(): Promise<RelaySet> {
    const dir = tempDir();
    const sub = join(dir, 'consensuses-2018-06', '01');
    mkdirSync(sub, { recursive: true });
    const h0 = new Date(JUNE1);
    const h1 = new Date(JUNE1 + H);
    const h5 = new Date(JUNE1 + 5 * H);
    writeFileSync(join(sub, collectorName(h0)), consensusAt(base, h0));
    writeFileSync(join(sub, collectorName(h1)), consensusAt(base, h1, (b) => addNew(dropCalyx(b))));
    writeFileSync(join(sub, collectorName(h5)), consensusAt(base, h5, dropCalyx));
    return new RelaySet(await sources(dir), { graceMs: 24 * H, maxAgeMs: 3 * H });
  }

  it('the snapshot valid at the flow time answers', async () => {
    const set = await timeline();
    expect(set.timeline.length).toBe(3);
    expect(lookup(set, '162.247.72.201', 443, JUNE1 + 0.5 * H)?.nickname).toBe('CalyxInstitute14');
    expect(lookup(set, '192.0.2.77', 9001, JUNE1 + 0.5 * H)).toBeUndefined();
    // From 01:00 Calyx is gone and the new relay is there.
    expect(lookup(set, '162.247.72.201', 443, JUNE1 + 1.5 * H)).toBeUndefined();
    expect(set.lastMiss).toBe(Miss.OutsideSnapshots);
    const n = lookup(set, '192.0.2.77', 9001, JUNE1 + 1.5 * H)!;
    expect(n).toMatchObject({ nickname: 'newrelay', stale: false, listTimeMs: JUNE1 + H, firstSeenMs: JUNE1 + H, lastSeenMs: JUNE1 + H });
    // Relays listed throughout: first and last seen span the snapshots.
    const seele = lookup(set, '67.161.31.147', 9001, JUNE1 + 5.5 * H)!;
    expect([seele.firstSeenMs, seele.lastSeenMs, seele.listTimeMs]).toEqual([JUNE1, JUNE1 + 5 * H, JUNE1 + 5 * H]);
  });

  it('between snapshots, past valid-until: the nearest earlier one within the grace period, marked stale', async () => {
    const set = await timeline();
    // 01:00's consensus is valid until 04:00; at 04:30 it is the latest one, stale.
    const m = lookup(set, '192.0.2.77', 9001, JUNE1 + 4.5 * H)!;
    expect(m).toMatchObject({ stale: true, listTimeMs: JUNE1 + H, validUntilMs: JUNE1 + 4 * H });
    // Past the grace period (05:00 snapshot valid until 08:00, + 24 h): nothing dated applies.
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 + 8 * H + 24 * H - 1)?.stale).toBe(true);
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 + 8 * H + 24 * H + 1)).toBeUndefined();
    expect(set.lastMiss).toBe(Miss.OutsideSnapshots);
    // Before the first snapshot: nothing.
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 - 1)).toBeUndefined();
    expect(set.lastMiss).toBe(Miss.OutsideSnapshots);
  });

  it('before the first snapshot: within the early grace it applies, marked early', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, collectorName(new Date(JUNE1))), base);
    const set = new RelaySet(await sources(dir), { graceMs: 24 * H, maxAgeMs: 3 * H, earlyGraceMs: H });
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 - 60_000)).toMatchObject({ early: true, stale: false, listTimeMs: JUNE1, ageMs: -60_000 });
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 + 60_000)).toMatchObject({ early: false });
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 - H - 1)).toBeUndefined();
    expect(set.timeline.select(JUNE1 - H)).toBe(0);
  });

  it('a shorter grace period', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, collectorName(new Date(JUNE1))), base);
    const set = new RelaySet(await sources(dir), { graceMs: H, maxAgeMs: 3 * H });
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 + 3.5 * H)?.stale).toBe(true);
    expect(lookup(set, '67.161.31.147', 9001, JUNE1 + 4.5 * H)).toBeUndefined();
  });

  it('a week of hourly snapshots costs one index entry per unchanged relay address', async () => {
    const dir = tempDir();
    for (let h = 0; h < 168; h++) writeFileSync(join(dir, collectorName(new Date(JUNE1 + h * H))), consensusAt(base, new Date(JUNE1 + h * H), h === 100 ? dropCalyx : undefined));
    const set = new RelaySet(await sources(dir), { graceMs: 24 * H, maxAgeMs: 3 * H });
    expect(set.timeline.length).toBe(168);
    const a = parseAddress('67.161.31.147')!;
    expect(set.history(a.version, a.words)).toHaveLength(1);
    const c = parseAddress('162.247.72.201')!;
    // Calyx was missing from hour 100: two runs.
    expect(set.history(c.version, c.words).map((r) => [r.fromMs, r.toMs])).toEqual([[JUNE1, JUNE1 + 99 * H + 3 * H], [JUNE1 + 101 * H, JUNE1 + 167 * H + 3 * H]]);
    expect(lookup(set, '162.247.72.201', 443, JUNE1 + 100.5 * H)).toBeUndefined();
    expect(lookup(set, '162.247.72.201', 443, JUNE1 + 101.5 * H)?.nickname).toBe('CalyxInstitute14');
  });

  it('the private-network capture\'s own consensuses: two snapshots a minute apart', async () => {
    const set = new RelaySet(await sources(join(PCAPS, 'tor-private-net.consensus')), { graceMs: 24 * H, maxAgeMs: 3 * H });
    expect(set.timeline.length).toBe(2);
    const [s0, s1] = set.timeline.snapshots;
    expect(s1.validAfterMs - s0.validAfterMs).toBe(60_000);
    expect(lookup(set, '203.0.113.31', 9001, s0.validAfterMs + 1000)?.listTimeMs).toBe(s0.validAfterMs);
    expect(lookup(set, '203.0.113.31', 9001, s1.validAfterMs + 1000)?.listTimeMs).toBe(s1.validAfterMs);
    expect(roleNames(lookup(set, '203.0.113.31', 9001, s1.validAfterMs)!.roles)).toEqual(['exit']);
  });
});
