import type { AppEvent, AppEventKind, ClientHelloFacts, DnsAnswerRef, EventTime } from '../../applayer/events.js';
import type { Flow } from '../../flow/flow.js';
import type { RuleDef } from '../catalog.js';
import type { Finding, HostnameFact, HttpFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { normaliseHostname } from './hostname-match.js';
import { tlsFactsOf } from './tls-facts.js';

/**
 * A rule on hostnames (seed 003): every name the app layer reports for a flow is tested, wherever it
 * was seen: DNS questions (queries and responses), TLS SNI, QUIC SNI, HTTP Host, a CONNECT or
 * absolute-form request target, and the name DNS resolved the flow's destination from earlier (so the
 * connection itself is named, not only the lookup). The engine keeps it to one alert per flow.
 */
export class HostnameRuleDetector implements Detector {
  readonly appEvents: readonly AppEventKind[] = ['dns-query', 'tls-client-hello', 'quic-client-hello', 'http-request', 'resolved-destination'];

  constructor(
    readonly name: string,
    private readonly rule: RuleDef,
    /** Why a normalised name matches, or undefined. */
    private readonly match: (n: string) => string | undefined,
    /** A cheap test on the raw name: false when it certainly does not match (skips normalising). */
    private readonly mayMatch: (raw: string) => boolean,
    /** How the message names the match ("a Tor name", "a torrent name"). */
    private readonly what: string,
  ) {}

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if ((flow.fired & (1 << this.rule.index)) !== 0 || !ctx.enabled(this.rule.index)) return;
    switch (ev.kind) {
      case 'dns-query':
        for (const n of ev.names) if (this.test(flow, n, 'dns', at, ctx)) return;
        return;
      case 'tls-client-hello':
        if (ev.sni !== undefined) this.test(flow, ev.sni, 'tls', at, ctx, ev);
        return;
      case 'quic-client-hello':
        if (ev.sni !== undefined) this.test(flow, ev.sni, 'quic', at, ctx, ev);
        return;
      case 'http-request': {
        const http: HttpFacts = { method: ev.method, target: ev.target };
        for (const n of [ev.host, ev.connectHost, ev.targetHost]) {
          if (n !== undefined && this.test(flow, n, 'http', at, ctx, undefined, http)) return;
        }
        return;
      }
      case 'resolved-destination':
        this.test(flow, ev.name, 'resolved', at, ctx, undefined, undefined, ev.answer);
        return;
      default:
        return;
    }
  }

  private test(flow: Flow, raw: string, source: HostnameFact['source'], at: EventTime, ctx: DetectContext, hello?: ClientHelloFacts, http?: HttpFacts, answer?: DnsAnswerRef): boolean {
    if (!this.mayMatch(raw)) return false;
    const name = normaliseHostname(raw);
    const why = this.match(name);
    if (why === undefined) return false;
    const d: Finding = {
      rule: this.rule,
      flow,
      tsSec: at.tsSec,
      tsNsec: at.tsNsec,
      packet: at.packet,
      // The name as seen on the wire (case, escapes); matching used the normalised form.
      message: message(flow, raw, source, this.what, why),
      hostname: { name: raw, source, match: why },
      labels: { hostname_match: why },
    };
    if (source === 'resolved') {
      d.destinationDomain = raw;
      d.resolvedBy = answer;
    }
    // Fingerprints are computed only now, for an alert (most hellos never get here).
    if (hello) d.tls = tlsFactsOf(hello);
    if (http) d.http = http;
    return ctx.fire(d);
  }
}

function message(f: Flow, name: string, source: HostnameFact['source'], what: string, why: string): string {
  const src = f.srcIp();
  const dst = f.dstIp();
  const dstPort = f.ipVersion === 6 ? `[${dst}]:${f.bPort}` : `${dst}:${f.bPort}`;
  const tag = `${what} (${why})`;
  switch (source) {
    case 'dns':
      return `DNS question for ${name}, ${tag}, between ${src} and ${dst}`;
    case 'tls':
      return `${src} sent TLS SNI ${name}, ${tag}, to ${dstPort}`;
    case 'quic':
      return `${src} sent QUIC SNI ${name}, ${tag}, to ${dstPort}`;
    case 'http':
      return `${src} sent an HTTP request for ${name}, ${tag}, to ${dstPort}`;
    case 'resolved':
      return `${src} connected to ${dstPort}, which DNS resolved earlier from ${name}, ${tag}`;
  }
}
