import type { AppEvent, AppEventKind, ClientHelloFacts, EventTime } from '../../applayer/events.js';
import { tlsVersionText } from '../../applayer/tls/grease.js';
import type { Flow } from '../../flow/flow.js';
import type { FlowEndReason } from '../../flow/table.js';
import { ruleById, type RuleDef } from '../catalog.js';
import type { Finding, IndicatorMatch, TlsFacts } from '../detection.js';
import type { DetectContext, Detector } from '../detector.js';
import { tlsFactsOf } from './tls-facts.js';
import { isStrongTorSni, isTorCertificatePair, torSniLabel } from './tor-link-names.js';

/** Optional relay-list lookup for a flow's remote endpoint (the relay intel stage provides it). */
export type RelayLookup = (flow: Flow) => IndicatorMatch | undefined;

interface Pending {
  /** The ClientHello (its fingerprints are only computed if an alert is raised). */
  hello: ClientHelloFacts;
  /** Negotiated version, once the ServerHello is seen. */
  version?: string;
  /** The SNI's random label when the SNI is Tor-shaped. */
  sniLabel?: string;
  sniStrong: boolean;
  tsSec: number;
  tsNsec: number;
  packet: number;
}

/**
 * tor-link-fingerprint (seed 001, SPEC.md): the TLS handshake Tor's link protocol makes, recognised
 * from the handshake alone, with no relay list (tor-link-names.ts has the exact name rules).
 *
 * Decision, per TLS connection, as the handshake unfolds:
 *  - the server's certificate (TLS <= 1.2, in the clear) is www.<8-20 base32>.net issued by
 *    www.<8-20 base32>.com: alert, confidence high (with the SNI when it is Tor-shaped too);
 *  - a certificate that is not that pair: no alert, even for a Tor-shaped SNI (a real site such as
 *    www.bing.com answers with a CA-issued certificate);
 *  - no certificate to see (TLS 1.3 negotiated, server side not captured, or the handshake ended
 *    before it): alert on a Tor-shaped SNI that is also strong (tor-link-names.ts isStrongTorSni),
 *    confidence medium, timed at the ClientHello.
 * When a relay lookup is given and the remote endpoint is a listed relay, the alert says so too (an
 * indicator in threat.enrichments, confidence high).
 */
export class TorLinkFingerprintDetector implements Detector {
  readonly name = 'tor-link-fingerprint';
  readonly appEvents: readonly AppEventKind[] = ['tls-client-hello', 'tls-server-hello', 'tls-certificate', 'tls-done'];
  private readonly rule: RuleDef = ruleById('tor-link-fingerprint')!;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly relayLookup?: RelayLookup) {}

  onAppEvent(flow: Flow, ev: AppEvent, at: EventTime, ctx: DetectContext): void {
    if (!ctx.enabled(this.rule.index)) return;
    switch (ev.kind) {
      case 'tls-client-hello': {
        const label = ev.sni !== undefined ? torSniLabel(ev.sni) : undefined;
        // Only a Tor-shaped SNI needs remembering: the certificate alone decides the others.
        if (label === undefined) return;
        this.pending.set(flow.id, {
          hello: ev,
          sniLabel: label,
          sniStrong: label !== undefined && isStrongTorSni(label, ev.alpn.length, ev.groups),
          tsSec: at.tsSec,
          tsNsec: at.tsNsec,
          packet: at.packet,
        });
        return;
      }
      case 'tls-server-hello': {
        const st = this.pending.get(flow.id);
        if (!st) return;
        st.version = tlsVersionText(ev.version);
        // TLS 1.3: the certificate is encrypted, the SNI is all there is.
        if (ev.version >= 0x0304) this.decideOnSni(flow, st, ctx);
        return;
      }
      case 'tls-certificate': {
        const st = this.pending.get(flow.id);
        this.pending.delete(flow.id);
        if (!isTorCertificatePair(ev.subjectCN, ev.issuerCN)) return;
        // Without a Tor-shaped SNI (none remembered) the certificate pair alone is the evidence.
        const tls: TlsFacts = st ? factsOf(st) : {};
        tls.certSubject = ev.subjectCN;
        tls.certIssuer = ev.issuerCN;
        tls.version ??= tlsVersionText(ev.version);
        const sni = st?.sniLabel !== undefined ? `SNI ${tls.sni} and ` : '';
        this.fire(flow, ctx, at.tsSec, at.tsNsec, at.packet, tls, 'high',
          `${sni}certificate ${ev.subjectCN} issued by ${ev.issuerCN}`, st?.sniLabel !== undefined ? 'sni+certificate' : 'certificate');
        return;
      }
      case 'tls-done': {
        const st = this.pending.get(flow.id);
        if (st) this.decideOnSni(flow, st, ctx);
        return;
      }
      default:
        return;
    }
  }

  onFlowEnd(flow: Flow, _reason: FlowEndReason, ctx: DetectContext): void {
    // The app layer sends tls-done before this; a flow it never finished is decided here.
    const st = this.pending.get(flow.id);
    if (st) this.decideOnSni(flow, st, ctx);
  }

  private decideOnSni(flow: Flow, st: Pending, ctx: DetectContext): void {
    this.pending.delete(flow.id);
    if (st.sniLabel === undefined || !st.sniStrong) return;
    this.fire(flow, ctx, st.tsSec, st.tsNsec, st.packet, factsOf(st), 'medium', `SNI ${st.hello.sni} with Tor's hello (no ALPN)`, 'sni');
  }

  private fire(flow: Flow, ctx: DetectContext, tsSec: number, tsNsec: number, packet: number, tls: TlsFacts,
    confidence: 'medium' | 'high', evidence: string, evidenceLabel: string): void {
    const src = flow.srcIp();
    const dst = flow.dstIp();
    const dstPort = flow.ipVersion === 6 ? `[${dst}]:${flow.bPort}` : `${dst}:${flow.bPort}`;
    const relay = this.relayLookup?.(flow);
    const d: Finding = {
      rule: this.rule,
      flow,
      tsSec,
      tsNsec,
      packet,
      message: `${src} made a Tor link TLS handshake with ${dstPort}: ${evidence}` + (relay ? `; ${relay.value} is a listed Tor relay` : ''),
      confidence: relay ? 'high' : confidence,
      labels: { tor_link_evidence: relay ? `${evidenceLabel}+relay-list` : evidenceLabel },
      tls,
    };
    if (tls.sni && torSniLabel(tls.sni) !== undefined) d.hostname = { name: tls.sni, source: 'tls', match: 'tor-link-sni' };
    if (relay) d.indicators = [relay];
    ctx.fire(d);
  }
}

function factsOf(st: Pending): TlsFacts {
  const t = tlsFactsOf(st.hello);
  if (st.version) t.version = st.version;
  return t;
}
