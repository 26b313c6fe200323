import type { Indicator } from '../intel/ti/indicator.js';
import type { Severity } from './catalog.js';
import type { Detection, HostnameFact, IndicatorMatch, MatchedOn } from './detection.js';

/** Looks a host name (or a parent domain of it) up in the threat intel at a moment. */
export type DomainLookup = (name: string, atMs: number) => Indicator | undefined;

/** What each kind of hostname is as an indicator match (TLS and QUIC SNI are one: the same alert field). */
const MATCHED_ON: Readonly<Record<HostnameFact['source'], MatchedOn>> = {
  dns: 'dns-question',
  tls: 'sni',
  quic: 'sni',
  http: 'http-host',
  resolved: 'resolved-name',
};

const RANK: Readonly<Record<Severity, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/**
 * Domain indicators (--intel) applied to every hostname a detection carries, whatever its rule: the
 * DNS question, TLS/QUIC SNI or HTTP Host behind it, the SNI of its TLS facts, and the destination's
 * name from an earlier DNS answer. Each hit becomes a threat.enrichments entry (the alert's name as
 * matched, the indicator's own value, which may be a parent domain, in torwatch.indicators), and the
 * best hit sets the risk as seed 002 does for a threat-intel hit: CRITICAL at confidence >= 80, else
 * HIGH. The risk only ever rises: a hit never lowers a rule's severity. Called by the detect stage's
 * enrich step (the pipeline), after the destination's DNS name is known and before exclusions.
 */
export function applyDomainIntel(d: Detection, lookup: DomainLookup): void {
  const names: [string, MatchedOn][] = [];
  const want = (name: string | undefined, on: MatchedOn): void => {
    if (name && !names.some(([n, o]) => o === on && n.toLowerCase() === name.toLowerCase())) names.push([name, on]);
  };
  if (d.hostname) want(d.hostname.name, MATCHED_ON[d.hostname.source]);
  want(d.tls?.sni, 'sni');
  want(d.destinationDomain, 'resolved-name');
  if (names.length === 0) return;

  const atMs = d.tsSec * 1000 + d.tsNsec / 1e6;
  let best: Indicator | undefined;
  let bestName = '';
  for (const [name, on] of names) {
    const ind = lookup(name, atMs);
    if (!ind) continue;
    (d.indicators ??= []).push(domainMatch(name, on, ind));
    if (!best || (ind.confidence ?? -1) > (best.confidence ?? -1)) {
      best = ind;
      bestName = name;
    }
  }
  if (!best) return;
  const risk: Severity = (best.confidence ?? 0) >= 80 ? 'critical' : 'high';
  const current = d.severity ?? d.rule.severity;
  if (RANK[risk] > RANK[current]) d.severity = risk;
  const level = (d.severity ?? current).toUpperCase();
  d.labels = { ...d.labels, ti_hit: 'true', risk_level: level };
  const what = best.threatType ?? best.description ?? best.value;
  d.message += `; threat intel on ${bestName} (${best.provider}): ${what}${best.confidence !== undefined ? `, confidence ${best.confidence}` : ''}; risk ${level}`;
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString());

function domainMatch(name: string, on: MatchedOn, ind: Indicator): IndicatorMatch {
  const details: Record<string, string | number | boolean | string[]> = { kind: 'threat-intel', indicator: ind.value, source: ind.source, source_format: ind.format };
  if (ind.confidence !== undefined) details.ti_confidence = ind.confidence;
  if (ind.threatType) details.threat_type = ind.threatType;
  if (ind.tags.length) details.tags = ind.tags;
  return {
    type: 'domain-name',
    value: name,
    on,
    provider: ind.provider,
    description: ind.description ?? ind.threatType,
    confidence: ind.confidence,
    firstSeen: iso(ind.validFromMs),
    tlp: ind.tlp,
    name: ind.name,
    modifiedAt: iso(ind.modifiedMs),
    details,
  };
}
