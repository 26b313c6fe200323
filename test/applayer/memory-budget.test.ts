/**
 * Issue 14 point 2: the app-layer budget charges each flow and its source host, caps both, and makes
 * room by evicting the oldest holders (counted) instead of refusing a new flow.
 */
import { describe, expect, it } from 'vitest';
import { MemoryBudget } from '../../src/applayer/memory.js';

interface Owner { name: string; host: number }

function budget(limit: number, perFlow: number, perHost: number, evicted: string[]): MemoryBudget {
  const b: MemoryBudget = new MemoryBudget(limit, {
    perFlow,
    perHost,
    hostOf: (o) => (o as Owner).host,
    // What a real eviction does: the flow's parsers give back everything they hold.
    evict: (o) => {
      evicted.push((o as Owner).name);
      b.release(b.heldBy(o));
    },
  });
  return b;
}

function as<T>(b: MemoryBudget, o: Owner, f: () => T): T {
  const prev = b.enter(o);
  try {
    return f();
  } finally {
    b.enter(prev);
  }
}

describe('app-layer memory budget', () => {
  it('refuses a flow over its own cap, whatever the pool has left', () => {
    const b = budget(1000, 100, 1000, []);
    const f = { name: 'f', host: 1 };
    expect(as(b, f, () => b.reserve(60))).toBe(true);
    expect(as(b, f, () => b.reserve(60))).toBe(false);
    expect(b.flowCapRefusals).toBe(1);
    expect(b.heldBy(f)).toBe(60);
  });

  it('a host over its cap loses its own oldest flow first; other hosts are untouched', () => {
    const evicted: string[] = [];
    const b = budget(1000, 100, 250, evicted);
    const other = { name: 'other', host: 2 };
    as(b, other, () => b.reserve(100));
    const flows = [0, 1, 2].map((i) => ({ name: `h1-${i}`, host: 1 }));
    for (const f of flows.slice(0, 2)) expect(as(b, f, () => b.reserve(100))).toBe(true);
    // A third 100 would put host 1 at 300 > 250: its oldest flow goes.
    expect(as(b, flows[2], () => b.reserve(100))).toBe(true);
    expect(evicted).toEqual(['h1-0']);
    expect(b.heldBy(other)).toBe(100);
    expect(b.used).toBe(300);
  });

  it('a full pool evicts the oldest holders for a new flow instead of refusing it', () => {
    const evicted: string[] = [];
    const b = budget(1000, 100, 1000, evicted);
    const flood = Array.from({ length: 10 }, (_, i) => ({ name: `flood-${i}`, host: 10 + i }));
    for (const f of flood) expect(as(b, f, () => b.reserve(100))).toBe(true);
    expect(b.used).toBe(1000);
    const legit = { name: 'legit', host: 99 };
    expect(as(b, legit, () => b.reserve(150 - 100))).toBe(true);
    expect(as(b, legit, () => b.reserve(50))).toBe(true);
    expect(evicted).toEqual(['flood-0']);
    expect(b.evictions).toBe(1);
    expect(b.refusals).toBe(0);
    // Giving memory back and taking it again makes a flow young again.
    as(b, flood[1], () => b.release(100));
    as(b, flood[1], () => b.reserve(100));
    as(b, { name: 'next', host: 98 }, () => b.reserve(100));
    expect(evicted).toEqual(['flood-0', 'flood-2']);
  });

  it('without a flow entered (a parser tested alone) only the pool limit applies', () => {
    const b = new MemoryBudget(100);
    expect(b.reserve(100)).toBe(true);
    expect(b.reserve(1)).toBe(false);
    b.release(100);
    expect(b.used).toBe(0);
  });
});
