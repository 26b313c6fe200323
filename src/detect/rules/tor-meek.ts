import type { AppEvent, AppEventKind, EventTime } from '../../applayer/events.js';
import type { Packet } from '../../decode/packet.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowEndReason } from '../../flow/table.js';
import type { NameEntry } from '../../intel/bridges/bridge-set.js';
import type { IntelHolder } from '../../intel/intel.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { Finding, TlsFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { normaliseHostname } from './hostname-match.js';
import { tlsFactsOf } from './tls-facts.js';

/**
 * meek's shape: meek-client (and meek_lite) has no push channel, so it polls: one HTTPS connection
 * kept open, an HTTP POST whenever there is data and otherwise at an interval that starts at 100 ms and
 * grows to 5 s while idle (meek's client: initPollInterval, pollIntervalMultiplier 1.5, maxPollInterval
 * 5 s). On the wire: many small client requests, never a long silence from the client, for as long as
 * Tor runs. A browser visiting the same front domain sends a few requests and then goes quiet.
 */
export const MEEK_MIN_REQUESTS = 20;
export const MEEK_MIN_SECONDS = 30;
/** The longest client silence meek allows itself (5 s polls) and some slack. */
export const MEEK_MAX_GAP_MS = 10_000;
/** A poll is a small request: headers and at most a few cells. */
export const MEEK_SMALL_REQUEST = 1500;
/** Client bursts farther apart than this are separate requests even without a server reply between. */
const REQUEST_GAP_MS = 50;
/** TLS connections to meek names followed at once (the oldest is dropped past it). */
const MAX_WATCHED = 4096;

interface Watch {
  entry: NameEntry;
  sni: string;
  tls: TlsFacts;
  tsSec: number;
  tsNsec: number;
  packet: number;
  startMs: number;
  /** Client requests (bursts of client data after server data or a pause), small ones among them. */
  requests: number;
  small: number;
  burstBytes: number;
  lastClientMs: number;
  lastDir: number;
  maxGapMs: number;
}

/**
 * tor-meek (seed 001, SPEC.md): TLS whose SNI is one of meek's front domains or broker hosts (Tor
 * Browser's meek lines, current and past, and --bridges), then meek's shape on the same connection
 * (many small client requests at a steady poll rhythm over a long connection: high confidence, the
 * rule's high severity). A connection to the current front or a meek server name that ends without
 * the shape is reported at its end with severity low: the SNI alone (a front domain is an ordinary
 * website). Past fronts (ajax.aspnetcdn.com, a0.awsstatic.com: busy CDNs that meek no longer uses)
 * alert only with the shape. Flow-local: the name and the shape are facts of one connection.
 */
export class TorMeekDetector implements Detector {
  readonly name = 'tor-meek';
  readonly appEvents: readonly AppEventKind[] = ['tls-client-hello'];
  private readonly rule: RuleDef = ruleById('tor-meek')!;
  private readonly watched = new Map<number, Watch>();

  constructor(private readonly intel: IntelHolder) {}

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if (ev.kind !== 'tls-client-hello' || ev.sni === undefined || ev.sni.length > 253 || !ctx.enabled(this.rule.index)) return;
    const n = normaliseHostname(ev.sni);
    const meek = this.intel.current.bridges.name(n)?.filter((e) => (e.transport === 'meek' || e.transport === 'meek_lite') && (e.role === 'front' || e.role === 'broker'));
    if (!meek?.length) return;
    const entry = meek.find((e) => e.status === 'current') ?? meek[0];
    if (this.watched.size >= MAX_WATCHED) this.watched.delete(this.watched.keys().next().value!);
    this.watched.set(flow.id, {
      entry, sni: ev.sni, tls: tlsFactsOf(ev), tsSec: at.tsSec, tsNsec: at.tsNsec, packet: at.packet, startMs: ctx.nowMs,
      requests: 0, small: 0, burstBytes: 0, lastClientMs: ctx.nowMs, lastDir: 0, maxGapMs: 0,
    });
  }

  onPacket(flow: Flow, p: Packet, _isNew: boolean, dir: number, ctx: DetectContext): void {
    if (this.watched.size === 0 || p.payLen <= 0) return;
    const w = this.watched.get(flow.id);
    if (!w) return;
    const now = ctx.nowMs;
    if (dir === 0) {
      if (w.lastDir !== 0 || now - w.lastClientMs > REQUEST_GAP_MS) {
        this.closeBurst(w);
        w.requests++;
        if (w.requests > 1 && now - w.lastClientMs > w.maxGapMs) w.maxGapMs = now - w.lastClientMs;
      }
      w.burstBytes += p.payLen;
      w.lastClientMs = now;
    }
    w.lastDir = dir;
    if (w.requests >= MEEK_MIN_REQUESTS && now - w.startMs >= MEEK_MIN_SECONDS * 1000 && this.hasShape(w, now)) {
      this.watched.delete(flow.id);
      this.fire(flow, w, { tsSec: p.frame.tsSec, tsNsec: p.frame.tsNsec, packet: p.frame.index }, ctx, true);
    }
  }

  onFlowEnd(flow: Flow, _reason: FlowEndReason, ctx: DetectContext): void {
    const w = this.watched.get(flow.id);
    if (!w) return;
    this.watched.delete(flow.id);
    // The name alone counts for the current meek front and for meek server names; a front meek no
    // longer uses (ajax.aspnetcdn.com, a0.awsstatic.com: busy CDNs) needs the shape.
    if (w.entry.role === 'front' && w.entry.status === 'past') return;
    this.closeBurst(w);
    this.fire(flow, w, { tsSec: w.tsSec, tsNsec: w.tsNsec, packet: w.packet }, ctx, false);
  }

  private closeBurst(w: Watch): void {
    if (w.burstBytes > 0 && w.burstBytes <= MEEK_SMALL_REQUEST) w.small++;
    w.burstBytes = 0;
  }

  /** Mostly small requests, no client silence longer than meek's idle poll interval allows. */
  private hasShape(w: Watch, now: number): boolean {
    return w.small * 2 >= w.requests && w.maxGapMs <= MEEK_MAX_GAP_MS && now - w.lastClientMs <= MEEK_MAX_GAP_MS;
  }

  private fire(flow: Flow, w: Watch, at: EventTime, ctx: DetectContext, shape: boolean): void {
    const secs = Math.round((Math.max(flow.lastMs, ctx.nowMs) - w.startMs) / 1000);
    const e = w.entry;
    const what = e.role === 'front' ? `meek front domain` : `meek server name`;
    const list = e.source.builtin ? `Tor Browser's meek lines (${e.status} entry)` : `--bridges ${e.source.name}`;
    const evidence = [`TLS SNI ${w.sni}: a ${what} (${list})`];
    if (shape) evidence.push(`${w.requests} client requests in ${secs} s, ${w.small} of them small, the client never silent over ${Math.round(w.maxGapMs / 100) / 10} s: meek's polling`);
    else evidence.push(`${w.requests} client request(s) over ${secs} s: not meek's polling shape`);
    const d: Finding = {
      rule: this.rule,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      message: shape
        ? `${flow.srcIp()} polled ${w.sni} like meek (${w.requests} small-request exchanges in ${secs} s on one TLS connection): Tor's meek transport`
        : `${flow.srcIp()} made a TLS connection with SNI ${w.sni}, a ${what} of Tor's meek transport, without meek's polling shape (SNI alone)`,
      severity: shape ? undefined : 'low',
      confidence: shape ? 'high' : 'low',
      labels: { tor_transport: 'meek', tor_meek_evidence: shape ? 'sni+shape' : 'sni' },
      hostname: { name: w.sni, source: 'tls', match: `meek-${e.role}` },
      tls: w.tls,
      transport: {
        name: 'meek',
        list: e.source.builtin ? 'builtin' : e.source.name,
        listStatus: e.status,
        evidence,
        details: { requests: w.requests, small_requests: w.small, seconds: secs, max_client_gap_ms: Math.round(w.maxGapMs), sni_role: e.role },
      },
    };
    ctx.fire(d);
  }
}
