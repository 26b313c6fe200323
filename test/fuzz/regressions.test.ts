/**
 * Every input `npm run fuzz` ever found failing (test/fuzz/regressions/<hash>.pcap[ng], with
 * <hash>.json saying what failed and how it was made), replayed two ways:
 *  - in-process through the same harness the fuzzer uses (decode to syslog framing, with its checks:
 *    no exception, no stage-internal error, memory given back, valid bounded ECS, time budget);
 *  - through the real CLI with the same relay list, intel and exclusions: exit 0, or 2 with one
 *    line on stderr for a capture that is malformed; never a stack trace, never a hang.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file/open.js';
import type { Intel } from '../../src/intel/intel.js';
import { InputError } from '../../src/util/errors.js';
import { logLines, runCli } from '../support/run-cli.js';
import { fuzzIntel, PipelineHarness, writeFuzzIntel, type CaseFrame } from './lib/pipeline-harness.js';

const DIR = join(import.meta.dirname, 'regressions');
const files = readdirSync(DIR).filter((n) => /\.pcap(ng)?$/.test(n)).sort();
const tmp = mkdtempSync(join(tmpdir(), 'tw7-regressions-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let intel: Intel;
beforeAll(async () => {
  intel = await fuzzIntel();
});

/** Lines of stderr that are not the JSON log: what a person reads. */
export function humanLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));
}

describe('fuzz regressions', () => {
  it('each one has its note', () => {
    for (const f of files) {
      const note = JSON.parse(readFileSync(join(DIR, f.replace(/\.pcap(ng)?$/, '.json')), 'utf8')) as { problem: string[]; kind: string; source: string };
      expect(note.problem.length, f).toBeGreaterThan(0);
      expect(note.source, f).toBeTruthy();
    }
  });

  for (const f of files) {
    it(`${f}: in-process, the fuzz harness finds nothing wrong`, async () => {
      const frames: CaseFrame[] = [];
      try {
        await readCaptureFile(join(DIR, f), (fr) => frames.push({ bytes: Uint8Array.from(fr.buf.subarray(fr.off, fr.off + fr.caplen)), linktype: fr.linktype, tsSec: fr.tsSec, tsNsec: fr.tsNsec, wirelen: fr.wirelen }));
      } catch (err) {
        expect(err).toBeInstanceOf(InputError);
      }
      const o = new PipelineHarness(intel).run(frames);
      expect(o.problems).toEqual([]);
    });

    it(`${f}: the CLI exits 0 or 2 with one line, no stack trace`, async () => {
      const fi = writeFuzzIntel(mkdtempSync(join(tmp, 'intel-')));
      const r = await runCli(['replay', ...fi.args, join(DIR, f)], { timeoutMs: 30_000 });
      const human = humanLines(r.stderr);
      expect([0, 2], r.stderr.slice(0, 2000)).toContain(r.code);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      if (r.code === 2) {
        expect(human).toHaveLength(1);
        expect(human[0]).toMatch(/^torwatch: /);
      } else expect(human).toEqual([]);
      const summary = logLines(r.stderr).find((l) => l.msg === 'run summary')?.summary as { anomalies: Record<string, number> } | undefined;
      expect(summary).toBeDefined();
      expect(Object.keys(summary!.anomalies).filter((k) => k.endsWith('internal_error'))).toEqual([]);
    });
  }
});
