import type { Flow } from '../../flow/flow.js';
import type { FlowRelayFacts } from '../../intel/intel.js';
import { flagNames, roleNames, type RelayFormat } from '../../intel/relays/model.js';
import { PortMatch, type RelayMatch } from '../../intel/relays/relay-set.js';
import type { Indicator } from '../../intel/ti/indicator.js';
import type { IndicatorMatch } from '../detection.js';

/** Which endpoint of a flow: 'a' = initiator (ECS source), 'b' = responder (destination). */
export type Side = 'a' | 'b';

export function sideIp(flow: Flow, side: Side): string {
  return side === 'a' ? flow.srcIp() : flow.dstIp();
}

export function factFor(facts: FlowRelayFacts, side: Side): RelayMatch | undefined {
  return side === 'a' ? facts.a : facts.b;
}

export function tiFor(facts: FlowRelayFacts, side: Side): Indicator | undefined {
  return side === 'a' ? facts.tiA : facts.tiB;
}

const PROVIDER: Readonly<Record<RelayFormat, string>> = {
  'consensus': 'tor-consensus',
  'microdesc-consensus': 'tor-microdesc-consensus',
  'onionoo': 'onionoo',
  'tordnsel': 'tordnsel',
  'bulk-exit-list': 'tor-bulk-exit-list',
  'relay-csv': 'relay-csv',
  'ip-list': 'relay-address-list',
};

const iso = (ms: number | undefined): string | undefined => (ms === undefined || !Number.isFinite(ms) ? undefined : new Date(ms).toISOString());

/** orport/dirport: the flow's port is the relay's; none: it is not; unknown: the list gives no ports. */
export function portWord(m: RelayMatch): 'orport' | 'dirport' | 'none' | 'unknown' {
  return m.portMatch === PortMatch.OR ? 'orport' : m.portMatch === PortMatch.Dir ? 'dirport' : m.portKnown ? 'none' : 'unknown';
}

/** A message's words for the port: "its ORPort", "not its ORPort/DirPort", "port not known (list has no ports)". */
export function portPhrase(m: RelayMatch): string {
  switch (portWord(m)) {
    case 'orport': return 'its ORPort';
    case 'dirport': return 'its DirPort';
    case 'none': return 'not its ORPort/DirPort';
    case 'unknown': return 'port not known (list has no ports)';
  }
}

/** "3 h 5 min", "41 s": a span for a message. */
function span(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.round(h / 24)} days`;
}

/**
 * A message's note on when the list was true, when it matters ('' for a current dated snapshot or a
 * fresh list): a consensus used just before its valid-after (early grace) or past its valid-until
 * (stale), a dated list far from the traffic, and for a list with no date of its own, that its age
 * comes from the file's (or download's) time.
 */
export function staleNote(m: RelayMatch, list: 'relay list' | 'exit list'): string {
  const when = iso(m.listTimeMs);
  // The snapshot shipped with torwatch always says its date and age against the traffic (never fresh).
  if (m.source.builtin) {
    const days = Math.round(Math.abs(m.ageMs) / 86_400_000);
    return ` [${list}: torwatch's built-in snapshot of ${new Date(m.listTimeMs).toISOString().slice(0, 10)}, ${days} day${days === 1 ? '' : 's'} ${m.ageMs >= 0 ? 'before' : 'after'} this traffic]`;
  }
  if (m.early) return ` [${list} ${m.source.name}: consensus valid from ${when}, ${span(m.ageMs)} after this flow; used for flows shortly before it]`;
  if (!m.stale) return '';
  if (m.dated) return ` [${list} past valid-until: ${m.source.name}]`;
  const dir = m.ageMs >= 0 ? 'before' : 'after';
  if (m.source.timeFrom === 'mtime' || m.source.timeFrom === 'fetched') {
    const what = m.source.timeFrom === 'mtime' ? 'file time' : 'download time';
    return ` [${list} ${m.source.name} has no date of its own; its ${what} ${when} is ${span(m.ageMs)} ${dir} this flow]`;
  }
  return ` [${list} ${m.source.name} dated ${when} (${m.source.timeFrom}), ${span(m.ageMs)} ${dir} this flow]`;
}

/** A message's note when the list says the relay was not running ('' otherwise). */
export function notRunningNote(m: RelayMatch): string {
  return m.running === false ? ' [listed but not running when the list was made: weaker evidence]' : '';
}

/** How a relay is described in a message: "guard/exit 'moria1'". */

export function relayLabel(m: RelayMatch): string {
  return roleNames(m.roles).join('/') + (m.nickname ? ` '${m.nickname}'` : '');
}

/** A relay-list match as an indicator for threat.enrichments (ECS) and torwatch.indicators. */
export function relayIndicator(flow: Flow, side: Side, m: RelayMatch): IndicatorMatch {
  const port = m.portMatch === PortMatch.Dir ? m.dirPort : m.orPort || m.dirPort;
  const details: Record<string, string | number | boolean | string[]> = {
    kind: 'tor-relay',
    roles: roleNames(m.roles),
    port_match: portWord(m),
    source: m.source.name,
    source_format: m.source.format,
    list_time: iso(m.listTimeMs)!,
    list_age_s: Math.round(m.ageMs / 1000),
    stale: m.stale,
    list_time_from: m.source.timeFrom,
    relays_at_address: m.relaysAtAddress,
  };
  if (m.early) details.before_valid_after = true;
  if (m.flagsKnown) details.flags = flagNames(m.flags);
  if (m.nickname) details.nickname = m.nickname;
  if (m.fingerprint) details.fingerprint = m.fingerprint;
  if (m.orPort) details.or_port = m.orPort;
  if (m.dirPort) details.dir_port = m.dirPort;
  if (m.exitOnly) details.exit_address_only = true;
  if (m.validUntilMs !== undefined) details.snapshot_valid_until = iso(m.validUntilMs)!;
  if (m.source.fromCache) details.from_cache = true;
  if (m.source.builtin) details.builtin_snapshot = true;
  if (m.source.importedAtMs !== undefined) details.imported_at = iso(m.source.importedAtMs)!;
  if (m.alsoListedBy.length) details.also_listed_by = m.alsoListedBy;
  if (m.running !== undefined) details.running = m.running;
  return {
    type: flow.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr',
    value: sideIp(flow, side),
    on: side === 'a' ? 'initiator-address' : 'responder-address',
    port: port || undefined,
    provider: PROVIDER[m.source.format],
    description: `Tor relay (${roleNames(m.roles).join(', ')})${m.running === false ? ', listed but not running' : ''}${m.source.builtin ? `, from torwatch's built-in snapshot of ${iso(m.listTimeMs)!.slice(0, 10)}` : m.stale ? ', from a stale list' : m.early ? ', from the first consensus, just before its valid-after' : ''}`,
    // The match's own confidence on the STIX scale: High with the relay's port, Medium on the address,
    // Low when the list says the relay was not running.
    confidence: m.running === false ? 25 : m.portMatch !== PortMatch.None ? 85 : 50,
    firstSeen: iso(m.firstSeenMs),
    lastSeen: iso(m.lastSeenMs),
    name: m.nickname,
    reference: m.fingerprint ? `https://metrics.torproject.org/rs.html#details/${m.fingerprint}` : undefined,
    modifiedAt: iso(m.listTimeMs),
    details,
  };
}

/** A threat-intel hit on the same address. */
export function tiIndicator(flow: Flow, side: Side, ind: Indicator): IndicatorMatch {
  const details: Record<string, string | number | boolean | string[]> = { kind: 'threat-intel', indicator: ind.value, source: ind.source, source_format: ind.format };
  if (ind.confidence !== undefined) details.ti_confidence = ind.confidence;
  if (ind.threatType) details.threat_type = ind.threatType;
  if (ind.tags.length) details.tags = ind.tags;
  return {
    type: ind.type === 'domain-name' ? (flow.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr') : ind.type,
    value: sideIp(flow, side),
    on: side === 'a' ? 'initiator-address' : 'responder-address',
    port: ind.port,
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
