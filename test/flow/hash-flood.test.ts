/**
 * Issue 14 point 1: the flow table's hash is keyed with a per-process secret, and a bucket chain
 * never grows past MAX_CHAIN whatever the sender chose.
 */
import { describe, expect, it } from 'vitest';
import { Frame } from '../../src/capture/frame.js';
import { Packet } from '../../src/decode/packet.js';
import { flowHash4 } from '../../src/flow/flow-hash.js';
import { DEFAULT_TIMEOUTS, FlowTable, MAX_CHAIN } from '../../src/flow/table.js';
import { fmix } from '../../src/util/hash.js';

const DST = (198 << 24) | (51 << 16) | (100 << 8) | 9;

function udp(src: number, sport: number, sec: number): Packet {
  const f = new Frame();
  f.tsSec = sec;
  f.wirelen = 60;
  const p = new Packet();
  p.reset(f);
  p.ipVersion = 4;
  p.src[3] = src;
  p.dst[3] = DST;
  p.proto = 17;
  p.sport = sport;
  p.dport = 4000;
  return p;
}

describe('keyed flow hash', () => {
  it('is symmetric, and the old unkeyed inversion no longer lines flows up', () => {
    const a = (10 << 24) | 5;
    expect(flowHash4(a, 40000, DST, 4000, 17)).toBe(flowHash4(DST, 4000, a, 40000, 17));
    // The pre-issue-14 hash of (s, 1024) was fmix(s ^ k(1024)) mixed with the fixed destination: the
    // same bucket for s and fmix-preimages an attacker computes. Under the key, 64 sources picked so
    // their old hashes share 12 low bits spread over the buckets like random ones.
    const old = (s: number, sp: number): number => fmix((fmix(s ^ Math.imul(sp + 1, 0x9e3779b1)) ^ fmix(DST ^ Math.imul(4001, 0x9e3779b1))) + 17);
    const want = old((10 << 24) | 1, 1024) & 0xfff;
    const picked: number[] = [];
    for (let s = (10 << 24) | 1; picked.length < 64; s++) if ((old(s, 1024) & 0xfff) === want) picked.push(s);
    const buckets = new Set(picked.map((s) => flowHash4(s, 1024, DST, 4000, 17) & 0xfff));
    expect(buckets.size).toBeGreaterThan(56);
  });

  it('bounds a bucket chain at MAX_CHAIN, evicting its least recently active flow (counted)', () => {
    // A table of 1024 buckets; tuples whose keyed hash share the low 10 bits (found with this
    // process's own key, which only a broken key would let a sender do).
    const t = new FlowTable({ maxFlows: 1000, timeouts: DEFAULT_TIMEOUTS });
    const sources: number[] = [];
    const target = flowHash4((10 << 24) | 1, 5000, DST, 4000, 17) & 1023;
    for (let s = (10 << 24) | 1; sources.length < 3 * MAX_CHAIN; s++) if ((flowHash4(s, 5000, DST, 4000, 17) & 1023) === target) sources.push(s);
    sources.forEach((s, i) => t.lookup(udp(s, 5000, 1000 + i), (1000 + i) * 1000, () => false));
    expect(t.stats.longestChain).toBe(MAX_CHAIN);
    expect(t.stats.chainEvicted).toBe(2 * MAX_CHAIN);
    expect(t.size).toBe(MAX_CHAIN);
    // The newest MAX_CHAIN flows are the ones kept; looking one up finds it (not a new flow).
    t.lookup(udp(sources[sources.length - 1], 5000, 1050), 1_050_000, () => false);
    expect(t.isNew).toBe(false);
    t.lookup(udp(sources[0], 5000, 1050), 1_050_000, () => false);
    expect(t.isNew).toBe(true);
  });
});
