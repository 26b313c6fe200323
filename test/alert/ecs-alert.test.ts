import { describe, expect, it } from 'vitest';
import { AlertBuilder, ECS_VERSION } from '../../src/alert/ecs-alert.js';
import { isoTime } from '../../src/alert/timestamp.js';
import { ruleById } from '../../src/detect/catalog.js';
import { Flow } from '../../src/flow/flow.js';
import { parseIp } from '../../src/util/ip.js';
import { ecsProblems, ecsVersion } from '../support/ecs-schema.js';

function flow(src: string, dst: string): Flow {
  const s = parseIp(src)!;
  const d = parseIp(dst)!;
  const f = new Flow(7, 0, s.version, 6, ...s.words, 51514, ...d.words, 9001, 1700000000, 123456000, 0);
  f.aHome = true;
  f.pktsAB = 3;
  f.bytesAB = 180;
  f.lastSec = 1700000001;
  f.lastNsec = 5000;
  return f;
}

const builder = new AlertBuilder({ observer: { hostname: 'sensor1', version: '0.1.0' }, eventIds: 'deterministic' });

describe('ECS alert builder', () => {
  it('declares the ECS version of the shared field list', () => {
    expect(ECS_VERSION).toBe(ecsVersion());
  });

  it('builds SPEC.md\'s shape, valid against ecs_flat.yml, for IPv4 and IPv6, with every optional part', () => {
    for (const [s, d] of [['10.1.2.3', '198.51.100.5'], ['fd00::1', '2001:db8::5']]) {
      const f = flow(s, d);
      f.vlanOuter = 100;
      f.vlanInner = 200;
      const doc = builder.build({
        rule: ruleById('tor-exit')!, flow: f, tsSec: 1700000000, tsNsec: 123456000, packet: 4, input: 'x.pcap',
        message: 'm', severity: 'critical', confidence: 'high', labels: { role: 'exit' },
        hostname: { name: 'www.abcdefgh.com', source: 'tls' }, destinationDomain: 'relay.example',
        tls: { version: '1.2', sni: 'www.abcdefgh.com', ja3: 'a'.repeat(32), ja3String: '771,1-2', ja4: 't13d', alpn: ['h2'], certSubject: 'www.x.net', certIssuer: 'www.y.com' },
        indicators: [{ type: f.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr', value: d, on: 'responder-address', port: 9001, provider: 'tor-consensus', confidence: 90, firstSeen: '2026-11-23T05:00:00Z', lastSeen: '2026-11-23T06:00:00Z', tlp: 'CLEAR', details: { roles: ['exit', 'guard'] } }],
      });
      expect(ecsProblems(doc)).toEqual([]);
      const ev = doc.event as Record<string, unknown>;
      expect(ev.kind).toBe('alert');
      expect(ev.severity).toBe(2);
      expect(ev.risk_score).toBe(99);
      expect(ev.start).toBe('2023-11-14T22:13:20.123456Z');
      expect(ev.duration).toBe(1e9 - 123456000 + 5000);
      expect((doc.network as Record<string, unknown>).direction).toBe('outbound');
      expect((doc.network as Record<string, unknown>).community_id).toMatch(/^1:/);
      expect((doc.related as Record<string, unknown>).ip).toEqual([s, d]);
    }
  });

  it('gives the same event.id for the same alert, different ids for different packets', () => {
    const d = { rule: ruleById('tor-port-private')!, flow: flow('10.1.2.3', '198.51.100.5'), tsSec: 1, tsNsec: 0, packet: 1, input: 'a.pcap', message: 'm' };
    const a = builder.build(d).event as Record<string, string>;
    const b = builder.build(d).event as Record<string, string>;
    const c = builder.build({ ...d, packet: 2 }).event as Record<string, string>;
    expect(a.id).toBe(b.id);
    expect(a.id).not.toBe(c.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('prints capture precision: microseconds, or nanoseconds when present', () => {
    expect(isoTime(0, 1000)).toBe('1970-01-01T00:00:00.000001Z');
    expect(isoTime(0, 1)).toBe('1970-01-01T00:00:00.000000001Z');
  });

  it('alerts and summary alerts both name the capture interface their packet came from (multi-interface capture)', () => {
    const live = new AlertBuilder({ observer: { hostname: 'sensor1', version: '0.1.0' }, eventIds: 'random', ingressFromInput: true });
    const d = { rule: ruleById('tor-port-private')!, flow: flow('10.1.2.3', '198.51.100.5'), tsSec: 1, tsNsec: 0, packet: 1, input: 'eth2', message: 'm' };
    const alert = live.build(d);
    const summary = live.buildSummary({
      first: d, count: 3, suppressed: 2, firstSec: 1, firstNsec: 0, lastSec: 9, lastNsec: 0, sourcePorts: [51514], sourcePortsTruncated: false,
      windowSec: 3600, closeSec: 10, closeNsec: 0, reason: 'end',
    });
    for (const doc of [alert, summary]) {
      expect(ecsProblems(doc)).toEqual([]);
      expect((doc.observer as { ingress: { interface: { name: string } } }).ingress.interface.name).toBe('eth2');
    }
    expect((summary.event as Record<string, unknown>).duration).toBe(8e9);
  });
});
