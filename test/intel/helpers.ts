import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SHARED } from '../support/run-cli.js';

export const TOR = join(SHARED, 'data', 'tor');
export const STEM = join(TOR, 'stem-collector-samples');
export const CONSENSUS_2018 = join(STEM, '2018-06-01-00-00-00-consensus');
export const MICRODESC_2019 = join(STEM, '2019-05-01-01-00-00-consensus-microdesc');
export const CHUTNEY = join(STEM, 'cached-consensus-chutney-testnet');
export const CRLF = join(STEM, 'cached-microdesc-consensus_with_carriage_returns');
export const TORDNSEL = join(STEM, 'exit-list-2018-11-01-00-02-01');
export const SECOPS = join(TOR, 'secops-tor-ip-addresses', '2024-02-27T03-57Z');
export const DOODAD = join(TOR, 'doodad-labs-tor-nodes', '2026-02-22T15-34Z');
export const LING0X = join(TOR, 'ling0x-tor-nodes', '2026-02-28T06-05Z');

/** A logger that keeps what was logged, for assertions. */
export function memoryLogger(): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { log, lines };
}

/** Count with an independent tool: `grep -c PATTERN FILE` (0 when nothing matches). */
export function grepCount(pattern: string, file: string, ...flags: string[]): number {
  try {
    return Number(execFileSync('grep', ['-c', ...flags, '-e', pattern, file]).toString().trim());
  } catch (err) {
    const e = err as { status?: number; stdout?: Buffer };
    if (e.status === 1) return 0;
    throw err;
  }
}

/** Distinct values from a shell pipeline (independent of torwatch's parsers). */
export function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd]).toString().trim();
}

export function tempDir(prefix = 'tw3-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Write a text file in a fresh temp dir and return its path. */
export function tempFile(name: string, text: string | Buffer): string {
  const p = join(tempDir(), name);
  writeFileSync(p, text);
  return p;
}
