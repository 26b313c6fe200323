import { markTruncated } from './truncated.js';
import type { AggregateSummary } from '../detect/aggregate/aggregator.js';
import type { RuleDef, Severity } from '../detect/catalog.js';
import type { BitTorrentFacts, BtEndpointFacts, ClientFact, Detection, IndicatorMatch, MatchedOn } from '../detect/detection.js';
import { Initiator, INITIATOR_NAMES, type Flow } from '../flow/flow.js';
import { communityId } from './community-id.js';
import { flowDirection } from './direction.js';
import { deterministicEventId, randomEventId } from './event-id.js';
import { durationNs, isoTime } from './timestamp.js';
import { EVENT_SEVERITY, RISK_SCORE } from './severity.js';

/** ECS version every alert declares; the validator test reads the same version's field list. */
export const ECS_VERSION = '9.4.0';

const TRANSPORT: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp', 132: 'sctp', 47: 'gre' };

export interface ObserverInfo {
  hostname: string;
  version: string;
  /** Optional sensor name (observer.name) and capture interface (observer.ingress.interface.name). */
  name?: string;
  interface?: string;
}

export interface AlertBuilderOptions {
  observer: ObserverInfo;
  /** 'deterministic' (replay: same input, same ids) or 'random' (live). */
  eventIds: 'deterministic' | 'random';
  communityIdSeed?: number;
  /** Live capture on several interfaces: observer.ingress.interface.name is each detection's input. */
  ingressFromInput?: boolean;
}

/** An ECS document as emitted: nested plain objects, JSON-serializable. */
export type EcsAlert = Record<string, unknown>;

/**
 * The one place that knows ECS field names: turns a Detection into an ECS 9.4.0 alert document.
 * Field order follows what an analyst reads first.
 */
export class AlertBuilder {
  private seq = 0;
  /** event.id of the last alert built (the aggregator links a summary to its first alert). */
  lastEventId: string | undefined;

  /**
   * Replay ids come from what an alert is about; with a sensor name they also come from which sensor
   * saw it, so two sensors replaying the same traffic into one store do not collapse into one alert.
   * Without a name the ids are what they always were.
   */
  private readonly idSalt: string;

  constructor(private readonly opts: AlertBuilderOptions) {
    this.idSalt = opts.observer.name ? `${opts.observer.name}|` : '';
  }

  build(d: Detection): EcsAlert {
    const f = d.flow;
    const rule = d.rule;
    const severity = d.severity ?? rule.severity;
    const src = f.srcIp();
    const dst = f.dstIp();
    const cid = communityId(
      { version: f.ipVersion, src: [f.a0, f.a1, f.a2, f.a3], dst: [f.b0, f.b1, f.b2, f.b3], proto: f.proto, sport: f.aPort, dport: f.bPort },
      this.opts.communityIdSeed ?? 0,
    );
    const ts = isoTime(d.tsSec, d.tsNsec);
    this.seq++;
    const id = this.opts.eventIds === 'random'
      ? randomEventId()
      : deterministicEventId(`${this.idSalt}${rule.id}|${cid}|${f.firstSec}.${f.firstNsec}|${ts}|${d.input}|${d.packet}`);
    this.lastEventId = id;
    const hasPorts = f.proto === 6 || f.proto === 17 || f.proto === 132;

    const doc: EcsAlert = {
      '@timestamp': ts,
      message: d.message,
      ecs: { version: ECS_VERSION },
      event: eventFields(DETECTION, id, rule, severity, f.firstSec, f.firstNsec, f.lastSec, f.lastNsec),
      rule: ruleFields(rule),
      ...optional('threat', threatFields(rule, d.indicators)),
      source: endpoint(src, hasPorts ? f.aPort : undefined, f.pktsAB, f.bytesAB),
      destination: endpoint(dst, hasPorts ? f.bPort : undefined, f.pktsBA, f.bytesBA, d.destinationDomain),
      network: networkFields(f, cid),
      observer: this.observerFields(d.input),
      related: relatedFields(src, dst, d),
    };
    if (d.http) addHttp(doc, d);
    if (d.bittorrent?.infoHashes?.length) (doc.related as Record<string, unknown>).hash = d.bittorrent.infoHashes;
    if (d.hostname) addHostname(doc, d);
    if (d.tls) addTls(doc, d);
    const labels = { ...(d.labels ?? {}) };
    if (Object.keys(labels).length) doc.labels = labels;
    doc.torwatch = torwatchFields(d, f, severity);
    markTruncated(doc);
    return doc;
  }

  /**
   * The alert that closes an aggregation window: the first match's rule, endpoints and indicators,
   * with first/last seen as event.start/end, and the count and source ports under
   * torwatch.aggregate. It describes many flows, so flow-level fields (source.port, Community ID,
   * packet and byte counts) are left out. Its own event.id: deterministic in replay, random live.
   */
  buildSummary(s: AggregateSummary): EcsAlert {
    const d = s.first;
    const f = d.flow;
    const rule = d.rule;
    const severity = d.severity ?? rule.severity;
    const src = f.srcIp();
    const dst = f.dstIp();
    const hasPorts = f.proto === 6 || f.proto === 17 || f.proto === 132;
    const ts = isoTime(s.closeSec, s.closeNsec);
    const start = isoTime(s.firstSec, s.firstNsec);
    const end = isoTime(s.lastSec, s.lastNsec);
    this.seq++;
    const id = this.opts.eventIds === 'random'
      ? randomEventId()
      : deterministicEventId(`${this.idSalt}summary|${rule.id}|${src}|${dst}|${f.proto}|${f.bPort}|${d.hostname?.name ?? ''}|${start}|${end}|${s.count}|${ts}`);
    this.lastEventId = id;
    const target = `${dst}${hasPorts ? `:${f.bPort}` : ''}${d.hostname ? ` (${d.hostname.name})` : ''}`;
    const doc: EcsAlert = {
      '@timestamp': ts,
      message: `${s.count} matches of ${rule.id} from ${src} to ${target} between ${start} and ${end}; ${s.suppressed} not sent on their own (suppression window ${s.windowSec} s)`,
      ecs: { version: ECS_VERSION },
      event: eventFields(SUMMARY, id, rule, severity, s.firstSec, s.firstNsec, s.lastSec, s.lastNsec),
      rule: ruleFields(rule),
      ...optional('threat', threatFields(rule, d.indicators)),
      source: { ip: src, address: src },
      destination: { ip: dst, address: dst, ...(hasPorts ? { port: f.bPort } : {}), ...(d.destinationDomain ? { domain: d.destinationDomain } : {}) },
      network: {
        transport: TRANSPORT[f.proto] ?? String(f.proto),
        type: f.ipVersion === 4 ? 'ipv4' : 'ipv6',
        iana_number: String(f.proto),
        direction: flowDirection(f),
      },
      observer: this.observerFields(d.input),
      related: relatedFields(src, dst, d),
    };
    if (d.hostname) addHostname(doc, d);
    const labels = { ...(d.labels ?? {}) };
    if (Object.keys(labels).length) doc.labels = labels;
    doc.torwatch = {
      severity,
      input: { name: d.input },
      aggregate: {
        count: s.count,
        suppressed: s.suppressed,
        window: s.windowSec,
        reason: s.reason,
        ...(s.firstAlertId ? { first_event_id: s.firstAlertId } : {}),
        ...(s.sourcePorts.length ? { source_ports: s.sourcePorts, source_ports_truncated: s.sourcePortsTruncated } : {}),
      },
      ...(d.confidence ? { confidence: d.confidence } : {}),
    };
    markTruncated(doc);
    return doc;
  }

  /** observer.*; on multi-interface capture the ingress interface is the input the packet came from. */
  private observerFields(input: string): Record<string, unknown> {
    const o = this.opts.observer;
    const iface = this.opts.ingressFromInput ? input : o.interface;
    return {
      type: 'sensor',
      product: 'torwatch',
      vendor: 'torwatch',
      version: o.version,
      hostname: o.hostname,
      ...(o.name ? { name: o.name } : {}),
      ...(iface ? { ingress: { interface: { name: iface } } } : {}),
    };
  }
}

/**
 * What tells a detection from a summary of repeats, in the ECS fields SIEM rules filter on. A
 * detection is `event.kind: alert` in dataset `torwatch.alert`; a summary is `event.kind: event`
 * (ECS: "the event describes something that happened", here a count of matches already alerted
 * once) in dataset `torwatch.summary`, with `event.type: info`. A SIEM rule on `event.kind:alert`
 * (Elastic's external-alert rules, Sentinel analytics on the dataset) therefore fires once per
 * detection, never again for its summary; the count is in torwatch.aggregate.count.
 */
interface EventKind {
  kind: 'alert' | 'event';
  dataset: string;
  type: string[];
}
const DETECTION: EventKind = { kind: 'alert', dataset: 'torwatch.alert', type: ['connection', 'allowed'] };
const SUMMARY: EventKind = { kind: 'event', dataset: 'torwatch.summary', type: ['info'] };

/** The dataset of summary alerts: outputs that name a message by its kind (syslog MSGID) test for it. */
export const SUMMARY_DATASET = SUMMARY.dataset;

/** event.*: what every torwatch alert says about itself, from first to last seen. */
function eventFields(k: EventKind, id: string, rule: RuleDef, severity: Severity, sec0: number, nsec0: number, sec1: number, nsec1: number): Record<string, unknown> {
  return {
    kind: k.kind,
    category: ['network', 'intrusion_detection'],
    type: k.type,
    module: 'torwatch',
    dataset: k.dataset,
    provider: 'torwatch',
    id,
    severity: EVENT_SEVERITY[severity],
    risk_score: RISK_SCORE[severity],
    start: isoTime(sec0, nsec0),
    end: isoTime(sec1, nsec1),
    duration: durationNs(sec0, nsec0, sec1, nsec1),
    reference: rule.reference,
  };
}

/** `{ key: value }` when there is a value, else nothing (spread into a document in field order). */
function optional(key: string, value: unknown): Record<string, unknown> {
  return value === undefined ? {} : { [key]: value };
}

function ruleFields(rule: RuleDef): Record<string, unknown> {
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description,
    category: rule.category,
    ruleset: 'torwatch',
    version: rule.version,
    reference: rule.reference,
    author: ['torwatch'],
  };
}

/**
 * threat.*: the rule's MITRE ATT&CK mapping and the matched indicators. A rule with no defensible
 * technique (the torrent rules) carries no framework/tactic/technique; `threat` is then left out unless
 * an indicator matched.
 */
function threatFields(rule: RuleDef, indicators: IndicatorMatch[] | undefined): Record<string, unknown> | undefined {
  const t = rule.threat;
  if (t.tactics.length === 0 && t.techniques.length === 0) {
    return indicators?.length ? { enrichments: indicators.map(enrichment) } : undefined;
  }
  const out: Record<string, unknown> = {
    framework: 'MITRE ATT&CK',
    tactic: { id: t.tactics.map((x) => x.id), name: t.tactics.map((x) => x.name), reference: t.tactics.map((x) => x.reference) },
    technique: {
      id: t.techniques.map((x) => x.id),
      name: t.techniques.map((x) => x.name),
      reference: t.techniques.map((x) => x.reference),
      subtechnique: { id: t.subtechniques.map((x) => x.id), name: t.subtechniques.map((x) => x.name), reference: t.subtechniques.map((x) => x.reference) },
    },
  };
  if (indicators?.length) out.enrichments = indicators.map(enrichment);
  return out;
}

/** The alert field an indicator matched (threat.enrichments.matched.field), by what it matched. */
const MATCHED_FIELD: Readonly<Record<MatchedOn, string>> = {
  'initiator-address': 'source.ip',
  'responder-address': 'destination.ip',
  'dns-question': 'dns.question.name',
  'sni': 'tls.client.server_name',
  'http-host': 'url.domain',
  'resolved-name': 'destination.domain',
};

/** ECS threat.indicator.confidence is a word; numeric (0-100, STIX) confidences map onto it. */
function confidenceWord(n: number): string {
  if (n <= 0) return 'None';
  if (n < 30) return 'Low';
  if (n < 70) return 'Medium';
  return 'High';
}

function enrichment(m: IndicatorMatch): Record<string, unknown> {
  const indicator: Record<string, unknown> = { type: m.type };
  if (m.type === 'domain-name') indicator.url = { domain: m.value };
  else indicator.ip = m.value;
  if (m.port !== undefined) indicator.port = m.port;
  if (m.provider) indicator.provider = m.provider;
  if (m.description) indicator.description = m.description;
  if (m.confidence !== undefined) indicator.confidence = confidenceWord(m.confidence);
  if (m.firstSeen) indicator.first_seen = m.firstSeen;
  if (m.lastSeen) indicator.last_seen = m.lastSeen;
  if (m.tlp) indicator.marking = { tlp: m.tlp };
  if (m.name) indicator.name = m.name;
  if (m.reference) indicator.reference = m.reference;
  if (m.modifiedAt) indicator.modified_at = m.modifiedAt;
  return { indicator, matched: { atomic: m.value, field: MATCHED_FIELD[m.on], type: 'indicator_match_rule' } };
}

function endpoint(ip: string, port: number | undefined, packets: number, bytes: number, domain?: string): Record<string, unknown> {
  const e: Record<string, unknown> = { ip, address: ip };
  if (port !== undefined) e.port = port;
  if (domain) e.domain = domain;
  e.packets = packets;
  e.bytes = bytes;
  return e;
}

function networkFields(f: Flow, cid: string): Record<string, unknown> {
  const n: Record<string, unknown> = {
    transport: TRANSPORT[f.proto] ?? String(f.proto),
    type: f.ipVersion === 4 ? 'ipv4' : 'ipv6',
    iana_number: String(f.proto),
    direction: flowDirection(f),
    community_id: cid,
    packets: f.packets,
    bytes: f.bytes,
  };
  if (f.vlanOuter) n.vlan = { id: String(f.vlanOuter) };
  if (f.vlanInner) n.inner = { vlan: { id: String(f.vlanInner) } };
  return n;
}

function relatedFields(src: string, dst: string, d: Detection): Record<string, unknown> {
  const r: Record<string, unknown> = { ip: src === dst ? [src] : [src, dst] };
  const hosts = new Set<string>();
  if (d.hostname) hosts.add(d.hostname.name);
  if (d.destinationDomain) hosts.add(d.destinationDomain);
  if (hosts.size) r.hosts = [...hosts];
  return r;
}

function addHostname(doc: EcsAlert, d: Detection): void {
  const h = d.hostname!;
  switch (h.source) {
    case 'dns':
      doc.dns = { question: { name: h.name } };
      break;
    case 'tls':
    case 'quic':
      doc.tls = { ...(doc.tls as object | undefined), client: { server_name: h.name } };
      break;
    case 'http':
      doc.url = { ...(doc.url as object | undefined), domain: h.name };
      break;
    case 'resolved':
      // The name is destination.domain (Detection.destinationDomain); no protocol field carries it.
      break;
  }
}

function addHttp(doc: EcsAlert, d: Detection): void {
  const h = d.http!;
  doc.http = { request: { method: h.method } };
  doc.url = {
    ...(doc.url as object | undefined),
    original: h.target,
    ...(h.path !== undefined ? { path: h.path } : {}),
    ...(h.query !== undefined ? { query: h.query } : {}),
    ...(h.domain !== undefined ? hostAndPort(h.domain) : {}),
  };
  if (h.userAgent !== undefined) doc.user_agent = { original: h.userAgent };
}

/** url.domain and url.port from a Host value ("tracker.example:6969", "[2001:db8::1]:80"). */
function hostAndPort(host: string): Record<string, unknown> {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return { domain: host };
  const domain = m[1].replace(/^\[|\]$/g, '');
  return m[2] !== undefined ? { domain, port: Number(m[2]) } : { domain };
}

function addTls(doc: EcsAlert, d: Detection): void {
  const t = d.tls!;
  const tls = (doc.tls ?? {}) as Record<string, unknown>;
  const client = (tls.client ?? {}) as Record<string, unknown>;
  if (t.sni) client.server_name = t.sni;
  if (t.ja3) client.ja3 = t.ja3;
  if (Object.keys(client).length) tls.client = client;
  if (t.version) {
    tls.version = t.version;
    tls.version_protocol = 'tls';
  }
  if (t.certSubject || t.certIssuer) {
    const x509: Record<string, unknown> = {};
    if (t.certSubject) x509.subject = { common_name: [t.certSubject] };
    if (t.certIssuer) x509.issuer = { common_name: [t.certIssuer] };
    tls.server = { x509 };
  }
  doc.tls = tls;
}

/**
 * torwatch.flow: the flow's number in this run, its first packet, and how its initiator (source) was
 * told (Flow.initiator: syn, syn-ack, server-port, first-packet); `midstream` marks a TCP connection
 * whose handshake was not seen, whose direction is therefore a guess.
 */
function flowFields(f: Flow): Record<string, unknown> {
  const midstream = f.proto === 6 && f.initiator !== Initiator.SYN && f.initiator !== Initiator.SYN_ACK;
  return { id: f.id, first_packet: f.firstPacket, initiator_from: INITIATOR_NAMES[f.initiator], ...(midstream ? { midstream: true } : {}) };
}

function torwatchFields(d: Detection, f: Flow, severity: string): Record<string, unknown> {
  const t: Record<string, unknown> = {
    severity,
    input: { name: d.input, packet: d.packet },
    flow: flowFields(f),
  };
  if (d.confidence) t.confidence = d.confidence;
  if (d.hostname) t.hostname = { name: d.hostname.name, source: d.hostname.source, ...(d.hostname.match ? { match: d.hostname.match } : {}) };
  // Which DNS answer named the destination (destination.domain): to this flow's initiator, from this
  // resolver, at this time, answering a query that was (or was not) seen.
  if (d.resolvedBy) t.dns_answer = { resolver: d.resolvedBy.resolver, time: isoTime(d.resolvedBy.tsSec, d.resolvedBy.tsNsec), query_seen: d.resolvedBy.querySeen };
  if (d.tls) {
    // No ECS 9.4 fields for these: JA4, the JA3 input string, and what the client offered (ECS
    // tls.next_protocol and tls.version are the negotiated values).
    const x: Record<string, unknown> = {};
    if (d.tls.ja4) x.ja4 = d.tls.ja4;
    if (d.tls.ja3String) x.ja3_string = d.tls.ja3String;
    if (d.tls.alpn?.length) x.client_alpn = d.tls.alpn;
    if (d.tls.offeredVersions?.length) x.client_supported_versions = d.tls.offeredVersions;
    if (Object.keys(x).length) t.tls = x;
  }
  const details = d.indicators?.filter((m) => m.details).map((m) => ({ value: m.value, ...m.details }));
  if (details?.length) t.indicators = details;
  if (d.bittorrent) t.bittorrent = bittorrentFields(d.bittorrent);
  if (d.transport) t.transport = transportFields(d.transport);
  if (d.dtls) {
    const x = d.dtls;
    t.dtls = {
      ...(x.ja4 ? { ja4: x.ja4 } : {}),
      ...(x.ja4s ? { ja4s: x.ja4s } : {}),
      ...(x.version ? { version: x.version } : {}),
      ...(x.ciphers ? { client_ciphers: x.ciphers } : {}),
      ...(x.groups ? { client_groups: x.groups } : {}),
      ...(x.serverCipher ? { server_cipher: x.serverCipher } : {}),
      ...(x.serverExtensions ? { server_extensions: x.serverExtensions } : {}),
      ...(x.implementation ? { implementation: x.implementation } : {}),
    };
  }
  return t;
}

/** torwatch.transport: a bridge or pluggable transport (ECS has no fields for it). */
function transportFields(x: NonNullable<Detection['transport']>): Record<string, unknown> {
  const t: Record<string, unknown> = { name: x.name };
  if (x.list) t.list = x.list;
  if (x.listStatus) t.list_status = x.listStatus;
  if (x.listDate) t.list_date = x.listDate;
  if (x.fingerprint) t.fingerprint = x.fingerprint;
  if (x.evidence?.length) t.evidence = x.evidence;
  if (x.times && Object.keys(x.times).length) t.times = x.times;
  if (x.details && Object.keys(x.details).length) t.details = x.details;
  return t;
}

/**
 * torwatch.bittorrent.*: ECS has no BitTorrent fields. Info hashes are also in related.hash, the
 * tracker URL in url.*, the User-Agent in user_agent.original.
 */
function bittorrentFields(b: BitTorrentFacts): Record<string, unknown> {
  const out: Record<string, unknown> = { transport: b.transport };
  if (b.infoHashes?.length) out.info_hash = b.infoHashes;
  if (b.client) out.client = clientFields(b.client);
  if (b.via) out.via = b.via;
  if (b.encrypted !== undefined) out.encrypted = b.encrypted;
  if (b.source) out.source = endpointFields(b.source);
  if (b.destination) out.destination = endpointFields(b.destination);
  if (b.evidence?.length) out.evidence = b.evidence.map((e) => ({ via: e.via, ...(e.from ? { from: e.from } : {}), at: e.at }));
  if (b.utp) out.utp = { connections: b.utp.connections, packets: b.utp.packets };
  if (b.dht) {
    const x = b.dht;
    out.dht = {
      type: x.type,
      ...(x.query !== undefined ? { query: x.query } : {}),
      ...(x.transactionId !== undefined ? { transaction_id: x.transactionId } : {}),
      ...(x.nodeId !== undefined ? { node_id: x.nodeId } : {}),
      ...(x.version !== undefined ? { version: x.version } : {}),
      ...(x.target !== undefined ? { target: x.target } : {}),
      ...(x.port !== undefined ? { port: x.port } : {}),
      ...(x.peers !== undefined ? { peers: x.peers } : {}),
      ...(x.nodes !== undefined ? { nodes: x.nodes } : {}),
      ...(x.errorCode !== undefined ? { error_code: x.errorCode } : {}),
      ...(x.errorMessage !== undefined ? { error_message: x.errorMessage } : {}),
    };
  }
  if (b.tracker) {
    const x = b.tracker;
    out.tracker = {
      action: x.action,
      ...(x.event !== undefined ? { event: x.event } : {}),
      ...(x.port !== undefined ? { port: x.port } : {}),
      ...(x.numwant !== undefined ? { numwant: x.numwant } : {}),
    };
    if (x.peerId !== undefined) out.peer_id = x.peerId;
  }
  if (b.lsd) out.lsd = { port: b.lsd.port, ...(b.lsd.cookie !== undefined ? { cookie: b.lsd.cookie } : {}) };
  return out;
}

function clientFields(c: ClientFact): Record<string, unknown> {
  return { name: c.name, ...(c.version !== undefined ? { version: c.version } : {}), source: c.source, ...(c.seedWords?.length ? { seed003_match: c.seedWords } : {}) };
}

function endpointFields(e: BtEndpointFacts): Record<string, unknown> {
  return {
    ...(e.peerId !== undefined ? { peer_id: e.peerId } : {}),
    ...(e.client ? { client: clientFields(e.client) } : {}),
    ...(e.extensions?.length ? { extensions: e.extensions } : {}),
    ...(e.listenPort !== undefined ? { listen_port: e.listenPort } : {}),
  };
}

/**
 * The event.id of an alert built here, for outputs that deliver it as a key (a Redis stream field,
 * NATS's Nats-Msg-Id): they ask this function rather than knowing where ECS keeps it.
 */
export function eventIdOf(doc: EcsAlert): string {
  const ev = doc.event as Record<string, unknown> | undefined;
  return typeof ev?.id === 'string' ? ev.id : '';
}
