/**
 * Property tests of the transport parsers and lists, on random bytes and on mutations of real ones:
 *
 *  - STUN messages and the WebRTC session (STUN and DTLS demultiplexed on one flow, DTLS ClientHello
 *    reassembly and parsing), seeded from the datagrams of pcaps/snowflake.pcap (snowflake-client,
 *    snowflake-proxy and coturn): a result or nothing, never an exception; nothing read outside the
 *    datagram; STUN SOFTWARE and DTLS names bounded; at most a few events per flow; every byte taken
 *    from the memory budget given back;
 *  - bridge lines and --bridges files, seeded from the built-in list and the lab's bridge lines: a
 *    parsed line or an error phrase; a file loads or fails with one InputError naming file and line.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppCounters } from '../../src/applayer/anomalies.js';
import type { AppContext } from '../../src/applayer/context.js';
import type { AppEvent } from '../../src/applayer/events.js';
import { MemoryBudget } from '../../src/applayer/memory.js';
import { isStun, parseStun, SOFTWARE_MAX } from '../../src/applayer/stun/message.js';
import { WebRtcSession } from '../../src/applayer/webrtc/session.js';
import type { Flow } from '../../src/flow/flow.js';
import { parseBridgeLine } from '../../src/intel/bridges/bridge-line.js';
import { BUILTIN_BRIDGES } from '../../src/intel/bridges/builtin.js';
import { loadBridges } from '../../src/intel/bridges/load.js';
import { InputError } from '../../src/util/errors.js';
import { CALL_BUDGET_MS, hostileBytes, mutatedFrom, params } from './lib/arb.js';
import { loadFrames, PCAPS, segments } from './lib/corpus.js';

let datagrams: Uint8Array[] = [];
beforeAll(async () => {
  datagrams = segments(await loadFrames(join(PCAPS, 'snowflake.pcap'))).filter((s) => s.proto === 17 && s.payload.length && s.sport !== 53 && s.dport !== 53).map((s) => s.payload);
});
const dir = mkdtempSync(join(tmpdir(), 'tw-transport-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('STUN and WebRTC flows', () => {
  it('isStun/parseStun: a message or nothing, the same whatever surrounds it; SOFTWARE bounded', () => {
    fc.assert(
      fc.property(hostileBytes(datagrams), (bytes) => {
        const seen: string[] = [];
        for (const fill of [0x00, 0x21]) {
          const buf = new Uint8Array(bytes.length + 32).fill(fill);
          buf.set(bytes, 5);
          const t0 = performance.now();
          const m = isStun(buf, 5, bytes.length) ? parseStun(buf, 5, bytes.length) : undefined;
          expect(performance.now() - t0).toBeLessThan(CALL_BUDGET_MS);
          if (m?.software !== undefined) expect(m.software.length).toBeLessThanOrEqual(SOFTWARE_MAX * 4 + '[truncated]'.length);
          seen.push(JSON.stringify(m) ?? 'undefined');
        }
        expect(seen[1]).toBe(seen[0]);
      }),
      params(4000),
    );
  });

  it('a WebRTC session over a sequence of hostile datagrams: no exception, few events, memory given back', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(hostileBytes(datagrams, 1500), fc.nat({ max: 1 })), { maxLength: 40 }), (seq) => {
        const events: AppEvent[] = [];
        const budget = new MemoryBudget(64 * 1024);
        const ctx: AppContext = { counters: new AppCounters(), budget, streamDepth: 65536, emit: (_f, ev) => events.push(ev), dns: () => undefined };
        const s = new WebRtcSession({} as Flow, ctx);
        for (const [d, dir] of seq) s.datagram(d, 0, d.length, dir);
        s.finish();
        expect(budget.used).toBe(0);
        expect(events.filter((e) => e.kind === 'stun-message').length).toBeLessThanOrEqual(6);
        expect(events.filter((e) => e.kind === 'dtls-client-hello').length).toBeLessThanOrEqual(1);
        expect(events.filter((e) => e.kind === 'dtls-server-hello').length).toBeLessThanOrEqual(1);
        for (const e of events) {
          if (e.kind === 'dtls-client-hello') {
            expect(e.ciphers.length).toBeLessThanOrEqual(512);
            if (e.sni !== undefined) expect(e.sni.length).toBeLessThanOrEqual(253 + '[truncated]'.length);
            expect(e.ja4).toMatch(/^d\w{2}[di]\d{4}\w{2}_[0-9a-f]{12}_[0-9a-f]{12}$/);
          }
        }
      }),
      params(1500),
    );
  });
});

describe('bridge lines and --bridges files', () => {
  const realLines = [...BUILTIN_BRIDGES.map((b) => b.line), ...readFileSync(join(PCAPS, 'expected/obfs4-bridges.pcap.bridges'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))];
  const seeds = realLines.map((l) => new TextEncoder().encode(l));

  it('parseBridgeLine: a line (bounded arguments, a real port) or an error phrase, never an exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), mutatedFrom(seeds).map((m) => Buffer.from(m.bytes).toString('latin1'))), (text) => {
        if (text.trim() === '') return;
        const r = parseBridgeLine(text);
        if (typeof r === 'string') return;
        expect(r.port).toBeGreaterThan(0);
        expect(r.port).toBeLessThan(65536);
        expect(Object.keys(r.args).length).toBeLessThanOrEqual(64);
        expect(r.transport).toMatch(/^[a-z_][a-z0-9_]*$/);
      }),
      params(4000),
    );
  });

  it('a --bridges file of mutated lines: loads, or one InputError naming the file and a line', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.array(mutatedFrom(seeds), { minLength: 1, maxLength: 8 }), (lines) => {
        const f = join(dir, `b${n++}.txt`);
        writeFileSync(f, lines.map((m) => Buffer.from(m.bytes).toString('latin1').replace(/[\r\n]/g, ' ')).join('\n'));
        try {
          loadBridges([f]);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          expect((err as InputError).message).toMatch(new RegExp(`^${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: line \\d+: `));
          expect((err as Error).message).not.toContain('\n');
        }
      }),
      params(600),
    );
  });
});
