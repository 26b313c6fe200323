/**
 * A bare app-layer context and flow for the BitTorrent parser tests: events collected, a real memory
 * budget (tests check that every byte reserved is given back), a clock parsers can stamp facts with.
 */
import { AppCounters } from '../../src/applayer/anomalies.js';
import type { AppContext } from '../../src/applayer/context.js';
import type { AppEvent, EventTime } from '../../src/applayer/events.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { Flow } from '../../src/flow/flow.js';

export interface Harness {
  ctx: AppContext;
  events: AppEvent[];
  budget: MemoryBudget;
  counters: AppCounters;
  at: EventTime;
  flow: Flow;
}

export function harness(opts: { v6?: boolean; proto?: number; memcap?: number } = {}): Harness {
  const events: AppEvent[] = [];
  const budget = new MemoryBudget(opts.memcap ?? 1 << 20);
  const counters = new AppCounters();
  const at: EventTime = { tsSec: 1_700_000_000, tsNsec: 0, packet: 1 };
  const ctx: AppContext = { counters, budget, streamDepth: 65536, at, emit: (_f, ev) => events.push(JSON.parse(JSON.stringify(ev)) as AppEvent), dns: () => undefined };
  const flow = opts.v6
    ? new Flow(1, 0, 6, opts.proto ?? 17, 0xfd000001, 0, 0, 0x12, 6881, 0x20010db8, 0, 0, 0x61, 51413, 1_700_000_000, 0, 1_700_000_000_000)
    : new Flow(1, 0, 4, opts.proto ?? 17, 0, 0, 0, 0x0a01010a, 6881, 0, 0, 0, 0xc6336409, 51413, 1_700_000_000, 0, 1_700_000_000_000);
  return { ctx, events, budget, counters, at, flow };
}

export const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

export function concat(...parts: (Uint8Array | string | number[])[]): Uint8Array {
  const bs = parts.map((p) => (typeof p === 'string' ? bytes(p) : p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of bs) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

export function u32be(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

export function u16be(n: number): number[] {
  return [(n >>> 8) & 255, n & 255];
}

/** A BEP 3 handshake: reserved bits (ltep, dht, fast), info_hash and peer_id as given. */
export function handshake(infoHash: Uint8Array, peerId: string, reserved = [0, 0, 0, 0, 0, 0x10, 0, 0x05]): Uint8Array {
  return concat([0x13], 'BitTorrent protocol', reserved, infoHash, peerId);
}

/** A peer-wire message: length prefix, id, payload. */
export function message(id: number, payload: Uint8Array | number[] = []): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : Uint8Array.from(payload);
  return concat(u32be(p.length + 1), [id], p);
}

/** A uTP packet (BEP 29): 20-byte header, no extension, then the payload. */
export function utp(type: number, connId: number, seq: number, ack: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concat([(type << 4) | 1, 0], u16be(connId), u32be(1000), u32be(0), u32be(65536), u16be(seq), u16be(ack), payload);
}
