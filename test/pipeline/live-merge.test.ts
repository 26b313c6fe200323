import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppEvent, EventTime } from '../../src/applayer/events.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import type { Frame } from '../../src/capture/frame.js';
import { DEFAULT_TIMEOUTS } from '../../src/flow/table.js';
import type { Flow } from '../../src/flow/flow.js';
import { LiveMerge, type LiveBatch } from '../../src/pipeline/shard/live-merge.js';
import type { Pipeline } from '../../src/pipeline/pipeline.js';
import { ShardPipeline } from '../../src/pipeline/shard/worker-pipeline.js';
import { CidrSet } from '../../src/util/cidr.js';
import { PCAPS } from '../support/run-cli.js';

/**
 * The live merge point (src/pipeline/shard/live-merge.ts) on its own, with real worker pipelines:
 * a capture's frames are dealt to two live ShardPipelines by address pair (as the kernel fanout does),
 * their batches are handed to the merge point in the worst order (all of one worker's first), with the
 * claims the workers would make, and the calls reaching the detect engine are recorded. They must come
 * in packet-time order, each flow opened before its facts and ended after them, and the DNS answer in
 * one worker before the connection it names in the other (web-names.pcap: the resolver and the web
 * server are different address pairs).
 */

interface Call {
  kind: 'frame' | 'open' | 'event' | 'end';
  ms: number;
  flow?: number;
  what?: string;
}

/** Just what the merge point drives: the clock, counters, the input name and the detect engine's four calls. */
function recordingPipeline(calls: Call[]): Pipeline {
  const pl = {
    clockMs: -Infinity,
    counters: { packets: 0, bytes: 0, flowPackets: 0, timeBackwards: 0 },
    frameArrived(ms: number): void {
      if (ms < pl.clockMs) pl.counters.timeBackwards++;
      pl.clockMs = Math.max(pl.clockMs, ms);
      pl.counters.packets++;
      calls.push({ kind: 'frame', ms });
    },
    setInput(): void {},
    detect: {
      nowMs: 0,
      flowOpened(f: Flow): void {
        calls.push({ kind: 'open', ms: pl.clockMs, flow: f.id });
      },
      onPacket(): void {},
      onAppEvent(f: Flow, ev: AppEvent, _at: EventTime): void {
        calls.push({ kind: 'event', ms: pl.clockMs, flow: f.id, what: ev.kind });
      },
      onFlowEnd(f: Flow): void {
        calls.push({ kind: 'end', ms: pl.clockMs, flow: f.id });
      },
    },
  };
  return pl as unknown as Pipeline;
}

function worker(index: number): ShardPipeline {
  return new ShardPipeline({ index, workers: 2, key: [0, 0, 0], homeNet: CidrSet.parse(['10.0.0.0/8']), maxFlows: 1000, timeouts: { ...DEFAULT_TIMEOUTS }, live: true });
}

/** IPv4 address pair of an Ethernet frame, unordered (what the fanout program hashes). */
function pairOf(f: Frame): string {
  const b = f.buf.subarray(f.off, f.off + f.caplen);
  if (b.readUInt16BE(12) !== 0x0800) return 'other';
  const s = b.readUInt32BE(26);
  const d = b.readUInt32BE(30);
  return s < d ? `${s}-${d}` : `${d}-${s}`;
}

describe('the live merge point', () => {
  it('merges two workers in packet-time order, however their batches arrive', async () => {
    const workers = [worker(0), worker(1)];
    const batches: LiveBatch[][] = [[], []];
    const post = (w: number): void => {
      const p = workers[w];
      if (!p.pending) return;
      const t = p.take();
      batches[w].push({ hi: p.ordinal, recs: t.recs, events: t.events, frames: t.frames, claimMs: p.clockMs });
    };
    // Deal the frames by address pair, alternating pairs between the workers in order of appearance.
    const owner = new Map<string, number>();
    let n = 0;
    await readCaptureFile(join(PCAPS, 'web-names.pcap'), (f) => {
      const pair = pairOf(f);
      if (!owner.has(pair)) owner.set(pair, owner.size % 2);
      const w = owner.get(pair)!;
      workers[w].onFrame(f);
      if (++n % 7 === 0) post(w); // small batches, as a kernel block of a quiet link gives
    });
    for (const w of [0, 1]) {
      workers[w].finish();
      post(w);
    }
    expect(batches[0].length).toBeGreaterThan(1);
    expect(batches[1].length).toBeGreaterThan(1);

    const calls: Call[] = [];
    const merge = new LiveMerge(recordingPipeline(calls), 2);
    // Worst order: every batch of worker 1, then every batch of worker 0. Worker 0 has claimed
    // nothing yet, so nothing of worker 1's may be merged before worker 0's frames come.
    for (const b of batches[1]) merge.add(1, b);
    merge.pump();
    expect(calls.filter((c) => c.kind === 'frame').length).toBe(0);
    for (const b of batches[0]) {
      merge.add(0, b);
      merge.pump();
    }
    merge.finish();

    const frames = calls.filter((c) => c.kind === 'frame');
    expect(frames.length).toBe(n);
    for (let i = 1; i < frames.length; i++) expect(frames[i].ms).toBeGreaterThanOrEqual(frames[i - 1].ms);
    // Every flow opened once, its facts after the open, its end last; ids in creation (time) order.
    const opened = calls.filter((c) => c.kind === 'open').map((c) => c.flow!);
    expect(opened).toEqual([...opened].sort((a, b) => a - b));
    const seen = new Set<number>();
    const ended = new Set<number>();
    for (const c of calls) {
      if (c.kind === 'open') seen.add(c.flow!);
      if (c.kind === 'event') {
        expect(seen.has(c.flow!)).toBe(true);
        expect(ended.has(c.flow!)).toBe(false);
      }
      if (c.kind === 'end') ended.add(c.flow!);
    }
    expect(ended.size).toBe(seen.size);
    // The DNS answer (resolver pair) is heard before the connection to the address it named (web pair).
    const dns = calls.findIndex((c) => c.kind === 'event' && c.what === 'dns-answer');
    expect(dns).toBeGreaterThanOrEqual(0);
    const laterOpen = calls.findIndex((c, i) => i > dns && c.kind === 'open');
    expect(laterOpen).toBeGreaterThan(dns);
  });
});
