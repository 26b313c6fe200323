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

export function sidePort(flow: Flow, side: Side): number {
  return side === 'a' ? flow.aPort : flow.bPort;
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

export function portWord(m: RelayMatch): 'orport' | 'dirport' | 'none' {
  return m.portMatch === PortMatch.OR ? 'orport' : m.portMatch === PortMatch.Dir ? 'dirport' : 'none';
}

/**
 * A message's note on where the match came from when that matters to the reader: the snapshot shipped
 * with torwatch always says its date and age against the traffic (it is never fresh); another list
 * only when stale (which list, and why). '' for a current list.
 */
export function staleNote(m: RelayMatch, list: 'relay list' | 'exit list'): string {
  if (m.source.builtin) {
    const days = Math.round(Math.abs(m.ageMs) / 86_400_000);
    const when = `${days} day${days === 1 ? '' : 's'} ${m.ageMs >= 0 ? 'before' : 'after'} this traffic`;
    return ` [${list}: torwatch's built-in snapshot of ${new Date(m.listTimeMs).toISOString().slice(0, 10)}, ${when}]`;
  }
  return m.stale ? ` [${list} ${m.dated ? 'past valid-until' : 'old'}: ${m.source.name}]` : '';
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
    relays_at_address: m.relaysAtAddress,
  };
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
  return {
    type: flow.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr',
    value: sideIp(flow, side),
    field: side === 'a' ? 'source.ip' : 'destination.ip',
    port: port || undefined,
    provider: PROVIDER[m.source.format],
    description: `Tor relay (${roleNames(m.roles).join(', ')})${m.source.builtin ? `, from torwatch's built-in snapshot of ${iso(m.listTimeMs)!.slice(0, 10)}` : m.stale ? ', from a stale list' : ''}`,
    // The match's own confidence on the STIX scale: High with the relay's port, Medium on the address.
    confidence: m.portMatch !== PortMatch.None ? 85 : 50,
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
    field: side === 'a' ? 'source.ip' : 'destination.ip',
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
