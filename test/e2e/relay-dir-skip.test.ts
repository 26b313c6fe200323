/**
 * Issue 15 point 3: a relay directory with READMEs, licences and other files loads: files that are not
 * relay lists are recognised by content, skipped, counted and named. Before, `relays show --relays
 * ../shared/data/tor/` stopped at "README.md: line 1: not valid JSON", exit 2.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { logLines, NO_AGGREGATION, PCAPS, runCli, SHARED } from '../support/run-cli.js';

const TOR = join(SHARED, 'data/tor');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('a relay directory with other files in it', () => {
  it('relays show --relays ../shared/data/tor/: every list read, the rest skipped by content and named', async () => {
    const r = await runCli(['relays', 'show', '--json', '--relays', TOR], { text: true });
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { sources: { name: string }[]; skipped: string[] };
    // Which files are lists is decided here from the data's own README (data/tor/README.md) and names:
    // READMEs, licences, the timestamp file and Tor Browser's pluggable-transport config are not.
    const notLists = filesUnder(TOR).filter((f) => /(README\.md|LICENSE|License\.md|Last-Checked-At|pt_config\.json)$/.test(f)).sort();
    expect([...j.skipped].sort()).toEqual(notLists);
    const lists = filesUnder(TOR).filter((f) => !notLists.includes(f)).sort();
    expect(j.sources.map((s) => s.name).sort()).toEqual(lists);
    const text = await runCli(['relays', 'show', '--relays', TOR], { text: true });
    expect(text.stdout).toContain(`skipped ${notLists.length} file(s) that are not relay lists: ${[...j.skipped].join(', ')}`);
  });

  it('replay with such a directory runs, and its log line counts and names the skipped files', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--relays', join(TOR, 'doodad-labs-tor-nodes'), join(PCAPS, 'tor-port-mix.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    const line = logLines(r.stderr).find((l) => l.msg === 'files that are not relay lists were skipped')!;
    expect(line).toMatchObject({ count: 2 });
    expect((line.skipped as string[]).map((f) => relative(join(TOR, 'doodad-labs-tor-nodes'), f)).sort()).toEqual(['2026-02-22T15-34Z/LICENSE', '2026-02-22T15-34Z/README.md']);
  });
});
