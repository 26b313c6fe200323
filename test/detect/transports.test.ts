import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import type { AppEvent } from '../../src/applayer/events.js';
import type { PayloadStats } from '../../src/applayer/opaque/payload-stats.js';
import type { Packet } from '../../src/decode/packet.js';
import type { Detection } from '../../src/detect/detection.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { createDetectors } from '../../src/detect/registry.js';
import { obfs4Shape } from '../../src/detect/rules/obfs4-shape.js';
import { isPionClientHello, isPionServerHello } from '../../src/detect/rules/pion-dtls.js';
import { LONG_LIVED_MS, TorObfs4Detector } from '../../src/detect/rules/tor-obfs4.js';
import { torSoftwareMatch } from '../../src/detect/rules/tor-software.js';
import { Flow } from '../../src/flow/flow.js';
import { parseAddress } from '../../src/intel/addr.js';
import { BridgeSet } from '../../src/intel/bridges/bridge-set.js';
import { loadBridges } from '../../src/intel/bridges/load.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { emptyIntel } from '../support/empty-intel.js';
import { ofKind, runPipeline } from '../applayer/run-pipeline.js';
import { ecsProblems } from '../support/ecs-schema.js';
import { PCAPS } from '../support/run-cli.js';

const RANDOM: PayloadStats = { len: 1448, bitsPerByte: 4.01, printableFraction: 0.37, printablePrefix: false, longestPrintableRun: 8, fullyRandom: true };
const TEXT: PayloadStats = { len: 40, bitsPerByte: 3.5, printableFraction: 0.95, printablePrefix: true, longestPrintableRun: 38, fullyRandom: false };
type Opaque = Extract<AppEvent, { kind: 'opaque-stream' }>;
const opaque = (flights: number[], o: Partial<Opaque> = {}): Opaque => ({
  kind: 'opaque-stream', firstDir: 0, flights, bytes: [0, 0], first: [RANDOM, RANDOM], synSeen: 3, complete: true, ...o,
});
const builder = new AlertBuilder({ observer: { hostname: 'sensor', version: '0.1.0' }, eventIds: 'deterministic' });
const pcap = (name: string): string => join(PCAPS, name);
const detections = async (name: string, intel = new IntelHolder(emptyIntel())): Promise<Detection[]> =>
  (await runPipeline(pcap(name), { detectors: createDetectors(intel) })).detections;

describe("obfs4's shape on one connection (rules/obfs4-shape.ts)", () => {
  it('takes a random client-first exchange whose handshakes fit 141..8192 bytes and that goes on', () => {
    expect(obfs4Shape(opaque([2083, 6564, 683, 2066]))).toEqual({ ok: true, clientHandshake: 2083, serverHandshake: 6564 });
  });

  it('refuses every other shape, saying which test failed', () => {
    expect(obfs4Shape(opaque([2083, 6564, 683], { synSeen: 2 }))).toMatchObject({ why: 'start-not-seen' });
    expect(obfs4Shape(opaque([2083, 6564, 683], { firstDir: 1 }))).toMatchObject({ why: 'server-first' });
    expect(obfs4Shape(opaque([2083, 6564, 683], { first: [TEXT, RANDOM] }))).toMatchObject({ why: 'not-random' });
    expect(obfs4Shape(opaque([2083, 6564, 683], { first: [RANDOM, undefined] }))).toMatchObject({ why: 'not-random' });
    expect(obfs4Shape(opaque([2083, 6564]))).toMatchObject({ why: 'no-answer' });
    expect(obfs4Shape(opaque([140, 6564, 683]))).toMatchObject({ why: 'size' });
    expect(obfs4Shape(opaque([65536, 0, 1]))).toMatchObject({ why: 'size' });
    expect(obfs4Shape(opaque([2083, 8193, 683]))).toMatchObject({ why: 'size' });
    // BitTorrent MSE/PE: Ya+PadA and Yb+PadB are both at most 608 bytes.
    expect(obfs4Shape(opaque([300, 500, 100]))).toMatchObject({ why: 'mse-sizes' });
    expect(obfs4Shape(opaque([300, 609, 100]))).toMatchObject({ ok: true });
  });
});

/** Drive TorObfs4Detector through the real engine with made-up flows (times in ms). */
function obfs4Engine(bridges = loadBridges([])) {
  const intel = emptyIntel();
  intel.bridges = bridges;
  const found: Detection[] = [];
  const det = new TorObfs4Detector(new IntelHolder(intel));
  const engine = new DetectEngine({ detectors: [det], enabled: new Set(['tor-obfs4']), onDetection: (d) => found.push(d) });
  let id = 0;
  let pkt = 0;
  const at = (ms: number) => ({ tsSec: Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, packet: ++pkt });
  return {
    found,
    open(dst: string, port: number, ms: number, flights = [2083, 6564, 683, 2066]): Flow {
      const a = parseAddress('10.5.5.10')!;
      const b = parseAddress(dst)!;
      const f = new Flow(++id, 0, 4, 6, 0, 0, 0, a.words[3], 40000 + id, 0, 0, 0, b.words[3], port, Math.floor(ms / 1000), 0, ms);
      engine.nowMs = ms;
      engine.onAppEvent(f, opaque(flights), at(ms));
      return f;
    },
    /** A packet of `f` at `ms`: the flow's last time moves and the engine's clock with it. */
    packet(f: Flow, ms: number): void {
      f.lastMs = Math.max(f.lastMs, ms);
      f.lastSec = Math.floor(f.lastMs / 1000);
      engine.nowMs = ms;
      const t = at(ms);
      engine.onPacket(f, { frame: { tsSec: t.tsSec, tsNsec: t.tsNsec, index: t.packet } } as unknown as Packet, false, 0);
    },
    end(f: Flow): void {
      engine.onFlowEnd(f, 'timeout');
    },
    tls(dst: string, port: number, ms: number): void {
      const f = this.open(dst, port, ms, []);
      engine.onAppEvent(f, { kind: 'http-request', method: 'GET', target: '/', version: 'HTTP/1.1' }, at(ms));
    },
  };
}

describe('tor-obfs4 decides per host and server, over time (rules/tor-obfs4.ts)', () => {
  it('one long-lived connection: medium, on the packet clock at 60 s while still open', () => {
    const e = obfs4Engine();
    const f = e.open('198.51.100.40', 37219, 1_000_000);
    for (let t = 1_000_000; t <= 1_000_000 + LONG_LIVED_MS - 1000; t += 5000) e.packet(f, t);
    expect(e.found).toHaveLength(0);
    e.packet(f, 1_000_000 + LONG_LIVED_MS);
    expect(e.found).toHaveLength(1);
    expect(e.found[0]).toMatchObject({ confidence: 'medium', labels: { tor_obfs4_evidence: 'shape+long-lived' }, transport: { name: 'obfs4' } });
    expect(e.found[0].message).toMatch(/10\.5\.5\.10 kept an obfs4-style fully encrypted connection to 198\.51\.100\.40:37219 open 60 s or more/);
    expect(e.found[0].message).not.toMatch(/is Tor|: Tor /);
  });

  it('a connection that ends before 60 s is not enough; a reconnection that then lasts makes it high (repeated)', () => {
    const e = obfs4Engine();
    const f1 = e.open('198.51.100.40', 37219, 0);
    e.packet(f1, 20_000);
    e.end(f1);
    const f2 = e.open('198.51.100.40', 37219, 40_000);
    e.packet(f2, 70_000);
    expect(e.found).toHaveLength(0);
    e.packet(f2, 100_000);
    expect(e.found).toHaveLength(1);
    expect(e.found[0]).toMatchObject({ confidence: 'high', labels: { tor_obfs4_evidence: 'shape+repeated' } });
  });

  it('never calls a per-connection proxy Tor: overlapping connections, or many short ones (Shadowsocks)', () => {
    const e = obfs4Engine();
    const long = e.open('203.0.113.90', 8389, 0);
    const other = e.open('203.0.113.90', 8389, 1000);
    e.packet(other, 2000);
    e.packet(long, 61_000);
    expect(e.found).toHaveLength(0);
    const s = obfs4Engine();
    for (let i = 0; i < 3; i++) {
      const f = s.open('203.0.113.90', 8388, i * 3000);
      s.packet(f, i * 3000 + 100);
      s.end(f);
    }
    const l = s.open('203.0.113.90', 8388, 20_000);
    s.packet(l, 85_000);
    expect(s.found).toHaveLength(0);
  });

  it('not when the same address:port also speaks TLS/HTTP; high severity to a listed bridge', () => {
    const e = obfs4Engine();
    const f = e.open('198.51.100.40', 443, 0);
    e.tls('198.51.100.40', 443, 1000);
    e.packet(f, 61_000);
    expect(e.found).toHaveLength(0);
    const b = obfs4Engine();
    const g = b.open('192.95.36.142', 443, 0);
    b.packet(g, 61_000);
    expect(b.found[0]).toMatchObject({ severity: 'high', confidence: 'high', labels: { tor_obfs4_evidence: 'shape+bridge-list' }, transport: { list: 'builtin', listStatus: 'current', fingerprint: 'CDF2E852BF539B82BD10E27E9115A31734E378C2' } });
    expect(b.found[0].message).toMatch(/: a Tor bridge$/);
  });
});

describe('pion/dtls hellos (rules/pion-dtls.ts)', () => {
  it("takes the Snowflake capture's hellos; refuses a Chrome-like and a Firefox-like ClientHello and another ServerHello order", async () => {
    const run = await runPipeline(pcap('snowflake.pcap'));
    const ch = ofKind(run, 'dtls-client-hello')[0].ev;
    const sh = ofKind(run, 'dtls-server-hello')[0].ev;
    expect(isPionClientHello(ch)).toBe(true);
    expect(isPionServerHello(sh)).toBe(true);
    const chrome = { ...ch, ciphers: [0x0a0a, 0xc02b, 0xc02f, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x002f, 0x0035] };
    expect(isPionClientHello(chrome)).toBe(false);
    expect(isPionClientHello({ ...ch, groups: [29, 23, 24, 25, 256, 257] })).toBe(false);
    expect(isPionClientHello({ ...ch, extensions: [...ch.extensions, 35] })).toBe(false);
    expect(isPionServerHello({ ...sh, extensions: [65281, 23, 11, 14] })).toBe(false);
    expect(isPionServerHello({ ...sh, cipher: 0x1301 })).toBe(false);
  });
});

describe('the transport rules on their regression captures (in process)', () => {
  it('obfs4-bridges.pcap: one tor-obfs4 per bridge, medium, decided at 60 s; with the lab bridge lines, tor-bridge too and tor-obfs4 high', async () => {
    const d = await detections('obfs4-bridges.pcap');
    expect(d.map((x) => [x.rule.id, x.flow.dstIp(), x.flow.bPort, x.confidence])).toEqual([
      ['tor-obfs4', '198.51.100.40', 37219, 'medium'],
      ['tor-obfs4', '198.51.100.41', 443, 'medium'],
    ]);
    // Decided on the packet clock a minute into each connection, not at its end (73 s).
    for (const x of d) expect(x.tsSec - x.flow.firstSec).toBeGreaterThanOrEqual(60);
    for (const x of d) expect(x.tsSec - x.flow.firstSec).toBeLessThanOrEqual(61);
    const withLab = await detections('obfs4-bridges.pcap', new IntelHolder({ ...emptyIntel(), bridges: loadBridges([join(PCAPS, 'expected/obfs4-bridges.pcap.bridges')]) }));
    const bridge = withLab.filter((x) => x.rule.id === 'tor-bridge');
    expect(bridge).toHaveLength(3);
    for (const b of bridge) expect(b.transport).toMatchObject({ name: 'obfs4', list: join(PCAPS, 'expected/obfs4-bridges.pcap.bridges') });
    expect(withLab.filter((x) => x.rule.id === 'tor-obfs4').map((x) => [x.severity, x.confidence])).toEqual([['high', 'high'], ['high', 'high']]);
  });

  it('snowflake.pcap: one tor-snowflake with all three phases, the JA4 of the DTLS hello; none without Snowflake names', async () => {
    const d = await detections('snowflake.pcap');
    expect(d).toHaveLength(1);
    const s = d[0];
    expect(s).toMatchObject({ confidence: 'high', labels: { tor_snowflake_phases: 'rendezvous+stun+dtls', tor_snowflake_role: 'client' }, dtls: { implementation: 'pion', version: '1.2' } });
    expect(s.dtls!.ja4).toMatch(/^dd2i0606/);
    expect(s.transport!.evidence).toHaveLength(3);
    expect(s.transport!.evidence![0]).toMatch(/rendezvous: TLS SNI vuejs\.org \(Snowflake front/);
    expect(s.transport!.evidence![1]).toMatch(/STUN Binding to stun\.voipgate\.com 203\.0\.113\.70:3478/);
    const doc = builder.build({ ...s, input: 'snowflake.pcap' });
    expect(ecsProblems(doc)).toEqual([]);
    // Without the names (an empty bridge list), pion WebRTC alone is not Snowflake.
    const none = await detections('snowflake.pcap', new IntelHolder({ ...emptyIntel(), bridges: new BridgeSet() }));
    expect(none.filter((x) => x.rule.id === 'tor-snowflake')).toHaveLength(0);
  });

  it("meek.pcap: meek's polling is high; one ordinary request to the same front is low (SNI alone)", async () => {
    const d = await detections('meek.pcap');
    expect(d.map((x) => [x.rule.id, x.flow.srcIp(), x.severity ?? x.rule.severity, x.confidence])).toEqual(expect.arrayContaining([
      ['tor-meek', '10.7.7.10', 'high', 'high'],
      ['tor-meek', '10.7.7.11', 'low', 'low'],
    ]));
    expect(d).toHaveLength(2);
  });

  it('fet-negatives.pcap: nothing, though some Shadowsocks connections have the per-connection shape', async () => {
    const run = await runPipeline(pcap('fet-negatives.pcap'));
    expect(run.detections).toHaveLength(0);
    const shaped = ofKind(run, 'opaque-stream').filter((e) => obfs4Shape(e.ev).ok);
    expect(shaped.length).toBeGreaterThan(0);
    for (const e of shaped) expect(e.flow).toMatch(/:838[89]$/);
  });
});

describe('tor-software names', () => {
  it("matches the Tor Project's download, update and bridge hosts and Snowflake brokers, nothing near them", () => {
    expect(torSoftwareMatch('aus1.torproject.org')).toBe('update-check:aus1.torproject.org');
    expect(torSoftwareMatch('dist.torproject.org')).toBe('download:dist.torproject.org');
    expect(torSoftwareMatch('bridges.torproject.org')).toBe('bridge-request:bridges.torproject.org');
    expect(torSoftwareMatch('snowflake-broker.torproject.net')).toBe('snowflake-broker:snowflake-broker.torproject.net');
    for (const n of ['torproject.org', 'www.torproject.org', 'community.torproject.org', 'xdist.torproject.org', 'dist.torproject.org.example', 'snowflake.torproject.org']) expect(torSoftwareMatch(n), n).toBeUndefined();
  });
});

describe('a --bridges file through the whole pipeline', () => {
  it('a webtunnel line contributes names, an obfs4 line an endpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-tb-'));
    const f = join(dir, 'b.txt');
    writeFileSync(f, 'Bridge obfs4 203.0.113.50:9443 cert=x iat-mode=0\nwebtunnel [2001:db8::2]:443 url=https://example.net/x\n');
    const set = loadBridges([f]);
    expect(set.name('example.net')).toHaveLength(1);
    expect(set.lookup(4, 0, 0, 0, parseAddress('203.0.113.50')!.words[3], 9443)?.source.name).toBe(f);
  });
});
