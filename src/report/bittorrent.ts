import type { AlertFacts } from './alert-facts.js';
import type { BitTorrentRow } from './model.js';

/** Each distinct value kept per host is capped: a report's memory grows with hosts, not with alerts. */
const MAX_PER_HOST = 10_000;

interface HostTorrent {
  clients: Set<string>;
  hashes: Set<string>;
  peers: Set<string>;
  rules: Set<string>;
  alerts: number;
  first: string;
  last: string;
}

/**
 * The report's BitTorrent section (seed 003: the client programs, on the wire): per internal host,
 * the clients named by peer ids, extension handshakes, DHT versions and User-Agents, the number of
 * distinct info hashes and peers, the alerts and rules, first and last seen.
 */
export class BitTorrentSummary {
  private readonly hosts = new Map<string, HostTorrent>();

  add(x: AlertFacts): void {
    const b = x.bittorrent;
    if (!b) return;
    let t = this.hosts.get(x.host);
    if (!t) this.hosts.set(x.host, (t = { clients: new Set(), hashes: new Set(), peers: new Set(), rules: new Set(), alerts: 0, first: x.first, last: x.last }));
    t.alerts += 1 + x.repeats;
    t.rules.add(x.rule);
    if (x.first < t.first) t.first = x.first;
    if (x.last > t.last) t.last = x.last;
    const capped = (set: Set<string>, v: string | undefined): void => {
      if (v !== undefined && set.size < MAX_PER_HOST) set.add(v);
    };
    capped(t.clients, b.client);
    for (const h of b.infoHashes) capped(t.hashes, h);
    capped(t.peers, b.peer);
  }

  rows(): BitTorrentRow[] {
    return [...this.hosts].map(([host, t]) => ({
      host,
      clients: [...t.clients].sort(),
      infoHashes: t.hashes.size,
      peers: t.peers.size,
      alerts: t.alerts,
      rules: [...t.rules].sort(),
      firstSeen: t.first,
      lastSeen: t.last,
    })).sort((x, y) => y.alerts - x.alerts || x.host.localeCompare(y.host));
  }
}
