import type { AlertDoc } from './read-alerts.js';

/**
 * The seeds' hunt summaries over alerts (ECS field names are read here, as the SIEM would):
 *
 * Seed 002 ("TOR Exit Node Communication"): `summarize FirstSeen=min(Timestamp), LastSeen=max(..),
 * Count=count(), Ports=make_set(RemotePort) by DeviceName, RemoteIP, Direction`, a risk level, and
 * `order by RiskLevel desc, Count desc, FirstSeen asc`. Here: per internal host, remote address and
 * network.direction. The internal host is the home side (destination for inbound, else source);
 * ports are the destination (service) ports; risk is the highest event.risk_score, with the seed's
 * level names (99 CRITICAL, 73 HIGH, 47 MEDIUM, 21 LOW). A summary alert adds the repeats it counted.
 *
 * Seed 001 ("Tor"): `summarize MachineCount=dcount(DeviceName), MachineNames=makeset(DeviceName, 5)
 * by InitiatingProcessMD5 | order by MachineCount desc`. Here the wire's equivalent of the binary's
 * hash: per TLS client fingerprint (JA3 tls.client.ja3, JA4 torwatch.tls.ja4) and per SNI
 * (tls.client.server_name), the number of distinct internal hosts and up to five of them.
 *
 * Seed 003 ("torrent", "vuze", "azureus" in the process name): per internal host with torrent-*
 * alerts, the BitTorrent clients named on the wire (torwatch.bittorrent.client, and the host's own
 * side of a peer connection), the distinct info hashes (torwatch.bittorrent.info_hash) and peers (the
 * remote address:port of torrent-peer alerts), and first/last seen.
 */
export interface HostRow {
  host: string;
  remote: string;
  direction: string;
  firstSeen: string;
  lastSeen: string;
  count: number;
  ports: number[];
  risk: number;
  riskLevel: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
  rules: string[];
}

export interface PrevalenceRow {
  kind: 'ja3' | 'ja4' | 'sni';
  value: string;
  hostCount: number;
  /** Up to five hosts, the first seen first. */
  hosts: string[];
  alerts: number;
  firstSeen: string;
  lastSeen: string;
}

export interface BitTorrentRow {
  host: string;
  /** Client names and versions ("Transmission 3.00"), seed 003's words marked by the caller. */
  clients: string[];
  infoHashes: number;
  peers: number;
  alerts: number;
  rules: string[];
  firstSeen: string;
  lastSeen: string;
}

export interface HuntReport {
  hosts: HostRow[];
  fingerprints: PrevalenceRow[];
  serverNames: PrevalenceRow[];
  bittorrent: BitTorrentRow[];
}

/** Each distinct value kept per host is capped: a report's memory grows with hosts, not with alerts. */
const MAX_PER_HOST = 10_000;

function get(doc: AlertDoc, path: string): unknown {
  let cur: unknown = doc;
  for (const p of path === '@timestamp' ? [path] : path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function riskLevel(score: number): HostRow['riskLevel'] {
  if (score >= 99) return 'CRITICAL';
  if (score >= 73) return 'HIGH';
  if (score >= 47) return 'MEDIUM';
  return 'LOW';
}

interface Prevalence {
  hosts: Map<string, string>; // host -> first seen
  alerts: number;
  first: string;
  last: string;
}

/** Accumulates alerts; `report()` sorts. Memory grows with distinct keys, not with alerts. */
export class HuntSummary {
  private readonly rows = new Map<string, HostRow & { portSet: Set<number>; ruleSet: Set<string> }>();
  private readonly prevalence = { ja3: new Map<string, Prevalence>(), ja4: new Map<string, Prevalence>(), sni: new Map<string, Prevalence>() };
  private readonly torrent = new Map<string, { clients: Set<string>; hashes: Set<string>; peers: Set<string>; rules: Set<string>; alerts: number; first: string; last: string }>();

  add(a: AlertDoc): void {
    const direction = str(get(a, 'network.direction')) ?? 'unknown';
    const src = str(get(a, 'source.ip')) ?? '-';
    const dst = str(get(a, 'destination.ip')) ?? '-';
    const [host, remote] = direction === 'inbound' ? [dst, src] : [src, dst];
    const ts = str(get(a, '@timestamp')) ?? '';
    const summarized = num(get(a, 'torwatch.aggregate.suppressed'));
    // A summary alert stands for the repeats after the first alert (sent on its own).
    const count = summarized ?? 1;
    const first = str(get(a, 'event.start')) ?? ts;
    const last = str(get(a, 'event.end')) ?? ts;
    const risk = num(get(a, 'event.risk_score')) ?? 0;
    const port = num(get(a, 'destination.port'));
    const rule = str(get(a, 'rule.id')) ?? '-';

    const key = `${host}\u0000${remote}\u0000${direction}`;
    let r = this.rows.get(key);
    if (!r) {
      r = { host, remote, direction, firstSeen: first, lastSeen: last, count: 0, ports: [], risk, riskLevel: riskLevel(risk), rules: [], portSet: new Set(), ruleSet: new Set() };
      this.rows.set(key, r);
    }
    r.count += count;
    if (first < r.firstSeen) r.firstSeen = first;
    if (last > r.lastSeen) r.lastSeen = last;
    if (risk > r.risk) r.risk = risk;
    if (port !== undefined) r.portSet.add(port);
    r.ruleSet.add(rule);

    const seen = (kind: keyof typeof this.prevalence, value: string | undefined): void => {
      if (!value) return;
      let p = this.prevalence[kind].get(value);
      if (!p) {
        p = { hosts: new Map(), alerts: 0, first, last };
        this.prevalence[kind].set(value, p);
      }
      p.alerts += count;
      if (first < p.first) p.first = first;
      if (last > p.last) p.last = last;
      const prev = p.hosts.get(host);
      if (prev === undefined || first < prev) p.hosts.set(host, first);
    };
    seen('ja3', str(get(a, 'tls.client.ja3')));
    seen('ja4', str(get(a, 'torwatch.tls.ja4')));
    seen('sni', str(get(a, 'tls.client.server_name')));
    if (rule.startsWith('torrent-')) this.addTorrent(a, host, rule, count, first, last, src);
  }

  private addTorrent(a: AlertDoc, host: string, rule: string, count: number, first: string, last: string, src: string): void {
    let t = this.torrent.get(host);
    if (!t) this.torrent.set(host, (t = { clients: new Set(), hashes: new Set(), peers: new Set(), rules: new Set(), alerts: 0, first, last }));
    t.alerts += count;
    t.rules.add(rule);
    if (first < t.first) t.first = first;
    if (last > t.last) t.last = last;
    const capped = (set: Set<string>, v: string | undefined): void => {
      if (v !== undefined && set.size < MAX_PER_HOST) set.add(v);
    };
    // The host's own client: its side of a peer connection, else the one the alert names.
    const side = host === src ? 'source' : 'destination';
    for (const path of [`torwatch.bittorrent.${side}.client`, 'torwatch.bittorrent.client']) {
      const c = get(a, path) as Record<string, unknown> | undefined;
      const name = str(c?.name);
      if (!name) continue;
      const version = str(c?.version);
      capped(t.clients, version ? `${name} ${version}` : name);
      break;
    }
    const hashes = get(a, 'torwatch.bittorrent.info_hash');
    if (Array.isArray(hashes)) for (const h of hashes) capped(t.hashes, str(h));
    if (rule === 'torrent-peer') {
      const remote = host === src ? [str(get(a, 'destination.ip')), num(get(a, 'destination.port'))] : [src, num(get(a, 'source.port'))];
      if (remote[0]) capped(t.peers, `${remote[0]}:${remote[1] ?? ''}`);
    }
  }

  report(): HuntReport {
    const hosts = [...this.rows.values()].map(({ portSet, ruleSet, ...r }) => ({
      ...r,
      riskLevel: riskLevel(r.risk),
      ports: [...portSet].sort((x, y) => x - y),
      rules: [...ruleSet].sort(),
    }));
    hosts.sort((x, y) => y.risk - x.risk || y.count - x.count || (x.firstSeen < y.firstSeen ? -1 : x.firstSeen > y.firstSeen ? 1 : 0) || x.host.localeCompare(y.host) || x.remote.localeCompare(y.remote));
    const rows = (kind: PrevalenceRow['kind']): PrevalenceRow[] =>
      [...this.prevalence[kind]].map(([value, p]) => ({
        kind,
        value,
        hostCount: p.hosts.size,
        hosts: [...p.hosts].sort((x, y) => (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : x[0].localeCompare(y[0]))).slice(0, 5).map(([h]) => h),
        alerts: p.alerts,
        firstSeen: p.first,
        lastSeen: p.last,
      })).sort((x, y) => y.hostCount - x.hostCount || y.alerts - x.alerts || x.value.localeCompare(y.value));
    const bittorrent: BitTorrentRow[] = [...this.torrent].map(([host, t]) => ({
      host,
      clients: [...t.clients].sort(),
      infoHashes: t.hashes.size,
      peers: t.peers.size,
      alerts: t.alerts,
      rules: [...t.rules].sort(),
      firstSeen: t.first,
      lastSeen: t.last,
    })).sort((x, y) => y.alerts - x.alerts || x.host.localeCompare(y.host));
    return { hosts, fingerprints: [...rows('ja3'), ...rows('ja4')].sort((x, y) => y.hostCount - x.hostCount || y.alerts - x.alerts || x.kind.localeCompare(y.kind) || x.value.localeCompare(y.value)), serverNames: rows('sni'), bittorrent };
  }
}
