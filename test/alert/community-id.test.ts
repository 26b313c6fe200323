import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { communityId } from '../../src/alert/community-id.js';
import { parseIp } from '../../src/util/ip.js';

// The spec's own baseline vectors (corelight/community-id-spec): every tuple, three configurations.
const BASE = new URL('../../../shared/data/community-id/baseline/', import.meta.url);

interface Vector { proto: number; saddr: string; daddr: string; sport?: number; dport?: number; communityid: string }

function load(name: string): Vector[] {
  return JSON.parse(readFileSync(new URL(name, BASE), 'utf8')) as Vector[];
}

function run(v: Vector, seed: number, b64: boolean): string {
  const s = parseIp(v.saddr)!;
  const d = parseIp(v.daddr)!;
  return communityId({ version: s.version, src: s.words, dst: d.words, proto: v.proto, sport: v.sport ?? 0, dport: v.dport ?? 0 }, seed, b64);
}

describe('Community ID v1 against the spec baseline', () => {
  for (const [file, seed, b64] of [['baseline_deflt.json', 0, true], ['baseline_seed1.json', 1, true], ['baseline_nob64.json', 0, false]] as const) {
    it(`${file}: every vector`, () => {
      const vectors = load(file);
      expect(vectors.length).toBeGreaterThan(20);
      const wrong = vectors.filter((v) => run(v, seed, b64) !== v.communityid).map((v) => `${v.proto} ${v.saddr}:${v.sport} ${v.daddr}:${v.dport} want ${v.communityid} got ${run(v, seed, b64)}`);
      expect(wrong).toEqual([]);
    });
  }

  it('is the same in both directions', () => {
    const a = parseIp('10.0.0.1')!;
    const b = parseIp('127.0.0.1')!;
    const x = communityId({ version: 4, src: a.words, dst: b.words, proto: 6, sport: 1234, dport: 80 });
    const y = communityId({ version: 4, src: b.words, dst: a.words, proto: 6, sport: 80, dport: 1234 });
    expect(x).toBe(y);
    expect(x).toMatch(/^1:[A-Za-z0-9+/]{27}=$/);
  });
});
