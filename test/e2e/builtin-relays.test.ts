/**
 * Issue 15 point 1: a relay set ships with torwatch. Without --relays (and with nothing in the relay
 * cache) tor-relay and tor-exit use the snapshot built from ../shared/data/tor/ling0x-tor-nodes (the
 * Onionoo-derived CSVs of 2026-02-28), every alert that uses it says so and how old it was, an old
 * snapshot draws a warning, `--relays none` turns it off, and `relays import` installs carried-in lists
 * into the cache, which then replaces it. The expected relays are read here from the CSVs themselves,
 * not from torwatch's snapshot. Before: no relay set at all ("no relay list (--relays): tor-relay and
 * tor-exit cannot fire", and `relays show` exited 2).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cat, eth, ipv4, tcp } from '../decode/build.js';
import { pcapOf } from '../support/pcap-writer.js';
import { field, logLines, NO_AGGREGATION, ROOT, runCli, SHARED } from '../support/run-cli.js';

const LING0X = join(SHARED, 'data/tor/ling0x-tor-nodes/2026-02-28T06-05Z');
const rows = (f: string): [string, string, number][] => readFileSync(join(LING0X, f), 'utf8').trim().split('\n').slice(1).map((l) => {
  const [fp, ip, port] = l.split(',');
  return [fp, ip, Number(port)];
});
const all = rows('latest.all.csv');
const exits = new Set(rows('latest.exits.csv').map((r) => r[0]));
const guards = new Set(rows('latest.guards.csv').map((r) => r[0]));
const v4 = (r: [string, string, number]): boolean => !r[1].includes(':');
const exitRelay = all.find((r) => v4(r) && exits.has(r[0]))!;
const middleRelay = all.find((r) => v4(r) && !exits.has(r[0]) && !guards.has(r[0]))!;
const LIST_TIME = Date.parse('2026-02-28T06:05:14Z');
const T = Date.parse('2026-11-23T07:00:00Z') / 1000;

let dir: string;
let capture: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ux-builtin-'));
  // 10.0.0.5 opens a TCP connection to the exit's ORPort and one to the middle relay's ORPort (SYNs only; a file, never sent).
  const syn = (dst: string, dport: number, sport: number): Buffer => eth(0x0800, ipv4({ src: '10.0.0.5', dst }, tcp({ sport, dport, flags: 0x02 })));
  capture = join(dir, 'to-relays.pcap');
  writeFileSync(capture, pcapOf([{ ts: T, data: syn(exitRelay[1], exitRelay[2], 40001) }, { ts: T + 1, data: syn(middleRelay[1], middleRelay[2], 40002) }]));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built-in relay snapshot', () => {
  it('`relays show` with nothing given or cached shows it: the CSVs\' relays, exits and guards, dated 2026-02-28', async () => {
    const r = await runCli(['relays', 'show', '--json'], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { sources: { name: string; format: string; time: string; builtin: boolean; relays: number; roles: Record<string, number> }[] };
    expect(j.sources).toHaveLength(1);
    const s = j.sources[0];
    expect(s).toMatchObject({ name: 'built-in relay snapshot 2026-02-28', format: 'onionoo', time: '2026-02-28T06:05:14Z', builtin: true });
    expect(s.relays).toBe(new Set(all.map((x) => x[0])).size);
    expect(s.roles.exit).toBe(exits.size);
    expect(s.roles.guard).toBe(guards.size);
    const text = await runCli(['relays', 'show'], { text: true });
    expect(text.stdout).toMatch(/this is the snapshot shipped with torwatch \(2026-02-28, \d+ days old\)/);
  });

  it('replay without --relays: tor-relay and tor-exit fire on real relays, each alert saying the snapshot and its age; an old snapshot is a warning', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--rules', 'tor-relay,tor-exit', capture]);
    expect(r.code, r.stderr).toBe(0);
    const got = r.alerts.map((a) => `${field(a, 'rule.id')} ${field(a, 'destination.ip')}`).sort();
    expect(got).toEqual([`tor-exit ${exitRelay[1]}`, `tor-relay ${exitRelay[1]}`, `tor-relay ${middleRelay[1]}`].sort());
    for (const a of r.alerts) {
      const ind = (field(a, 'torwatch.indicators') as Record<string, unknown>[])[0];
      const at = Date.parse(String(field(a, 'event.start')));
      expect(ind).toMatchObject({ kind: 'tor-relay', builtin_snapshot: true, source: 'built-in relay snapshot 2026-02-28', list_time: '2026-02-28T06:05:14.000Z', list_age_s: Math.round((at - LIST_TIME) / 1000), stale: true });
      const days = Math.round((at - LIST_TIME) / 86_400_000);
      expect(String(field(a, 'message'))).toContain(`torwatch's built-in snapshot of 2026-02-28, ${days} days before this traffic]`);
      expect((field(a, 'threat.enrichments') as { indicator: { modified_at: string; reference: string } }[])[0].indicator).toMatchObject({ modified_at: '2026-02-28T06:05:14.000Z', reference: `https://metrics.torproject.org/rs.html#details/${String(ind.fingerprint)}` });
    }
    const relay = r.alerts.find((a) => field(a, 'destination.ip') === middleRelay[1])!;
    expect(field(relay, 'labels')).toMatchObject({ tor_relay_roles: 'middle', tor_port_match: 'orport', tor_relay_list: 'stale' });
    const warn = logLines(r.stderr).find((l) => l.level === 40 && String(l.msg).includes('relay snapshot shipped with torwatch'));
    expect(warn).toMatchObject({ snapshot: 'built-in relay snapshot 2026-02-28', listTime: '2026-02-28T06:05:14.000Z' });
    expect(String(warn!.msg)).toMatch(/relays update.*relays import/);
  });

  it('--relays none: no relay set, as before the snapshot shipped', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--rules', 'tor-relay,tor-exit', '--relays', 'none', capture]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts).toEqual([]);
    const mixed = await runCli(['replay', '--relays', 'none', '--relays', capture, capture]);
    expect([mixed.code, mixed.stderr.trim()]).toEqual([2, "torwatch: --relays: 'none' (no relay set) cannot be combined with relay lists (a file named none: ./none)"]);
  });
});

describe('relays import (air-gapped sensors)', () => {
  it('installs a directory\'s relay lists into the cache, naming what it skipped; runs without --relays then use them instead of the snapshot', async () => {
    const cache = join(dir, 'cache');
    const src = join(SHARED, 'data/tor/doodad-labs-tor-nodes/2026-02-22T15-34Z');
    const env = { XDG_CACHE_HOME: cache };
    const r = await runCli(['relays', 'import', src], { text: true, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^FILE +FORMAT +LIST TIME +RELAYS/m);
    for (const f of ['exit-nodes.txt', 'guard-nodes.txt', 'relay-nodes.json', 'relay-nodes.txt']) expect(r.stdout).toContain(join(src, f));
    expect(r.stdout).toContain(`skipped 2 file(s) that are not relay lists: ${join(src, 'LICENSE')}, ${join(src, 'README.md')}`);
    expect(r.stdout).toContain(`imported 4 list(s) into ${join(cache, 'torwatch')}`);

    const show = JSON.parse((await runCli(['relays', 'show', '--json'], { text: true, env })).stdout) as { sources: { name: string; builtin?: boolean; importedAt?: string }[] };
    expect(show.sources.map((s) => s.name).sort()).toEqual(['exit-nodes.txt', 'guard-nodes.txt', 'relay-nodes.json', 'relay-nodes.txt'].map((f) => join(src, f)));
    expect(show.sources.every((s) => !s.builtin && s.importedAt !== undefined)).toBe(true);

    // The exit relay of 2026-02-28 was in the 2026-02-22 lists too; alerts now name the imported list.
    const exits22 = readFileSync(join(src, 'exit-nodes.txt'), 'utf8').split('\n');
    expect(exits22).toContain(exitRelay[1]);
    const rep = await runCli(['replay', ...NO_AGGREGATION, '--rules', 'tor-relay,tor-exit', capture], { env });
    const exitAlert = rep.alerts.find((a) => field(a, 'rule.id') === 'tor-exit')!;
    const ind = (field(exitAlert, 'torwatch.indicators') as Record<string, unknown>[])[0];
    expect(ind.source).toBe(join(src, 'exit-nodes.txt'));
    expect(ind.builtin_snapshot).toBeUndefined();
    expect(ind.imported_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(logLines(rep.stderr).some((l) => String(l.msg).includes('relay snapshot shipped with torwatch'))).toBe(false);
  });

  it('a file that is not a relay list is refused with one line naming it and its first line; the cache is left as it was', async () => {
    const cache = join(dir, 'cache2');
    const readme = join(SHARED, 'data/tor/README.md');
    const r = await runCli(['relays', 'import', readme], { text: true, env: { XDG_CACHE_HOME: cache } });
    expect([r.code, r.stderr.trim()]).toEqual([2, `torwatch: ${readme}: not a relay list torwatch knows (consensus, microdesc consensus, Onionoo details, TorDNSEL exit list, bulk exit list, relay CSV, address list); it starts with '# Real Tor relay-set snapshots'`]);
    const show = JSON.parse((await runCli(['relays', 'show', '--json'], { text: true, env: { XDG_CACHE_HOME: cache } })).stdout) as { sources: { builtin?: boolean }[] };
    expect(show.sources.map((s) => s.builtin)).toEqual([true]);
  });
});

describe('the snapshot is rebuilt by its script from the shared data', () => {
  it('scripts/relays/build-snapshot.mjs gives the committed file\'s content (data/relays/README.md has the command)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { gunzipSync } = await import('node:zlib');
    const out = join(dir, 'rebuilt.json.gz');
    execFileSync(process.execPath, [join(ROOT, 'scripts/relays/build-snapshot.mjs'), '--from', LING0X, '--published', '2026-02-28 06:05:14', '--out', out], { encoding: 'utf8' });
    expect(gunzipSync(readFileSync(out)).equals(gunzipSync(readFileSync(join(ROOT, 'data/relays/snapshot.json.gz'))))).toBe(true);
    expect(readFileSync(join(ROOT, 'data/relays/README.md'), 'utf8')).toContain("node scripts/relays/build-snapshot.mjs --from ../shared/data/tor/ling0x-tor-nodes/2026-02-28T06-05Z --published '2026-02-28 06:05:14'");
  });
});
