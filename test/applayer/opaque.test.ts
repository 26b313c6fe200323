import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppCounters } from '../../src/applayer/anomalies.js';
import type { AppContext } from '../../src/applayer/context.js';
import type { AppEvent } from '../../src/applayer/events.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { OPAQUE_MAX_FLIGHTS, OpaqueStream } from '../../src/applayer/opaque/observer.js';
import { payloadStats } from '../../src/applayer/opaque/payload-stats.js';
import { DIR_DONE } from '../../src/applayer/parser.js';
import type { Flow } from '../../src/flow/flow.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('payloadStats: Wu et al. exemptions', () => {
  it('calls random bytes fully random (bits per byte near 4, no printable prefix or run)', () => {
    let random = 0;
    for (let i = 0; i < 200; i++) {
      const b = randomBytes(300);
      const s = payloadStats(b, 0, b.length);
      expect(s.bitsPerByte).toBeGreaterThan(3.4);
      expect(s.bitsPerByte).toBeLessThan(4.6);
      if (s.fullyRandom) random++;
    }
    // Ex2 exempts a random payload whose first six bytes happen to be printable: (95/256)^6 ~ 0.26%.
    expect(random).toBeGreaterThanOrEqual(197);
  });

  it('exempts an SSH banner, an HTTP-like line and plain text (Ex2, Ex3, Ex4)', () => {
    for (const t of ['SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n', 'HELLO world this is text', 'xx\x01\x02 0123456789012345678901234567']) {
      const s = payloadStats(text(t), 0, t.length);
      expect(s.fullyRandom, t).toBe(false);
    }
  });

  it('exempts low or high bit density (Ex1): zeros, 0xff', () => {
    expect(payloadStats(new Uint8Array(100), 0, 100)).toMatchObject({ bitsPerByte: 0, fullyRandom: false });
    expect(payloadStats(new Uint8Array(100).fill(0xff), 0, 100)).toMatchObject({ bitsPerByte: 8, fullyRandom: false });
  });

  it('measures a view without reading outside it', () => {
    const b = new Uint8Array(64).fill(0x41);
    b.set(randomBytes(32), 16);
    const s = payloadStats(b, 16, 32);
    expect(s.len).toBe(32);
    expect(s.printablePrefix).toBe(false);
  });
});

describe('OpaqueStream', () => {
  function harness() {
    const events: AppEvent[] = [];
    const ctx: AppContext = {
      counters: new AppCounters(), budget: new MemoryBudget(1 << 20), streamDepth: 65536,
      emit: (_f, ev) => events.push(ev), dns: () => undefined,
    };
    const obs = new OpaqueStream({} as Flow, ctx, () => 1);
    return { events, obs, d0: obs.direction(0), d1: obs.direction(1) };
  }

  it('records flights in turn and reports once, when both directions end', () => {
    const { events, d0, d1 } = harness();
    const c = randomBytes(300);
    expect(d0.push(c, 0, 200)).toBe(200);
    expect(d0.push(c, 200, 100)).toBe(100);
    expect(d1.push(randomBytes(150), 0, 150)).toBe(150);
    expect(d0.push(randomBytes(40), 0, 40)).toBe(40);
    d0.close();
    expect(events).toHaveLength(0);
    d1.close();
    d1.close();
    expect(events).toHaveLength(1);
    const ev = events[0] as Extract<AppEvent, { kind: 'opaque-stream' }>;
    expect(ev).toMatchObject({ firstDir: 0, flights: [300, 150, 40], bytes: [340, 150], synSeen: 1, complete: false });
    expect(ev.first[0]?.len).toBe(200);
    expect(ev.first[1]?.len).toBe(150);
  });

  it('stops after OPAQUE_MAX_FLIGHTS flights', () => {
    const { events, d0, d1 } = harness();
    const b = randomBytes(10);
    let last = 0;
    for (let i = 0; i <= OPAQUE_MAX_FLIGHTS; i++) last = (i % 2 === 0 ? d0 : d1).push(b, 0, 10);
    expect(last).toBe(DIR_DONE);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ complete: true, flights: new Array(OPAQUE_MAX_FLIGHTS).fill(10) });
  });
});
