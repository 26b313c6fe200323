import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowEndReason } from '../../flow/table.js';
import type { IntelHolder } from '../../intel/intel.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { Finding, TransportFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import type { Obfs4FlowRecord, Obfs4Server } from '../hosts/obfs4-candidates.js';
import { OBFS4_HANDSHAKE_MAX, OBFS4_HANDSHAKE_MIN, obfs4Shape } from './obfs4-shape.js';
import { bridgeFacts, listWords } from './bridge-facts.js';

const TCP = 6;
/** A connection that has lasted this long is a channel, not a request (Tor keeps its bridge channel for hours). */
export const LONG_LIVED_MS = 60_000;
/** Connections that ended sooner than this are "short"; SHORT_LIMIT of them to one server look like a per-connection proxy. */
export const SHORT_MS = 10_000;
export const SHORT_LIMIT = 3;
/** obfs4-shaped connections followed until they end or are decided (the oldest is dropped past it). */
const MAX_TRACKED = 4096;

interface Tracked {
  flow: Flow;
  server: Obfs4Server;
  record: Obfs4FlowRecord;
  deadlineMs: number;
}

/**
 * tor-obfs4 (seed 002, SPEC.md): obfs4 decided per host over time, not per connection. A single
 * fully-random connection means little at real base rates (Wails et al., NDSS 2024: per-flow tests
 * flag ~0.5% of ordinary traffic); what Tor over obfs4 adds is behaviour: one long-lived channel to the
 * bridge, reconnections to the same address:port, never several at once, and no other protocol on it.
 *
 *   per connection (obfs4-shape.ts, from the opaque-stream fact): seen from the SYN, the client speaks
 *     first, both sides' first data are fully random (none of Wu et al.'s exemptions), the handshakes
 *     fit obfs4's 141..8192 bytes (and not both BitTorrent MSE's <= 608), data follows;
 *   per host and server (hosts/obfs4-candidates.ts): such a connection has lasted LONG_LIVED_MS (on
 *     the packet clock while it is still open, or at its end), no two of the last few overlapped in
 *     time, fewer than SHORT_LIMIT were short (over within SHORT_MS, silent SHORT_MS since), and the
 *     address:port spoke no TLS/HTTP/QUIC once it had obfs4-shaped connections.
 * Confidence: medium for one long-lived connection; high with a second obfs4-shaped connection to
 * the same server over time, or when the server is a listed bridge (then severity high too, and the
 * alert names the bridge list). Shadowsocks-like proxies (many short connections, several at once) are
 * not flagged: they are fully encrypted too, but not Tor.
 */
export class TorObfs4Detector implements Detector {
  readonly name = 'tor-obfs4';
  readonly appEvents: readonly AppEventKind[] = ['opaque-stream', 'tls-client-hello', 'http-request', 'quic-client-hello'];
  readonly scope = 'host' as const;
  private readonly rule: RuleDef = ruleById('tor-obfs4')!;
  private readonly tracked = new Map<number, Tracked>();
  clockDeadlineMs = Infinity;

  constructor(private readonly intel: IntelHolder) {}

  onAppEvent(flow: Flow, ev: AppEvent, _at: EventTime, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index)) return;
    switch (ev.kind) {
      case 'opaque-stream':
        if (flow.proto === TCP) this.opaque(flow, ev, ctx);
        return;
      case 'tls-client-hello':
      case 'http-request':
      case 'quic-client-hello':
        this.explained(flow, ctx);
        return;
      default:
        return;
    }
  }

  onFlowEnd(flow: Flow, _reason: FlowEndReason, ctx: DetectContext): void {
    const t = this.tracked.get(flow.id);
    if (!t) return;
    this.tracked.delete(flow.id);
    t.record.open = false;
    t.record.lastMs = flow.lastMs;
    if (flow.lastMs > t.server.lastMs) t.server.lastMs = flow.lastMs;
    const lived = flow.lastMs - flow.firstMs;
    if (lived >= LONG_LIVED_MS) {
      if (t.deadlineMs !== Infinity) t.server.longLived++;
      this.decide(t, { tsSec: flow.lastSec, tsNsec: flow.lastNsec, packet: 0 }, ctx);
    }
  }

  onClock(nowMs: number, at: EventTime, ctx: DetectContext): void {
    let next = Infinity;
    for (const t of this.tracked.values()) {
      if (t.deadlineMs <= nowMs) {
        // Still open after LONG_LIVED_MS of packet time: a channel, decided now (not at its end, hours later).
        t.deadlineMs = Infinity;
        t.server.longLived++;
        this.decide(t, at, ctx);
      } else if (t.deadlineMs < next) next = t.deadlineMs;
    }
    this.clockDeadlineMs = next;
  }

  private opaque(flow: Flow, ev: Extract<AppEvent, { kind: 'opaque-stream' }>, ctx: DetectContext): void {
    const v = obfs4Shape(ev);
    const hosts = ctx.hosts.obfs4;
    if (!v.ok) {
      const s = hosts.get(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs)?.existing(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort);
      if (s) s.otherOpaque++;
      return;
    }
    const host = hosts.touch(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs);
    const server = host.server(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort, endpoint(flow), ctx.nowMs);
    const record: Obfs4FlowRecord = { flowId: flow.id, firstMs: flow.firstMs, lastMs: flow.lastMs, open: true, clientHandshake: v.clientHandshake, serverHandshake: v.serverHandshake };
    server.add(record);
    if (this.tracked.size >= MAX_TRACKED) this.tracked.delete(this.tracked.keys().next().value!);
    const deadlineMs = flow.firstMs + LONG_LIVED_MS;
    this.tracked.set(flow.id, { flow, server, record, deadlineMs });
    if (deadlineMs < this.clockDeadlineMs) this.clockDeadlineMs = deadlineMs;
  }

  /** A TLS, HTTP or QUIC client on a server that also had obfs4-shaped connections from this host. */
  private explained(flow: Flow, ctx: DetectContext): void {
    const host = ctx.hosts.obfs4.size ? ctx.hosts.obfs4.get(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs) : undefined;
    const s = host?.existing(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort);
    if (s) s.explained = true;
  }

  private decide(t: Tracked, at: EventTime, ctx: DetectContext): void {
    const s = t.server;
    if (s.alerted || s.explained || s.longLived === 0) return;
    // Open connections' last packet times, as of now.
    for (const r of s.recent) {
      const open = r.open ? this.tracked.get(r.flowId) : undefined;
      if (open) r.lastMs = open.flow.lastMs;
    }
    const { concurrent, short } = s.pattern(ctx.nowMs, SHORT_MS);
    if (concurrent || short >= SHORT_LIMIT) return;
    const flow = t.flow;
    const bridge = this.intel.current.bridges.lookup(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, flow.bPort);
    const repeated = s.candidates >= 2;
    s.alerted = true;
    const lived = Math.round((Math.max(flow.lastMs, ctx.nowMs) - flow.firstMs) / 1000);
    const evidence = [
      `fully random first data both ways (none of Wu et al.'s exemptions)`,
      `client handshake ${t.record.clientHandshake} B and server handshake ${t.record.serverHandshake} B (obfs4: ${OBFS4_HANDSHAKE_MIN}-${OBFS4_HANDSHAKE_MAX})`,
      `connection open at least ${LONG_LIVED_MS / 1000} s`,
      `${s.candidates} obfs4-shaped connection(s) to ${s.display}, never two at once`,
    ];
    if (bridge) evidence.push(`${s.display} is a listed Tor bridge (${bridge.line.transport}; ${listWords(bridge)})`);
    const transport: TransportFacts = bridge ? bridgeFacts(bridge) : { name: 'obfs4' };
    transport.name = 'obfs4';
    transport.evidence = evidence;
    transport.details = {
      ...(transport.details ?? {}),
      client_handshake_bytes: t.record.clientHandshake,
      server_handshake_bytes: t.record.serverHandshake,
      connection_seconds: lived,
      connections_to_server: s.candidates,
      long_lived_connections: s.longLived,
      other_opaque_connections: s.otherOpaque,
    };
    transport.times = { first_connection: new Date(s.firstMs).toISOString(), decided: new Date(ctx.nowMs).toISOString() };
    const what = bridge ? 'a Tor bridge' : 'probably a Tor obfs4 bridge';
    const d: Finding = {
      rule: this.rule,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      message: `${flow.srcIp()} kept an obfs4-style fully encrypted connection to ${s.display} open ${LONG_LIVED_MS / 1000} s or more (${repeated ? `${s.candidates} such connections over time, ` : ''}random from the first byte, handshakes ${t.record.clientHandshake}/${t.record.serverHandshake} B): ${what}`,
      severity: bridge ? 'high' : undefined,
      confidence: bridge || repeated ? 'high' : 'medium',
      labels: { tor_transport: 'obfs4', tor_obfs4_evidence: bridge ? 'shape+bridge-list' : repeated ? 'shape+repeated' : 'shape+long-lived' },
      transport,
    };
    ctx.fire(d);
  }
}

function endpoint(f: Flow): string {
  const ip = f.dstIp();
  return f.ipVersion === 6 ? `[${ip}]:${f.bPort}` : `${ip}:${f.bPort}`;
}
