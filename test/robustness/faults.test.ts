/**
 * Faults around the sensor, and what the user sees for each (one line on stderr, the exit status, the
 * logs), with the last good state kept and nothing that was accepted lost:
 *  - the alert file's disk fills up (a 64 KiB tmpfs mounted here);
 *  - a directory it may not write (torwatch as nobody via setpriv; a read-only bind mount as root);
 *  - a relay URL (a server on loopback) that answers garbage, a huge body (declared, streamed, or a
 *    gzip bomb), trickles, or never answers: the size cap and the deadline hold, the cached copy is used;
 *  - the daemon's config replaced on SIGHUP by one that cannot be used (broken YAML, deleted file, a relay
 *    URL that hangs): capture goes on with the running configuration.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PCAPS, ROOT } from '../fuzz/lib/corpus.js';
import { logLines, runCli, type CliResult } from '../support/run-cli.js';
import { writeFlood } from './flood-capture.js';

const tmp = mkdtempSync(join(tmpdir(), 'tw7-faults-'));
chmodSync(tmp, 0o755);
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  rmSync(tmp, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

/** Lines of stderr a person reads (not the JSON log). */
function human(r: { stderr: string }): string[] {
  return r.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
}

function summaryOf(r: { stderr: string }): { outputs: Record<string, number | string>[]; alerts: { total: number } } {
  return logLines(r.stderr).find((l) => l.msg === 'run summary')!.summary as never;
}

function jsonLines(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  if (text.length) expect(text.endsWith('\n')).toBe(true);
  return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
}

// ------------------------------------------------------------------------------------- full disk

describe.skipIf(!isRoot)('the alert file\'s disk fills up', () => {
  const mnt = join(tmp, 'small-disk');
  const scan = join(tmp, 'scan.pcap');
  beforeAll(() => {
    mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0755', 'tw7-full', mnt]);
    mounts.push(mnt);
    // 2000 flows from private hosts to :9001, each an alert (aggregation off): about 3.5 MB of alerts.
    writeFlood(scan, { scanSyns: 2000, randomTuples: 0, startSec: 1_795_000_000, spanSec: 10, hidden: [], seed: 7 });
  });

  let first: CliResult;
  it('a replay into a full disk: whole lines only, the losses counted and said in one line; the other output gets everything', async () => {
    const full = join(mnt, 'alerts.ndjson');
    const elsewhere = join(tmp, 'alerts-elsewhere.ndjson');
    first = await runCli(['replay', '--suppress-window', '0', '--rate-limit', '0', '-o', full, '-o', elsewhere, scan], { timeoutMs: 60_000 });
    expect(first.code, first.stderr.slice(0, 2000)).toBe(0);
    const [fo, eo] = summaryOf(first).outputs;
    const inFile = jsonLines(full);
    // Every line in the file is a whole alert; the counts say exactly what is there and what is not.
    expect(inFile.length).toBeGreaterThan(10);
    expect(fo).toMatchObject({ target: full, written: inFile.length, failed: 2000 - inFile.length, error: 'ENOSPC: no space left on device' });
    expect(eo).toMatchObject({ written: 2000, failed: 0 });
    expect(jsonLines(elsewhere)).toHaveLength(2000);
    expect(human(first)).toEqual([`torwatch: ${full}: ${2000 - inFile.length} of 2000 alerts could not be written (ENOSPC: no space left on device)`]);
    expect(logLines(first.stderr).filter((l) => l.msg === 'alert file write failed; alerts lost').every((l) => l.code === 'ENOSPC')).toBe(true);
  });

  it('the next run on the still-full disk leaves the earlier alerts byte for byte as they were', async () => {
    const full = join(mnt, 'alerts.ndjson');
    const before = readFileSync(full);
    const r = await runCli(['replay', '--suppress-window', '0', '--rate-limit', '0', '-o', full, join(PCAPS, 'tor-port-mix.pcap')], { timeoutMs: 60_000 });
    expect(r.code).toBe(0);
    expect(readFileSync(full).equals(before)).toBe(true);
    expect(summaryOf(r).outputs[0]).toMatchObject({ written: 0, failed: 4 });
    expect(human(r)).toEqual([`torwatch: ${full}: 4 of 4 alerts could not be written (ENOSPC: no space left on device)`]);
  });
});
