/** Aggregation (suppression windows on the packet clock) and the per-rule rate limit, on Detection objects. */
import { describe, expect, it } from 'vitest';
import { Aggregator, msToTime, type AggregateSummary } from '../../../src/detect/aggregate/aggregator.js';
import { AlertBuilder } from '../../../src/alert/ecs-alert.js';
import { ruleById } from '../../../src/detect/catalog.js';
import type { Detection } from '../../../src/detect/detection.js';
import { Flow } from '../../../src/flow/flow.js';
import { parseIp } from '../../../src/util/ip.js';
import { ecsProblems } from '../../support/ecs-schema.js';

const T0 = 1_763_870_400;

function det(src: string, dst: string, dport: number, sport: number, sec: number, nsec = 0, opts: Partial<Detection> = {}): Detection {
  const s = parseIp(src)!;
  const d = parseIp(dst)!;
  const f = new Flow(sport, 0, s.version, 6, ...s.words, sport, ...d.words, dport, sec, nsec, sec * 1000 + nsec / 1e6);
  f.aHome = true;
  return { rule: ruleById('tor-port-private')!, flow: f, tsSec: sec, tsNsec: nsec, packet: 1, input: 'test.pcap', message: 'm', ...opts };
}

function harness(windowSec: number, ratePerMinute: number, maxKeys?: number) {
  const sent: Detection[] = [];
  const summaries: AggregateSummary[] = [];
  const warnings: Record<string, unknown>[] = [];
  const log = { warn: (o: Record<string, unknown>) => warnings.push(o), info: () => undefined, error: () => undefined, debug: () => undefined } as never;
  const agg = new Aggregator({ windowSec, ratePerMinute, maxKeys, emitAlert: (d) => (sent.push(d), `id-${sent.length}`), emitSummary: (s) => summaries.push(s), log });
  return { agg, sent, summaries, warnings };
}

describe('suppression windows', () => {
  it('first match at once, repeats counted, one summary when the window closes on the packet clock', () => {
    const h = harness(3600, 0);
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 40000, T0, 500));
    for (let i = 1; i <= 9; i++) h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 40000 + i, T0 + i * 60));
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 40000, T0 + 700)); // same port again
    expect(h.sent).toHaveLength(1);
    expect(h.summaries).toHaveLength(0);
    expect(h.agg.nextDeadlineMs).toBe(T0 * 1000 + 0.0005 + 3600_000);
    h.agg.advance((T0 + 3599) * 1000);
    expect(h.summaries).toHaveLength(0);
    h.agg.advance((T0 + 3600) * 1000 + 1);
    expect(h.summaries).toHaveLength(1);
    const s = h.summaries[0];
    expect(s).toMatchObject({ count: 11, suppressed: 10, firstSec: T0, firstNsec: 500, lastSec: T0 + 700, closeSec: T0 + 3600, closeNsec: 500, reason: 'window', firstAlertId: 'id-1', windowSec: 3600 });
    expect(s.sourcePorts).toEqual([40000, 40001, 40002, 40003, 40004, 40005, 40006, 40007, 40008, 40009]);
    expect(h.agg.nextDeadlineMs).toBe(Infinity);
    // After the window, the key starts over: the next match is a first match again.
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 41000, T0 + 4000));
    expect(h.sent).toHaveLength(2);
    expect(h.agg.stats()).toMatchObject({ sent: 2, suppressed: 10, summaries: 1 });
  });

  it('the key is (rule, source, destination, port): other ports, sources and destinations alert on their own', () => {
    const h = harness(3600, 0);
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 1, T0));
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9030, 2, T0));
    h.agg.onDetection(det('10.1.1.11', '198.51.100.5', 9001, 3, T0));
    h.agg.onDetection(det('10.1.1.10', '198.51.100.6', 9001, 4, T0));
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 5, T0 + 1));
    expect(h.sent).toHaveLength(4);
    expect(h.agg.stats().suppressed).toBe(1);
  });

  it('hostname rules also key on the name (a resolver is everyone\'s destination)', () => {
    const h = harness(3600, 0);
    const rule = ruleById('tor-hostname')!;
    h.agg.onDetection(det('10.1.1.10', '10.0.0.53', 53, 1, T0, 0, { rule, hostname: { name: 'a.onion', source: 'dns' } }));
    h.agg.onDetection(det('10.1.1.10', '10.0.0.53', 53, 2, T0, 0, { rule, hostname: { name: 'b.onion', source: 'dns' } }));
    h.agg.onDetection(det('10.1.1.10', '10.0.0.53', 53, 3, T0, 0, { rule, hostname: { name: 'A.onion', source: 'dns' } }));
    expect(h.sent.map((d) => d.hostname?.name)).toEqual(['a.onion', 'b.onion']);
  });

  it('end of input closes every open window at the packet clock; a key without repeats gives no summary', () => {
    const h = harness(3600, 0);
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 1, T0));
    h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 2, T0 + 5));
    h.agg.onDetection(det('10.1.1.12', '198.51.100.5', 9001, 3, T0 + 6));
    h.agg.finish((T0 + 10) * 1000 + 0.25);
    expect(h.summaries).toHaveLength(1);
    expect(h.summaries[0]).toMatchObject({ count: 2, reason: 'end', closeSec: T0 + 10, closeNsec: 250_000 });
  });

  it('window 0 turns aggregation off: every detection is sent', () => {
    const h = harness(0, 0);
    for (let i = 0; i < 5; i++) h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, i, T0 + i));
    h.agg.finish((T0 + 10) * 1000);
    expect(h.sent).toHaveLength(5);
    expect(h.summaries).toHaveLength(0);
  });

  it('a full key table closes its oldest window early (evicted), so memory stays bounded', () => {
    const h = harness(3600, 0, 2);
    h.agg.onDetection(det('10.1.1.1', '198.51.100.5', 9001, 1, T0));
    h.agg.onDetection(det('10.1.1.1', '198.51.100.5', 9001, 2, T0 + 1));
    h.agg.onDetection(det('10.1.1.2', '198.51.100.5', 9001, 3, T0 + 2));
    h.agg.onDetection(det('10.1.1.3', '198.51.100.5', 9001, 4, T0 + 3));
    expect(h.summaries).toHaveLength(1);
    expect(h.summaries[0]).toMatchObject({ reason: 'evicted', count: 2, closeSec: T0 + 3 });
    expect(h.agg.stats().evicted).toBe(1);
  });

  it('source ports are capped at 100 and say so', () => {
    const h = harness(3600, 0);
    for (let i = 0; i < 150; i++) h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 30000 + i, T0 + i));
    h.agg.finish((T0 + 200) * 1000);
    expect(h.summaries[0].sourcePorts).toHaveLength(100);
    expect(h.summaries[0].sourcePortsTruncated).toBe(true);
    expect(h.summaries[0].count).toBe(150);
  });
});

describe('rate limit', () => {
  it('at most n first matches per rule per minute of packet time; the rest held back, counted and logged', () => {
    const h = harness(3600, 100);
    for (let i = 0; i < 250; i++) h.agg.onDetection(det(`10.1.${i >> 8}.${i & 255}`, '198.51.100.5', 9001, 1, T0 + i * 0.1));
    expect(h.sent).toHaveLength(100);
    expect(h.agg.stats()).toMatchObject({ heldBack: { 'tor-port-private': 150 }, heldBackTotal: 150 });
    expect(h.warnings.some((w) => w.rule === 'tor-port-private' && w.limit === 100)).toBe(true);
    // The next minute opens a new window.
    h.agg.onDetection(det('10.9.9.9', '198.51.100.5', 9001, 1, T0 + 61));
    expect(h.sent).toHaveLength(101);
    expect(h.warnings.some((w) => w.heldBack === 150 && w.sent === 100)).toBe(true);
  });

  it('rules have their own budgets; 0 turns the limit off', () => {
    const h = harness(0, 2);
    const other = ruleById('tor-relay')!;
    for (let i = 0; i < 5; i++) {
      h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, i, T0));
      h.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, i, T0, 0, { rule: other }));
    }
    expect(h.sent.filter((d) => d.rule.id === 'tor-port-private')).toHaveLength(2);
    expect(h.sent.filter((d) => d.rule.id === 'tor-relay')).toHaveLength(2);
    const off = harness(0, 0);
    for (let i = 0; i < 500; i++) off.agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, i, T0));
    expect(off.sent).toHaveLength(500);
  });
});

describe('summary alert (ECS)', () => {
  it('is valid ECS, links to the first alert, carries first/last seen, count and ports, and has its own id', () => {
    const builder = new AlertBuilder({ observer: { hostname: 'sensor1', version: '0.1.0' }, eventIds: 'deterministic' });
    const sent: Record<string, unknown>[] = [];
    const agg = new Aggregator({
      windowSec: 3600, ratePerMinute: 0,
      emitAlert: (d) => (sent.push(builder.build(d)), builder.lastEventId),
      emitSummary: (s) => sent.push(builder.buildSummary(s)),
    });
    agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 40000, T0, 123456000, { labels: { tor_port: 'orport' } }));
    agg.onDetection(det('10.1.1.10', '198.51.100.5', 9001, 40001, T0 + 30, 5000));
    agg.finish((T0 + 60) * 1000);
    expect(sent).toHaveLength(2);
    const [first, sum] = sent as Record<string, Record<string, unknown>>[];
    expect(ecsProblems(sum)).toEqual([]);
    expect(sum['@timestamp']).toBe('2025-11-23T04:01:00.000000Z');
    expect(sum.event).toMatchObject({ kind: 'event', dataset: 'torwatch.summary', start: '2025-11-23T04:00:00.123456Z', end: '2025-11-23T04:00:30.000005Z', duration: 29_876_549_000 });
    expect(sum.event.id).not.toBe(first.event.id);
    expect(sum.source).toEqual({ ip: '10.1.1.10', address: '10.1.1.10' });
    expect(sum.destination).toMatchObject({ ip: '198.51.100.5', port: 9001 });
    expect(sum.network).toMatchObject({ transport: 'tcp', direction: 'outbound' });
    expect((sum.network as Record<string, unknown>).community_id).toBeUndefined();
    expect(sum.torwatch).toMatchObject({ aggregate: { count: 2, suppressed: 1, window: 3600, reason: 'end', first_event_id: first.event.id, source_ports: [40000, 40001] } });
    expect(sum.rule).toEqual(first.rule);
    expect(sum.message).toMatch(/^2 matches of tor-port-private from 10\.1\.1\.10 to 198\.51\.100\.5:9001/);
  });

  it('pipeline clock to time at microsecond precision', () => {
    expect(msToTime(1763870400123.456)).toEqual({ sec: 1763870400, nsec: 123456000 });
    expect(msToTime(1763870400999.9999)).toEqual({ sec: 1763870401, nsec: 0 });
  });
});
