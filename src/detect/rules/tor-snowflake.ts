import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowEndReason } from '../../flow/table.js';
import type { IntelHolder } from '../../intel/intel.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { DtlsFacts, Finding } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { initiatorOf, responderOf } from '../hosts/dns-names.js';
import type { SnowflakePhases } from '../hosts/snowflake-phases.js';
import { normaliseHostname } from './hostname-match.js';
import { hex4, isPionClientHello, isPionServerHello } from './pion-dtls.js';

/** Phases count together when they fall within this much packet time of each other. */
export const SNOWFLAKE_WINDOW_MS = 5 * 60_000;
/** One alert per host in this much time (a client changes proxies every few minutes). */
export const SNOWFLAKE_REALERT_MS = 10 * 60_000;
const SNOWFLAKE_BROKER_PREFIX = /^snowflake-broker\./;
/** WebRTC flows waiting for another phase (the DTLS came first): at most this many. */
const MAX_PENDING = 1024;

type Side = 'a' | 'b';
type DtlsClientHello = Extract<AppEvent, { kind: 'dtls-client-hello' }>;

interface Pending {
  flow: Flow;
  side: Side;
}

/**
 * tor-snowflake (seed 001, SPEC.md), decided per host from three phases (hosts/snowflake-phases.ts):
 *   R  rendezvous: a Snowflake broker URL host, front domain or AMP cache (Tor Browser's lines, current
 *      and past, and --bridges; any snowflake-broker.* name) in DNS, TLS/QUIC SNI, HTTP Host, or a
 *      connection to an address DNS gave for one;
 *   S  a STUN Binding request to a server whose name (from an earlier DNS answer) is on a Snowflake
 *      ICE list;
 *   D  a WebRTC DTLS handshake (DTLS after ICE connectivity checks on the same flow) in which this host
 *      sent pion/dtls's hello (pion-dtls.ts): its ServerHello (a Snowflake client's usual role) or its
 *      ClientHello (a standalone Snowflake proxy's).
 * The alert needs D and R or S within SNOWFLAKE_WINDOW_MS (a front domain or a public STUN server
 * alone is ordinary web and VoIP traffic; pion/dtls alone is any Go WebRTC program). Confidence: high
 * with all three, or D with a distinctive broker name; medium otherwise. The alert is on the DTLS
 * flow (its responder or initiator is the proxy) and lists every phase with its time.
 */
export class TorSnowflakeDetector implements Detector {
  readonly name = 'tor-snowflake';
  readonly appEvents: readonly AppEventKind[] = ['dns-query', 'tls-client-hello', 'quic-client-hello', 'http-request', 'resolved-destination', 'stun-message', 'dtls-client-hello', 'dtls-server-hello'];
  readonly scope = 'host' as const;
  private readonly rule: RuleDef = ruleById('tor-snowflake')!;
  /** DTLS flows whose host had no other phase yet, by flow id (until the flow ends). */
  private readonly pending = new Map<number, Pending>();
  /** The ClientHello of each WebRTC flow until its ServerHello comes (for the alert's fingerprints). */
  private readonly clientHellos = new Map<number, DtlsClientHello>();

  constructor(private readonly intel: IntelHolder) {}

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index)) return;
    switch (ev.kind) {
      case 'dns-query':
        for (const n of ev.names) this.rendezvous(flow, n, 'dns', ctx);
        return;
      case 'tls-client-hello':
      case 'quic-client-hello':
        if (ev.sni !== undefined) this.rendezvous(flow, ev.sni, ev.kind === 'tls-client-hello' ? 'tls' : 'quic', ctx);
        return;
      case 'http-request':
        if (ev.host !== undefined) this.rendezvous(flow, ev.host, 'http', ctx);
        return;
      case 'resolved-destination':
        this.rendezvous(flow, ev.name, 'resolved', ctx);
        return;
      case 'stun-message':
        this.stun(flow, ev, ctx);
        return;
      case 'dtls-client-hello':
        if (!ev.iceChecks) return;
        if (this.clientHellos.size >= MAX_PENDING) this.clientHellos.delete(this.clientHellos.keys().next().value!);
        this.clientHellos.set(flow.id, ev);
        if (isPionClientHello(ev)) this.dtls(flow, ev.dir === 0 ? 'a' : 'b', 'client', at, ctx);
        return;
      case 'dtls-server-hello':
        if (ev.iceChecks && isPionServerHello(ev)) this.dtls(flow, ev.dir === 0 ? 'a' : 'b', 'server', at, ctx, ev);
        return;
      default:
        return;
    }
  }

  onFlowEnd(flow: Flow, _reason: FlowEndReason, _ctx: DetectContext): void {
    this.pending.delete(flow.id);
    this.clientHellos.delete(flow.id);
  }

  private phases(flow: Flow, side: Side, ctx: DetectContext, create: boolean): SnowflakePhases | undefined {
    const t = ctx.hosts.snowflake;
    return side === 'a'
      ? create ? t.touch(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs) : t.get(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs)
      : create ? t.touch(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, ctx.nowMs) : t.get(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, ctx.nowMs);
  }

  /** A name from DNS/SNI/Host on a flow whose initiator is the client: a rendezvous when it is Snowflake's. */
  private rendezvous(flow: Flow, raw: string, how: string, ctx: DetectContext): void {
    if (raw.length > 253) return;
    const n = normaliseHostname(raw);
    let role: string | undefined;
    let list = 'builtin';
    let distinctive = false;
    if (SNOWFLAKE_BROKER_PREFIX.test(n)) {
      role = 'broker';
      distinctive = true;
    }
    const entries = this.intel.current.bridges.name(n);
    if (entries) {
      for (const e of entries) {
        if (e.transport !== 'snowflake' || e.role === 'ice') continue;
        role = e.role;
        list = e.source.builtin ? 'builtin' : e.source.name;
        if (e.role === 'broker') distinctive = true;
      }
    }
    if (role === undefined) return;
    const p = this.phases(flow, 'a', ctx, true)!;
    p.rendezvous = { ms: ctx.nowMs, name: n, how, role, distinctive: distinctive || (p.rendezvous?.distinctive === true && ctx.nowMs - p.rendezvous.ms < SNOWFLAKE_WINDOW_MS), list };
    this.retry(flow, 'a', ctx);
  }

  private stun(flow: Flow, ev: Extract<AppEvent, { kind: 'stun-message' }>, ctx: DetectContext): void {
    if (ev.ice || ev.method !== 1) return;
    const sender: Side = ev.dir === 0 ? 'a' : 'b';
    if (ev.cls === 0) {
      // A Binding request to a server: is the server one of Snowflake's ICE servers (by the name DNS gave)?
      const srv: Side = sender === 'a' ? 'b' : 'a';
      // The server's name as the sender (the client of the lookup) was told it.
      const name = (srv === 'b'
        ? ctx.hosts.names.lookup(initiatorOf(flow), flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3, ctx.nowMs)
        : ctx.hosts.names.lookup(responderOf(flow), flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3, ctx.nowMs))?.name;
      const iceList = name !== undefined && (this.intel.current.bridges.name(normaliseHostname(name))?.some((e) => e.transport === 'snowflake' && e.role === 'ice') ?? false);
      if (!iceList) return;
      const p = this.phases(flow, sender, ctx, true)!;
      p.stun = { ms: ctx.nowMs, server: endpoint(flow, srv), name, iceList };
      this.retry(flow, sender, ctx);
    } else if (ev.cls === 2 && ev.mapped !== undefined) {
      // The server's answer: the address it saw the host at (what ICE offers the peer as srflx).
      const host: Side = sender === 'a' ? 'b' : 'a';
      const p = this.phases(flow, host, ctx, false);
      if (p?.stun && p.stun.server === endpoint(flow, sender)) p.stun.mapped = ev.mapped;
    }
  }

  private dtls(flow: Flow, side: Side, hello: 'server' | 'client', at: EventTime, ctx: DetectContext, server?: Extract<AppEvent, { kind: 'dtls-server-hello' }>): void {
    const p = this.phases(flow, side, ctx, true)!;
    p.dtls = { ms: ctx.nowMs, peer: endpoint(flow, side === 'a' ? 'b' : 'a'), hello, flowId: flow.id };
    if (!this.decide(flow, side, p, at, ctx, server)) {
      if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
      this.pending.set(flow.id, { flow, side });
    }
  }

  /** A rendezvous or STUN phase arrived: a WebRTC flow of the same host that waited may now decide. */
  private retry(flow: Flow, side: Side, ctx: DetectContext): void {
    if (this.pending.size === 0) return;
    const p = this.phases(flow, side, ctx, false);
    if (!p?.dtls) return;
    const w = this.pending.get(p.dtls.flowId);
    if (!w) return;
    const at: EventTime = { tsSec: Math.floor(ctx.nowMs / 1000), tsNsec: Math.round((ctx.nowMs % 1000) * 1e6), packet: 0 };
    if (this.decide(w.flow, w.side, p, at, ctx)) this.pending.delete(p.dtls.flowId);
  }

  /** Fire when the phases allow it; true when decided (fired, or suppressed as a repeat). */
  private decide(flow: Flow, side: Side, p: SnowflakePhases, at: EventTime, ctx: DetectContext, server?: Extract<AppEvent, { kind: 'dtls-server-hello' }>): boolean {
    const now = ctx.nowMs;
    const d = p.dtls;
    if (!d) return false;
    const r = p.rendezvous && Math.abs(d.ms - p.rendezvous.ms) <= SNOWFLAKE_WINDOW_MS ? p.rendezvous : undefined;
    const s = p.stun && Math.abs(d.ms - p.stun.ms) <= SNOWFLAKE_WINDOW_MS ? p.stun : undefined;
    if (!r && !s) return false;
    if (now - p.alertedMs < SNOWFLAKE_REALERT_MS) return true;
    p.alertedMs = now;
    const score = 1 + (r ? (r.distinctive ? 2 : 1) : 0) + (s ? 1 : 0);
    const host = side === 'a' ? flow.srcIp() : flow.dstIp();
    const iso = (ms: number): string => new Date(ms).toISOString();
    const evidence: string[] = [];
    const times: Record<string, string> = {};
    if (r) {
      evidence.push(`rendezvous: ${howWords(r.how)} ${r.name} (Snowflake ${r.role}${r.list === 'builtin' ? ', Tor Browser\'s lines' : `, ${r.list}`})`);
      times.rendezvous = iso(r.ms);
    }
    if (s) {
      evidence.push(`STUN Binding to ${s.name ?? '?'} ${s.server} (a Snowflake ICE server)${s.mapped ? `, which saw the host as ${s.mapped}` : ''}`);
      times.stun = iso(s.ms);
    }
    evidence.push(`WebRTC DTLS with ${d.peer} after ICE checks, the host sending pion/dtls's ${d.hello === 'server' ? 'ServerHello (Snowflake client)' : 'ClientHello'}`);
    times.dtls = iso(d.ms);
    const role = d.hello === 'server' ? 'a Snowflake client (Tor)' : 'pion/dtls as DTLS client: a standalone Snowflake proxy, or a client whose proxy took the server role';
    const finding: Finding = {
      rule: this.rule,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      message: `${host} used Snowflake: ${[r ? `rendezvous (${r.name})` : undefined, s ? `STUN to ICE server ${s.name ?? s.server}` : undefined, `pion WebRTC DTLS with ${d.peer}`].filter(Boolean).join(', ')}, within ${SNOWFLAKE_WINDOW_MS / 60_000} minutes; ${role}`,
      confidence: score >= 3 ? 'high' : 'medium',
      labels: { tor_transport: 'snowflake', tor_snowflake_phases: [r ? 'rendezvous' : '', s ? 'stun' : '', 'dtls'].filter(Boolean).join('+'), tor_snowflake_role: d.hello === 'server' ? 'client' : 'dtls-client' },
      transport: {
        name: 'snowflake',
        list: r?.list,
        evidence,
        times,
        details: {
          span_ms: Math.round(spanMs(r, s, d)),
          phases: [r ? 'rendezvous' : '', s ? 'stun' : '', 'dtls'].filter(Boolean),
          ...(r ? { rendezvous_name: r.name, rendezvous_seen_in: r.how } : {}),
          ...(s ? { ice_server: s.server, ...(s.name ? { ice_server_name: s.name } : {}) } : {}),
          ...(s?.mapped ? { reflexive_address: s.mapped } : {}),
          proxy: d.peer,
          host,
        },
      },
      dtls: this.dtlsFacts(flow.id, server),
    };
    ctx.fire(finding);
    return true;
  }

  private dtlsFacts(flowId: number, server?: Extract<AppEvent, { kind: 'dtls-server-hello' }>): DtlsFacts {
    const c = this.clientHellos.get(flowId);
    const f: DtlsFacts = { implementation: 'pion' };
    if (c) {
      f.ja4 = c.ja4;
      f.version = c.version === 0xfefd ? '1.2' : c.version === 0xfeff ? '1.0' : undefined;
      f.ciphers = c.ciphers.map(hex4);
      f.groups = c.groups.map(hex4);
    }
    if (server) {
      f.ja4s = server.ja4s;
      f.serverCipher = hex4(server.cipher);
      f.serverExtensions = server.extensions;
    }
    return f;
  }
}

function endpoint(f: Flow, side: Side): string {
  const ip = side === 'a' ? f.srcIp() : f.dstIp();
  const port = side === 'a' ? f.aPort : f.bPort;
  return f.ipVersion === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}

function howWords(how: string): string {
  switch (how) {
    case 'dns': return 'DNS question for';
    case 'tls': return 'TLS SNI';
    case 'quic': return 'QUIC SNI';
    case 'http': return 'HTTP Host';
    default: return 'connection to an address DNS gave for';
  }
}

function spanMs(r: { ms: number } | undefined, s: { ms: number } | undefined, d: { ms: number }): number {
  const t = [d.ms, r?.ms ?? d.ms, s?.ms ?? d.ms];
  return Math.max(...t) - Math.min(...t);
}
