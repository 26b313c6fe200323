import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { field, NO_AGGREGATION, PCAPS, runCli } from '../support/run-cli.js';

/**
 * Every regression capture in pcaps/ against its expected-alerts file (pcaps/expected/<file>.alerts.ndjson,
 * derived with tshark by scripts/pcaps/expected-alerts.py, not by torwatch). Compared as sets of the
 * keys the file gives; every other field is still checked against ECS by runCli. An empty file means
 * no alert of any rule. Replayed as a user would, without --relays: the relay snapshot torwatch ships is
 * in force (runCli gives every run an empty relay cache), so these runs also show that no real relay
 * matches the captures' documentation addresses (a capture that needs its own relay list names it in
 * expected/<file>.args).
 */
const captures = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
const expectedFile = (f: string): string => join(PCAPS, 'expected', `${f}.alerts.ndjson`);
/** Replay options a capture needs (e.g. its relay list), paths relative to pcaps/: expected/<file>.args. */
function replayArgs(f: string): string[] {
  const p = join(PCAPS, 'expected', `${f}.args`);
  if (!existsSync(p)) return [];
  const args = JSON.parse(readFileSync(p, 'utf8')) as string[];
  return args.map((a, i) => (i > 0 && args[i - 1] === '--relays' ? join(PCAPS, a) : a));
}

/** An alert (nested) or an expected line (flat dotted keys) reduced to the same keys. */
function project(doc: Record<string, unknown>, keys: string[], flat = false): string {
  return JSON.stringify(Object.fromEntries(keys.map((k) => [k, flat ? doc[k] : field(doc, k)])));
}

describe('regression captures give their expected alerts', () => {
  it('every capture has an expected-alerts file and a README line', () => {
    const readme = readFileSync(join(PCAPS, 'README.md'), 'utf8');
    for (const f of captures) {
      expect(existsSync(expectedFile(f)), `${f} has no expected-alerts file`).toBe(true);
      expect(readme.includes(f), `${f} has no line in pcaps/README.md`).toBe(true);
    }
  });

  for (const f of captures) {
    it(f, async () => {
      const want = readFileSync(expectedFile(f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
      // Expected files list detections per flow, so aggregation is off here (test/detect/aggregate covers it).
      const r = await runCli(['replay', ...NO_AGGREGATION, ...replayArgs(f), join(PCAPS, f)]);
      expect(r.code, r.stderr).toBe(0);
      // Every key any expected line names (rules carry different ones: labels.*, dns.question.name,
      // tls.client.server_name, destination.domain...); a key a line lacks must be absent. An empty
      // expected file means no alert of any rule.
      const keys = want.length ? [...new Set(want.flatMap((w) => Object.keys(w)))] : ['rule.id', 'source.ip', 'destination.ip', 'destination.port'];
      const got = r.alerts.map((a) => project(a, keys)).sort();
      expect(got).toEqual(want.map((w) => project(w, keys, true)).sort());
    });
  }
});
