import { describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import type { Detection } from '../../src/detect/detection.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { riskLevel, TorExitDetector } from '../../src/detect/rules/tor-exit.js';
import { relayDecision, TorRelayDetector } from '../../src/detect/rules/tor-relay.js';
import type { Packet } from '../../src/decode/packet.js';
import { Flow } from '../../src/flow/flow.js';
import { parseAddress } from '../../src/intel/addr.js';
import { AllowList } from '../../src/detect/allow.js';
import { loadBridges } from '../../src/intel/bridges/load.js';
import { IntelHolder, type Intel } from '../../src/intel/intel.js';
import { parseRelayText } from '../../src/intel/relays/detect-format.js';
import { RelaySet } from '../../src/intel/relays/relay-set.js';
import type { Indicator } from '../../src/intel/ti/indicator.js';
import { IndicatorIndex } from '../../src/intel/ti/indicator-index.js';
import { ecsProblems } from '../support/ecs-schema.js';

const H = 3_600_000;
const VA = Date.UTC(2026, 10, 23, 5);
// A consensus in the dir-spec format: a guard, an exit (with an IPv6 ORPort), a middle, and a relay
// whose address is inside the default home-net.
const CONSENSUS = `network-status-version 3
vote-status consensus
valid-after 2026-11-23 05:00:00
fresh-until 2026-11-23 06:00:00
valid-until 2026-11-23 08:00:00
r guard1 AAFJ5u9xAqrKlpDW6N0pMhJLlKs evtkDQeqgaEIuj55lP3MXloQYcI 2026-11-23 04:00:00 198.51.100.5 9001 9030
s Fast Guard Running Stable Valid
r exit1 AAoQ1DAR6kkoo19hBAX5K0QztNw X67os+K2DLxEsFpY836vnC604Gg 2026-11-23 04:00:00 203.0.113.9 443 0
a [2001:db8::9]:443
s Exit Fast Running Valid
r middle1 ABG9JIWtRdmE7EFZyI/AZuXjMA4 mnGe8YWnZ9e4xTJna7W1fSPlVq4 2026-11-23 04:00:00 198.51.100.6 9001 0
s Fast Running Valid
r inside1 8A7C4KLKeaV/56CRigh5h3R9dy0 CZtwAFsCNKLTZNEShxeid6h7PHo 2026-11-23 04:00:00 10.3.3.30 9001 0
s Fast Running Valid
directory-footer
`;

function intel(indicators: Partial<Indicator>[] = []): Intel {
  const relays = new RelaySet([parseRelayText(CONSENSUS, 'consensus', 0, undefined)!], { graceMs: 24 * H, maxAgeMs: 3 * H });
  const idx = new IndicatorIndex();
  for (const i of indicators) {
    const a = parseAddress(i.value!)!;
    idx.add({ type: a.version === 4 ? 'ipv4-addr' : 'ipv6-addr', ip: { ...a, prefix: a.version === 4 ? 32 : 128 }, tags: [], provider: 'test-cti', source: 'ti.csv:2', format: 'csv', ...i } as Indicator);
  }
  return { relays, indicators: idx, bridges: loadBridges([]), builtAtMs: 0, loadMs: 0 };
}

const HOME = ['10.', '192.168.', 'fd'];
function flow(src: string, sport: number, dst: string, dport: number, at = VA + H, proto = 6): Flow {
  const a = parseAddress(src)!;
  const b = parseAddress(dst)!;
  const f = new Flow(1, 0, a.version, proto, a.words[0], a.words[1], a.words[2], a.words[3], sport, b.words[0], b.words[1], b.words[2], b.words[3], dport, Math.floor(at / 1000), (at % 1000) * 1e6, at);
  f.aHome = HOME.some((p) => src.startsWith(p));
  f.bHome = HOME.some((p) => dst.startsWith(p));
  return f;
}

/** Run both detectors through the real engine on a flow's first packet; return what fired. */
function run(i: Intel, f: Flow, allow: string[] = []): { alerts: Detection[]; engine: DetectEngine } {
  const holder = new IntelHolder(i);
  const exclusions = AllowList.parse(allow);
  const alerts: Detection[] = [];
  const engine = new DetectEngine({
    detectors: [new TorRelayDetector(holder), new TorExitDetector(holder)],
    enabled: new Set(['tor-relay', 'tor-exit']),
    onDetection: (d) => alerts.push(d),
    exclude: (d) => exclusions.match(d),
  });
  const p = { frame: { tsSec: f.firstSec, tsNsec: f.firstNsec, index: 1 } } as unknown as Packet;
  engine.onPacket(f, p, true, 0);
  // Later packets of the flow do not look anything up again.
  engine.onPacket(f, p, false, 0);
  return { alerts, engine };
}

const builder = new AlertBuilder({ observer: { hostname: 'sensor', version: '0.1.0' }, eventIds: 'deterministic' });
const byRule = (alerts: Detection[], id: string): Detection | undefined => alerts.find((a) => a.rule.id === id);

describe('tor-relay: direction-aware cases, confidence by port', () => {
  it('internal client -> guard ORPort: client_to_relay, High; the ECS alert carries the indicator', () => {
    const { alerts } = run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 9001));
    expect(alerts.map((a) => a.rule.id)).toEqual(['tor-relay']);
    const d = alerts[0];
    expect(d.confidence).toBe('high');
    expect(d.labels).toEqual({ tor_relay_case: 'client_to_relay', tor_relay_roles: 'guard', tor_port_match: 'orport', tor_relay_list: 'current' });
    expect(d.message).toBe("10.1.1.10 connected to Tor relay 198.51.100.5:9001 (guard 'guard1'; its ORPort)");
    const doc = builder.build(d);
    expect(ecsProblems(doc)).toEqual([]);
    const t = doc.threat as { enrichments: { indicator: Record<string, unknown>; matched: Record<string, unknown> }[] };
    expect(t.enrichments[0].indicator).toMatchObject({
      type: 'ipv4-addr', ip: '198.51.100.5', port: 9001, provider: 'tor-consensus', confidence: 'High', name: 'guard1',
      first_seen: new Date(VA).toISOString(), last_seen: new Date(VA).toISOString(), modified_at: new Date(VA).toISOString(),
    });
    expect(t.enrichments[0].matched).toEqual({ atomic: '198.51.100.5', field: 'destination.ip', type: 'indicator_match_rule' });
    expect((doc.torwatch as { indicators: Record<string, unknown>[] }).indicators[0]).toMatchObject({
      value: '198.51.100.5', kind: 'tor-relay', roles: ['guard'], nickname: 'guard1', or_port: 9001, dir_port: 9030, port_match: 'orport', list_age_s: 3600, stale: false,
      flags: ['Fast', 'Guard', 'Running', 'Stable', 'Valid'], source_format: 'consensus',
    });
  });

  it('DirPort is High too; another port on the address is Medium', () => {
    expect(run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 9030)).alerts[0]).toMatchObject({ confidence: 'high', labels: { tor_port_match: 'dirport' } });
    const m = run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 22)).alerts[0];
    expect(m).toMatchObject({ confidence: 'medium', labels: { tor_port_match: 'none' } });
    expect(m.message).toMatch(/not its ORPort\/DirPort/);
    // ORPort/DirPort are TCP: UDP to the same port number is the address alone.
    expect(run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA + H, 17)).alerts[0]).toMatchObject({ confidence: 'medium', labels: { tor_port_match: 'none' } });
  });

  it('IPv6 ORPort from an "a" line', () => {
    const { alerts } = run(intel(), flow('fd00::10', 40000, '2001:db8::9', 443));
    expect(byRule(alerts, 'tor-relay')).toMatchObject({ confidence: 'high', labels: { tor_relay_case: 'client_to_relay', tor_relay_roles: 'exit' } });
    expect(ecsProblems(builder.build(byRule(alerts, 'tor-relay')!))).toEqual([]);
  });

  it('a relay connecting in to an internal service: relay_to_internal', () => {
    const d = run(intel(), flow('198.51.100.6', 51000, '10.2.2.20', 443)).alerts[0];
    expect(d).toMatchObject({ confidence: 'medium', labels: { tor_relay_case: 'relay_to_internal' } });
    expect(d.message).toBe("Tor relay 198.51.100.6 (middle 'middle1') connected to 10.2.2.20:443 inside home-net");
    expect(d.indicators![0].on).toBe('initiator-address');
  });

  it('an internal host that is itself a listed relay, both directions; the remote relay is reported beside it', () => {
    const inbound = run(intel(), flow('198.51.100.5', 51000, '10.3.3.30', 9001)).alerts[0];
    expect(inbound).toMatchObject({ confidence: 'high', labels: { tor_relay_case: 'internal_relay' } });
    expect(inbound.message).toBe("198.51.100.5 connected to 10.3.3.30:9001, a listed Tor relay inside home-net (middle 'inside1'; its ORPort)");
    expect(inbound.indicators!.map((i) => [i.value, i.on])).toEqual([['10.3.3.30', 'responder-address'], ['198.51.100.5', 'initiator-address']]);
    const outbound = run(intel(), flow('10.3.3.30', 51000, '198.51.100.6', 9001)).alerts[0];
    expect(outbound).toMatchObject({ confidence: 'medium', labels: { tor_relay_case: 'internal_relay' } });
    expect(outbound.message).toMatch(/^10\.3\.3\.30, a listed Tor relay inside home-net \(middle 'inside1'\), connected to 198\.51\.100\.6:9001/);
  });

  it('nothing for unlisted addresses, and nothing when no relay set is loaded', () => {
    expect(run(intel(), flow('10.1.1.10', 40000, '198.51.100.99', 9001)).alerts).toEqual([]);
    expect(run({ ...intel(), relays: RelaySet.empty() }, flow('10.1.1.10', 40000, '198.51.100.5', 9001)).alerts).toEqual([]);
  });

  it('decision table for the transit case (neither side in home-net)', () => {
    const f = flow('192.0.2.1', 1, '198.51.100.5', 9001);
    const h = new IntelHolder(intel());
    expect(relayDecision(f, h.flowFacts(f))?.kind).toBe('client_to_relay');
    const g = flow('198.51.100.5', 9001, '192.0.2.1', 40000);
    expect(relayDecision(g, h.flowFacts(g))?.kind).toBe('relay_to_host');
  });

  it('time: a flow after valid-until (within grace) says the list was stale; after the grace, no alert', () => {
    const stale = run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA + 4 * H)).alerts[0];
    expect(stale.labels!.tor_relay_list).toBe('stale');
    expect(stale.message).toMatch(/\[relay list past valid-until: consensus\]$/);
    expect(stale.indicators![0].details).toMatchObject({ stale: true, snapshot_valid_until: new Date(VA + 3 * H).toISOString() });
    const holder = new IntelHolder(intel());
    const late = flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA + 3 * H + 25 * H);
    holder.flowFacts(late);
    expect(holder.stats.outsideSnapshots).toBe(1);
    expect(run(intel(), late).alerts).toEqual([]);
  });

  it('time: a flow shortly before the first consensus\'s valid-after is matched against it (early grace), and says so', () => {
    const early = (graceMs: number): Intel => ({ ...intel(), relays: new RelaySet([parseRelayText(CONSENSUS, 'consensus', 0, undefined)!], { graceMs: 24 * H, maxAgeMs: 3 * H, earlyGraceMs: graceMs }) });
    const a = run(early(H), flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA - 60_000)).alerts[0];
    expect(a.labels).toMatchObject({ tor_relay_list: 'early', tor_port_match: 'orport' });
    expect(a.message).toMatch(/\[relay list consensus: consensus valid from 2026-11-23T05:00:00\.000Z, 60 s after this flow; used for flows shortly before it\]$/);
    expect(a.indicators![0].details).toMatchObject({ before_valid_after: true, list_age_s: -60 });
    // Outside the grace (or with none), nothing dated applies.
    expect(run(early(H), flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA - 2 * H)).alerts).toEqual([]);
    expect(run(early(0), flow('10.1.1.10', 40000, '198.51.100.5', 9001, VA - 60_000)).alerts).toEqual([]);
  });

  it('a plain address list: "port not known (list has no ports)", and its age from the file time, labelled as such', () => {
    const mtime = VA - 30 * 24 * H;
    const plain: Intel = { ...intel(), relays: new RelaySet([parseRelayText('198.51.100.5\n', 'relays.txt', mtime, undefined)!], { graceMs: 24 * H, maxAgeMs: 3 * H }) };
    const a = run(plain, flow('10.1.1.10', 40000, '198.51.100.5', 443)).alerts.find((x) => x.rule.id === 'tor-relay')!;
    expect(a.labels).toMatchObject({ tor_port_match: 'unknown', tor_relay_list: 'stale' });
    expect(a.confidence).toBe('medium');
    expect(a.message).toContain('port not known (list has no ports)');
    expect(a.message).not.toContain('not its ORPort');
    expect(a.message).toMatch(/\[relay list relays\.txt has no date of its own; its file time 2026-10-24T05:00:00\.000Z is 30 days before this flow\]$/);
    expect(a.indicators![0].details).toMatchObject({ port_match: 'unknown', list_time_from: 'mtime' });
  });
});

describe('tor-exit: seed 002 risk levels', () => {
  it('riskLevel, exactly as the seed', () => {
    const ti = (confidence?: number): Indicator => ({ type: 'ipv4-addr', value: 'x', tags: [], provider: 'p', source: 's', format: 'csv', confidence });
    expect(riskLevel(true, ti(80))).toBe('CRITICAL');
    expect(riskLevel(false, ti(95))).toBe('CRITICAL');
    expect(riskLevel(true, ti(79))).toBe('HIGH');
    expect(riskLevel(false, ti(undefined))).toBe('HIGH');
    expect(riskLevel(true, undefined)).toBe('MEDIUM');
    expect(riskLevel(false, undefined)).toBe('LOW');
  });

  it('outbound to an exit: MEDIUM (and tor-relay fires as well)', () => {
    const { alerts } = run(intel(), flow('10.1.1.10', 40000, '203.0.113.9', 443));
    expect(alerts.map((a) => a.rule.id)).toEqual(['tor-relay', 'tor-exit']);
    const d = byRule(alerts, 'tor-exit')!;
    expect(d).toMatchObject({ severity: 'medium', confidence: 'high', labels: { tor_exit_flow: 'to_exit', risk_level: 'MEDIUM', ti_hit: 'false' } });
    const doc = builder.build(d);
    expect(ecsProblems(doc)).toEqual([]);
    expect(doc.event).toMatchObject({ severity: 4, risk_score: 47 });
    expect((doc.threat as { tactic: { id: string[] } }).tactic.id).toEqual(['TA0011', 'TA0010']);
  });

  it('an exit connecting in to an internal service: LOW', () => {
    const d = byRule(run(intel(), flow('203.0.113.9', 50000, '10.2.2.20', 8080)).alerts, 'tor-exit')!;
    expect(d).toMatchObject({ severity: 'low', labels: { tor_exit_flow: 'from_exit', risk_level: 'LOW' } });
    expect(d.message).toBe("Tor exit node 203.0.113.9 (exit 'exit1') connected in to 10.2.2.20:8080; risk LOW");
    expect(builder.build(d).event).toMatchObject({ severity: 5, risk_score: 21 });
  });

  it('a threat-intel hit: CRITICAL at confidence >= 80, HIGH below; the indicator is in the alert', () => {
    const crit = byRule(run(intel([{ value: '203.0.113.9', confidence: 85, threatType: 'c2', tlp: 'AMBER', name: 'exit used for C2' }]), flow('10.1.1.10', 40000, '203.0.113.9', 443)).alerts, 'tor-exit')!;
    expect(crit).toMatchObject({ severity: 'critical', labels: { risk_level: 'CRITICAL', ti_hit: 'true' } });
    expect(crit.message).toMatch(/risk CRITICAL; threat intel \(test-cti\): c2, confidence 85$/);
    const doc = builder.build(crit);
    expect(ecsProblems(doc)).toEqual([]);
    expect(doc.event).toMatchObject({ severity: 2, risk_score: 99 });
    const e = (doc.threat as { enrichments: { indicator: Record<string, unknown> }[] }).enrichments;
    expect(e[1].indicator).toMatchObject({ type: 'ipv4-addr', ip: '203.0.113.9', provider: 'test-cti', confidence: 'High', marking: { tlp: 'AMBER' }, name: 'exit used for C2' });
    const high = byRule(run(intel([{ value: '203.0.113.9', confidence: 50 }]), flow('203.0.113.9', 50000, '10.2.2.20', 8080)).alerts, 'tor-exit')!;
    expect(high).toMatchObject({ severity: 'high', labels: { risk_level: 'HIGH' } });
    // tor-relay carries the TI indicator too (risk levels are seed 002's, for tor-exit).
    const relay = byRule(run(intel([{ value: '203.0.113.9', confidence: 85 }]), flow('10.1.1.10', 40000, '203.0.113.9', 443)).alerts, 'tor-relay')!;
    expect(relay.indicators!.map((i) => i.details?.kind)).toEqual(['tor-relay', 'threat-intel']);
    expect(relay.severity).toBeUndefined();
  });

  it('a guard or middle is not an exit; an exit inside home-net is reported by tor-relay only', () => {
    expect(byRule(run(intel(), flow('10.1.1.10', 40000, '198.51.100.5', 9001)).alerts, 'tor-exit')).toBeUndefined();
    const i = intel();
    const inside = parseRelayText(CONSENSUS.replace('10.3.3.30 9001 0\ns Fast Running Valid', '10.3.3.30 9001 0\ns Exit Fast Running Valid'), 'c', 0, undefined)!;
    const set = { ...i, relays: new RelaySet([inside], { graceMs: 24 * H, maxAgeMs: 3 * H }) };
    expect(run(set, flow('198.51.100.5', 1, '10.3.3.30', 9001)).alerts.map((a) => a.rule.id)).toEqual(['tor-relay']);
  });
});

describe('exclusions in the engine: every rule, counted', () => {
  it('an allowed host suppresses both rules and is counted per rule; the flow is not retried', () => {
    const { alerts, engine } = run(intel(), flow('10.1.1.10', 40000, '203.0.113.9', 443), ['10.1.1.10']);
    expect(alerts).toEqual([]);
    expect(engine.excludedByRule).toEqual({ 'tor-relay': 1, 'tor-exit': 1 });
    expect(engine.firedByRule).toEqual({});
  });

  it('a rule-scoped entry suppresses that rule only', () => {
    const { alerts, engine } = run(intel(), flow('10.1.1.10', 40000, '203.0.113.9', 443), ['203.0.113.9@tor-exit']);
    expect(alerts.map((a) => a.rule.id)).toEqual(['tor-relay']);
    expect(engine.excludedByRule).toEqual({ 'tor-exit': 1 });
  });
});
