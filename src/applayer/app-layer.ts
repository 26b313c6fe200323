import { IpProto, type Packet } from '../decode/packet.js';
import type { Flow } from '../flow/flow.js';
import { keyedAddressHash } from '../util/hash.js';
import { formatIp } from '../util/ip.js';
import { AppAnomaly, AppCounters, AppStat } from './anomalies.js';
import type { AppContext } from './context.js';
import { DnsType, parseDnsMessage, type DnsMessage } from './dns/message.js';
import type { AppEvent, DnsAddressRecord, EventTime } from './events.js';
import { MemoryBudget } from './memory.js';
import { AnswerMatch, DnsQueries } from './dns/queries.js';
import { FlowReassembly } from './ip-reassembly.js';
import { TcpSession } from './tcp-session.js';
import { UDP_PROTOCOLS } from './udp-protocols.js';
import type { UdpSession } from './udp-session.js';

/**
 * The app-layer stage: between the flow table and the detectors. For each packet of a flow it decides
 * whether a parser wants it, and hands it over:
 *  - UDP to or from port 53: every datagram is a DNS message;
 *  - TCP to or from port 53: DNS over TCP (length-prefixed messages, reassembled);
 *  - any other TCP: the first bytes of the reassembled stream choose TLS, HTTP or a protocol of
 *    TCP_PROTOCOLS (any port); a stream of none of them has its shape measured (opaque/observer.ts);
 *  - any other UDP: the first datagram with payload is offered to UDP_PROTOCOLS (QUIC, ...) in order.
 * A flow nobody wants, or whose parsers are done, gets Flow.app = APP_DONE, and from then on costs one
 * comparison per packet. Parsers report facts as AppEvents; nothing here decides.
 *
 * Every parser error is a named anomaly; an exception (a bug) is caught here, counted as
 * applayer.internal_error, and ends inspection of that flow, never the run.
 */
export const APP_DONE: unique symbol = Symbol('app-done');
/** A UDP flow on another port whose first datagram had no payload yet. */
const UDP_UNDECIDED: unique symbol = Symbol('udp-undecided');

export interface AppLayerOptions {
  /** Receives every event, with the time of the packet that completed it. */
  onEvent: (flow: Flow, ev: AppEvent, at: EventTime) => void;
  /** Bytes of each TCP direction reassembled and inspected (default 64 KiB). */
  streamDepth?: number;
  /** Bytes all parsers together may hold (default 64 MiB). */
  memcap?: number;
}

export const DNS_PORT = 53;

export class AppLayer implements AppContext {
  readonly counters = new AppCounters();
  readonly budget: MemoryBudget;
  readonly streamDepth: number;
  /** The current event time (reused; see EventTime). */
  readonly at: EventTime = { tsSec: 0, tsNsec: 0, packet: 0 };
  /** Flows with IP fragments waiting for the rest of their datagram (ip-reassembly.ts). */
  private readonly reassembly = new Map<Flow, FlowReassembly>();
  /** The last exception caught at this stage's boundary (a bug): kept so tests and the fuzzer can say where. */
  lastInternalError: unknown;

  constructor(private readonly opts: AppLayerOptions) {
    // Charged per flow and per source host (the initiator, keyed: util/hash.ts); a full pool evicts
    // the oldest holders (memory.ts).
    this.budget = new MemoryBudget(opts.memcap ?? 64 * 1024 * 1024, {
      hostOf: (o) => {
        const f = o as Flow;
        return keyedAddressHash(f.ipVersion, f.a0, f.a1, f.a2, f.a3);
      },
      evict: (o) => {
        this.counters.anomaly(AppAnomaly['stream.memcap_evicted']);
        this.abandon(o as Flow);
      },
    });
    this.streamDepth = opts.streamDepth ?? 64 * 1024;
  }

  /** One packet of `flow` (after the flow table), `dir` 0 = initiator -> responder. */
  onPacket(flow: Flow, p: Packet, isNew: boolean, dir: number): void {
    const st = flow.app;
    if (st === APP_DONE) return;
    const at = this.at;
    at.tsSec = p.frame.tsSec;
    at.tsNsec = p.frame.tsNsec;
    at.packet = p.frame.index;
    const prevOwner = this.budget.enter(flow);
    try {
      if (isNew) this.newFlow(flow);
      const s = flow.app;
      if (p.isFragment) {
        // The pieces are kept (reserved as they arrive) until the datagram is whole; then it goes on
        // like any packet, so a ClientHello, HTTP request or DNS message sent in fragments is read.
        const whole = this.reassemble(flow, p);
        if (!whole) return;
        p = whole;
      }
      if (s instanceof TcpSession) {
        if (p.proto !== IpProto.TCP) return;
        s.packet(p, dir);
        if (s.finished) this.finishFlow(flow, s);
      } else if (s instanceof DnsQueries) {
        if (p.payLen > 0) this.udpDns(flow, p, dir, s);
      } else if (s === UDP_UNDECIDED) {
        this.decideUdp(flow, p, dir);
      } else if (s === undefined) {
        // A flow that existed before this stage saw it (not expected: every flow starts with isNew).
        this.newFlow(flow);
      } else if (p.proto === IpProto.UDP) {
        const u = s as UdpSession;
        if (p.payLen > 0) u.datagram(p.buf, p.payOff, p.payLen, dir);
        if (u.finished) this.abandon(flow);
      }
    } catch (err) {
      this.counters.anomaly(AppAnomaly['applayer.internal_error']);
      this.lastInternalError = err;
      this.abandon(flow);
    } finally {
      this.budget.enter(prevOwner);
    }
  }

  /** The flow left the table: parsers still waiting get their last word (e.g. tls-done). */
  onFlowEnd(flow: Flow): void {
    const s = flow.app;
    if (s === APP_DONE || s === undefined) return;
    const at = this.at;
    at.tsSec = flow.lastSec;
    at.tsNsec = flow.lastNsec;
    at.packet = 0;
    const prevOwner = this.budget.enter(flow);
    try {
      this.abandon(flow);
    } catch (err) {
      this.counters.anomaly(AppAnomaly['applayer.internal_error']);
      this.lastInternalError = err;
    } finally {
      this.budget.enter(prevOwner);
    }
  }

  /** Summary counters: { anomalies, stats }. */
  summary(): { anomalies: Record<string, number>; stats: Record<string, number> } {
    const stats = this.counters.statsObject();
    const b = this.budget;
    stats.memory_peak_bytes = b.peak;
    stats.memory_evicted_flows = b.evictions;
    stats.memory_flow_cap_refusals = b.flowCapRefusals;
    stats.memory_host_cap_refusals = b.hostCapRefusals;
    return { anomalies: this.counters.anomaliesObject(), stats };
  }

  // --- AppContext ---

  emit(flow: Flow, ev: AppEvent): void {
    this.opts.onEvent(flow, ev, this.at);
  }

  dns(flow: Flow, msg: DnsMessage, transport: 'udp' | 'tcp', dir = -1, queries?: DnsQueries): void {
    this.counters.stat(AppStat.dns_messages);
    const qs = msg.questions;
    if (!msg.response && qs.length) queries?.query(msg.id, qs[0].name);
    if (qs.length) {
      const names: string[] = [];
      const qtypes: number[] = [];
      for (let i = 0; i < qs.length; i++) {
        names.push(qs[i].name);
        qtypes.push(qs[i].type);
      }
      this.emit(flow, { kind: 'dns-query', names, qtypes, response: msg.response, id: msg.id, transport });
    }
    if (!msg.response || msg.rcode !== 0 || msg.answers.length === 0) return;
    // Addresses are reported under the name the client asked for (the first question), which is the
    // name it will be connecting to, whatever CNAME chain the resolver followed. The detect stage's
    // host state files them (address -> name) for later flows.
    const asked = qs.length ? qs[0].name : msg.answers[0].name;
    // Bound to the query it answers where this flow showed queries: an answer nobody asked for (a
    // spoofed one) would otherwise name a later connection of the receiver.
    const match = queries ? queries.match(msg.id, qs.length ? qs[0].name : '') : AnswerMatch.NO_QUERY_SEEN;
    if (match === AnswerMatch.UNSOLICITED) {
      this.counters.anomaly(AppAnomaly['dns.unsolicited_answer']);
      return;
    }
    let addrs: string[] | undefined;
    let records: DnsAddressRecord[] | undefined;
    let ttl = Infinity;
    for (const a of msg.answers) {
      if ((a.type !== DnsType.A && a.type !== DnsType.AAAA) || !a.words || !a.version) continue;
      const w = a.words;
      this.counters.stat(AppStat.dns_answers_cached);
      (records ??= []).push({ version: a.version, words: w, ttl: a.ttl });
      (addrs ??= []).push(formatIp(a.version, w[0], w[1], w[2], w[3]));
      if (a.ttl < ttl) ttl = a.ttl;
    }
    if (!addrs || !records) return;
    if (match === AnswerMatch.NO_QUERY_SEEN) this.counters.stat(AppStat.dns_answers_without_query);
    // The receiver is the client the names are for: the side the answer went to (dir 0: a -> b).
    const toA = dir === 1 || (dir < 0 && flow.aPort !== DNS_PORT);
    const client: DnsAddressRecord = { version: flow.ipVersion, words: toA ? [flow.a0, flow.a1, flow.a2, flow.a3] : [flow.b0, flow.b1, flow.b2, flow.b3], ttl: 0 };
    const resolver = toA ? formatIp(flow.ipVersion, flow.b0, flow.b1, flow.b2, flow.b3) : formatIp(flow.ipVersion, flow.a0, flow.a1, flow.a2, flow.a3);
    this.emit(flow, { kind: 'dns-answer', name: asked, addrs, records, ttl, client, resolver, querySeen: match === AnswerMatch.SOLICITED });
  }

  // --- internals ---

  private newFlow(flow: Flow): void {
    if (flow.proto === IpProto.TCP) {
      flow.app = new TcpSession(flow, this, flow.aPort === DNS_PORT || flow.bPort === DNS_PORT);
      this.counters.stat(AppStat.flows_inspected);
    } else if (flow.proto === IpProto.UDP) {
      // UDP/53: every datagram stands alone; the flow keeps only the queries it sent (dns/queries.ts).
      flow.app = flow.aPort === DNS_PORT || flow.bPort === DNS_PORT ? new DnsQueries() : UDP_UNDECIDED;
    } else {
      flow.app = APP_DONE;
    }
  }

  private decideUdp(flow: Flow, p: Packet, dir: number): void {
    if (p.payLen <= 0) return;
    for (const proto of UDP_PROTOCOLS) {
      if (!proto.claims(p.buf, p.payOff, p.payLen, flow, dir)) continue;
      const u = proto.open(flow, this);
      flow.app = u;
      this.counters.stat(AppStat.flows_inspected);
      u.datagram(p.buf, p.payOff, p.payLen, dir);
      if (u.finished) this.abandon(flow);
      return;
    }
    flow.app = APP_DONE;
  }

  private udpDns(flow: Flow, p: Packet, dir: number, queries: DnsQueries): void {
    const r = parseDnsMessage(p.buf, p.payOff, p.payOff + p.payLen);
    if (r.anomaly >= 0) this.counters.anomaly(r.anomaly);
    if (r.message) this.dns(flow, r.message, 'udp', dir, queries);
  }

  /** One IP fragment of `flow`: the reassembled datagram once complete, else undefined. */
  private reassemble(flow: Flow, p: Packet): Packet | undefined {
    if (p.proto !== IpProto.TCP && p.proto !== IpProto.UDP) {
      this.counters.stat(AppStat.ip_fragments_skipped);
      return undefined;
    }
    let r = this.reassembly.get(flow);
    if (!r) this.reassembly.set(flow, (r = new FlowReassembly(this.budget)));
    const whole = r.add(p);
    if (r.dropped) this.counters.anomaly(AppAnomaly['ip.reassembly_dropped']);
    if (r.pending === 0) this.reassembly.delete(flow);
    if (whole) this.counters.stat(AppStat.ip_datagrams_reassembled);
    return whole;
  }

  private finishFlow(flow: Flow, s: TcpSession): void {
    flow.app = APP_DONE;
    s.close();
  }

  private abandon(flow: Flow): void {
    const s = flow.app;
    flow.app = APP_DONE;
    const r = this.reassembly.get(flow);
    if (r) {
      r.close();
      this.reassembly.delete(flow);
    }
    if (s instanceof TcpSession) s.close();
    else if (s instanceof DnsQueries) return;
    else if (typeof s === 'object' && s !== null) (s as UdpSession).finish();
  }
}
