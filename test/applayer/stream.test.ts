import { describe, expect, it } from 'vitest';
import { AppAnomaly } from '../../src/applayer/anomalies.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { MAX_PENDING, StreamState, TcpStream, type StreamSink } from '../../src/applayer/stream/reassembly.js';

/** A sink from a function (the session is the sink in the product). */
const fn = (f: (b: Uint8Array, o: number, n: number) => boolean): StreamSink => ({ streamData: (_d, b, o, n) => f(b, o, n) });

/** A stream of `data` cut into segments; feed them in a chosen order and collect what comes out. */
function run(data: Uint8Array, cuts: number[], order: number[], opts: { isn?: number; depth?: number; budget?: number; sinkStopsAfter?: number } = {}) {
  const isn = opts.isn ?? 1000;
  const budget = new MemoryBudget(opts.budget ?? 1 << 20);
  const s = new TcpStream(opts.depth ?? 65536, budget);
  s.syn(isn);
  const bounds = [0, ...cuts, data.length];
  const segs = bounds.slice(0, -1).map((b, i) => ({ seq: (isn + 1 + b) >>> 0, bytes: data.subarray(b, bounds[i + 1]) }));
  const got: number[] = [];
  const sink = fn((b, o, n) => {
    for (let i = 0; i < n; i++) got.push(b[o + i]);
    return opts.sinkStopsAfter === undefined || got.length < opts.sinkStopsAfter;
  });
  for (const i of order) s.segment(segs[i].seq, segs[i].bytes, 0, segs[i].bytes.length, sink);
  return { got: Uint8Array.from(got), s, budget };
}

const data = Uint8Array.from({ length: 100 }, (_, i) => i);

describe('TCP reassembly (src/applayer/stream/reassembly.ts)', () => {
  it('in order: delivered as it comes, without copies', () => {
    const r = run(data, [10, 50], [0, 1, 2]);
    expect(r.got).toEqual(data);
    expect(r.budget.peak).toBe(0);
  });

  it('reordered segments wait and are delivered in order; their memory comes back', () => {
    const r = run(data, [10, 50, 70], [2, 3, 1, 0]);
    expect(r.got).toEqual(data);
    expect(r.budget.peak).toBeGreaterThan(0);
    expect(r.budget.used).toBe(0);
  });

  it('retransmissions and overlaps: first copy wins, nothing twice', () => {
    const r = run(data, [10, 50], [0, 0, 1, 0, 1, 2, 2]);
    expect(r.got).toEqual(data);
    // An overlapping retransmission that carries some new bytes: only the new tail is delivered.
    const budget = new MemoryBudget(1 << 20);
    const s = new TcpStream(65536, budget);
    s.syn(0);
    const got: number[] = [];
    const sink = fn((b, o, n) => { for (let i = 0; i < n; i++) got.push(b[o + i]); return true; });
    s.segment(1, data.subarray(0, 20), 0, 20, sink);
    s.segment(11, data.subarray(10, 40), 0, 30, sink);
    expect(Uint8Array.from(got)).toEqual(data.subarray(0, 40));
  });

  it('overlapping out-of-order segments drain without duplicating bytes', () => {
    const budget = new MemoryBudget(1 << 20);
    const s = new TcpStream(65536, budget);
    s.syn(0);
    const got: number[] = [];
    const sink = fn((b, o, n) => { for (let i = 0; i < n; i++) got.push(b[o + i]); return true; });
    s.segment(41, data.subarray(40, 80), 0, 40, sink);
    s.segment(21, data.subarray(20, 60), 0, 40, sink);
    s.segment(1, data.subarray(0, 30), 0, 30, sink);
    expect(Uint8Array.from(got)).toEqual(data.subarray(0, 80));
  });

  it('sequence numbers wrap around 2^32', () => {
    const r = run(data, [10, 50], [1, 0, 2], { isn: 0xffffffd0 });
    expect(r.got).toEqual(data);
  });

  it('a hole the peer has acknowledged past is final: the stream gives up (stream.gap)', () => {
    const budget = new MemoryBudget(1 << 20);
    const s = new TcpStream(65536, budget);
    s.syn(0);
    const sink = fn(() => true);
    s.segment(1, data, 0, 10, sink);
    s.segment(21, data, 20, 10, sink); // 11..20 missing
    s.peerAck(11); // not beyond the hole
    expect(s.state).toBe(StreamState.ACTIVE);
    s.peerAck(31);
    expect(s.state).toBe(StreamState.FAILED);
    expect(s.failure).toBe(AppAnomaly['stream.gap']);
    expect(budget.used).toBe(0);
  });

  it(`more than ${MAX_PENDING} segments behind a hole: gives up (stream.reorder_overflow)`, () => {
    const s = new TcpStream(65536, new MemoryBudget(1 << 20));
    s.syn(0);
    for (let i = 0; i <= MAX_PENDING; i++) s.segment(1 + 10 + i * 2, data, 0, 1, fn(() => true));
    expect(s.state).toBe(StreamState.FAILED);
    expect(s.failure).toBe(AppAnomaly['stream.reorder_overflow']);
  });

  it('the memory budget refuses: gives up (stream.memcap)', () => {
    const r = run(data, [10, 50], [1], { budget: 8 });
    expect(r.s.state).toBe(StreamState.FAILED);
    expect(r.s.failure).toBe(AppAnomaly['stream.memcap']);
  });

  it('stops at the depth, and when the consumer has seen enough', () => {
    const r = run(data, [10, 50], [0, 1, 2], { depth: 30 });
    expect(r.got).toEqual(data.subarray(0, 30));
    expect(r.s.state).toBe(StreamState.DONE);
    const q = run(data, [10, 50], [0, 1, 2], { sinkStopsAfter: 5 });
    expect(q.got.length).toBe(10);
    expect(q.s.state).toBe(StreamState.DONE);
  });

  it('without a SYN the stream starts at the first data seen', () => {
    const s = new TcpStream(65536, new MemoryBudget(1 << 20));
    const got: number[] = [];
    const sink = fn((b, o, n) => { for (let i = 0; i < n; i++) got.push(b[o + i]); return true; });
    s.segment(5000, data, 0, 10, sink);
    s.segment(5010, data, 10, 10, sink);
    expect(Uint8Array.from(got)).toEqual(data.subarray(0, 20));
  });
});
