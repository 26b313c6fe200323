import type { Flow } from '../../flow/flow.js';
import type { BridgeEntry } from '../../intel/bridges/bridge-set.js';
import { BUILTIN_BRIDGES_SOURCE } from '../../intel/bridges/builtin.js';
import type { IndicatorMatch, TransportFacts } from '../detection.js';

/*
 * A bridge-list entry in a detection's terms, for every rule that names a listed bridge (tor-bridge,
 * tor-obfs4): the message's words for the list, the torwatch.transport facts, the threat enrichment.
 */

/** "Tor Browser's built-in list, current entry, compiled 2026-12-06" or "--bridges site.txt". */
export function listWords(e: BridgeEntry): string {
  if (e.source.builtin) return `Tor Browser's built-in bridges, ${e.status} entry, list compiled ${e.source.date}`;
  return `listed in --bridges ${e.source.name}`;
}

/** The bridge entry as torwatch.transport facts. */
export function bridgeFacts(e: BridgeEntry): TransportFacts {
  const t: TransportFacts = {
    name: e.line.transport,
    list: e.source.builtin ? 'builtin' : e.source.name,
    listStatus: e.status,
    listDate: e.source.date.length === 10 ? `${e.source.date}T00:00:00.000Z` : e.source.date,
  };
  if (e.line.fingerprint) t.fingerprint = e.line.fingerprint;
  if (e.seen?.length) t.details = { seen_in: e.seen };
  const iat = e.line.args['iat-mode'];
  if (iat !== undefined && /^[0-2]$/.test(iat)) (t.details ??= {}).iat_mode = Number(iat);
  return t;
}

/** The entry as a threat enrichment on the flow's responder. */
export function bridgeIndicator(flow: Flow, e: BridgeEntry): IndicatorMatch {
  return {
    type: flow.ipVersion === 4 ? 'ipv4-addr' : 'ipv6-addr',
    value: flow.dstIp(),
    on: 'responder-address',
    port: e.line.port,
    provider: e.source.builtin ? 'tor-browser-builtin-bridges' : 'torwatch-bridges-file',
    description: `Tor bridge (${e.line.transport})${e.source.builtin && e.status === 'past' ? ', from a past built-in list' : ''}`,
    confidence: e.source.builtin && e.status === 'past' ? 50 : 85,
    name: e.line.fingerprint,
    reference: e.source.builtin ? BUILTIN_BRIDGES_SOURCE : undefined,
    modifiedAt: e.source.date.length === 10 ? `${e.source.date}T00:00:00.000Z` : e.source.date,
  };
}
