import { alertFacts, type AlertFacts } from './alert-facts.js';
import { BitTorrentSummary } from './bittorrent.js';
import { ConnectionCount } from './connection-count.js';
import { riskLevel, type HostRow, type HuntReport, type InternalHostRow, type PrevalenceRow, type RemoteRow, type RuleRow } from './model.js';
import type { AlertDoc } from './read-alerts.js';
import { TimelineBuilder } from './timeline.js';

export { riskLevel } from './model.js';
export type { BitTorrentRow, HostRow, HuntReport, PrevalenceRow } from './model.js';

/**
 * The seeds' hunt summaries over alerts, counted in connections (model.ts says how):
 *
 * Seed 002 ("TOR Exit Node Communication"): `summarize FirstSeen=min(Timestamp), LastSeen=max(..),
 * Count=count(), Ports=make_set(RemotePort) by DeviceName, RemoteIP, Direction`, a risk level, and
 * `order by RiskLevel desc, Count desc, FirstSeen asc`. Here: per internal host, remote address and
 * network.direction; ports are the destination (service) ports; risk is the highest
 * event.risk_score, with the seed's level names (99 CRITICAL, 73 HIGH, 47 MEDIUM, 21 LOW). Also rolled
 * up per internal host, per remote and per rule.
 *
 * Seed 001 ("Tor"): `summarize MachineCount=dcount(DeviceName), MachineNames=makeset(DeviceName, 5)
 * by InitiatingProcessMD5 | order by MachineCount desc`. Here the wire's equivalent of the binary's
 * hash: per TLS client fingerprint (JA3 tls.client.ja3, JA4 torwatch.tls.ja4) and per SNI
 * (tls.client.server_name), the number of distinct internal hosts and up to five of them.
 */

/** What every roll-up keeps: connections, first/last seen, highest risk, rules. */
class Tally {
  readonly count = new ConnectionCount();
  first = '';
  last = '';
  risk = 0;
  readonly rules = new Set<string>();
  readonly ports = new Set<number>();
  readonly peers = new Set<string>();

  add(x: AlertFacts, peer?: string): void {
    this.count.add(x.connection, x.rule, x.repeats);
    if (this.first === '' || x.first < this.first) this.first = x.first;
    if (x.last > this.last) this.last = x.last;
    if (x.risk > this.risk) this.risk = x.risk;
    this.rules.add(x.rule);
    if (x.port !== undefined) this.ports.add(x.port);
    if (peer !== undefined) this.peers.add(peer);
  }
}

interface Prevalence extends Tally {
  hostFirst: Map<string, string>;
}

function tally<K>(m: Map<K, Tally>, key: K): Tally {
  let t = m.get(key);
  if (!t) m.set(key, (t = new Tally()));
  return t;
}

const byTime = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** Accumulates alerts; `report()` sorts. Memory grows with distinct connections and keys, not with alerts. */
export class HuntSummary {
  private readonly rows = new Map<string, Tally & { host: string; remote: string; direction: string }>();
  private readonly internal = new Map<string, Tally>();
  private readonly remotes = new Map<string, Tally>();
  private readonly ruleTally = new Map<string, Tally>();
  private readonly prevalence = { ja3: new Map<string, Prevalence>(), ja4: new Map<string, Prevalence>(), sni: new Map<string, Prevalence>() };
  private readonly timeline = new TimelineBuilder();
  private readonly torrent = new BitTorrentSummary();
  private readonly all = new Tally();
  private detections = 0;
  private summaries = 0;

  add(a: AlertDoc): void {
    const x = alertFacts(a);
    if (x.summary) this.summaries++;
    else this.detections++;
    const key = `${x.host}\u0000${x.remote}\u0000${x.direction}`;
    let r = this.rows.get(key);
    if (!r) this.rows.set(key, (r = Object.assign(new Tally(), { host: x.host, remote: x.remote, direction: x.direction })));
    r.add(x);
    tally(this.internal, x.host).add(x, x.remote);
    tally(this.remotes, x.remote).add(x, x.host);
    tally(this.ruleTally, x.rule).add(x, x.host);
    this.all.add(x);
    this.timeline.add(x.host, x.rule, x.first, x.summary ? x.last : x.first, x.summary ? x.repeats : 1);

    const seen = (kind: keyof typeof this.prevalence, value: string | undefined): void => {
      if (!value) return;
      let p = this.prevalence[kind].get(value);
      if (!p) this.prevalence[kind].set(value, (p = Object.assign(new Tally(), { hostFirst: new Map<string, string>() })));
      p.add(x);
      const prev = p.hostFirst.get(x.host);
      if (prev === undefined || x.first < prev) p.hostFirst.set(x.host, x.first);
    };
    seen('ja3', x.ja3);
    seen('ja4', x.ja4);
    seen('sni', x.sni);
    this.torrent.add(x);
  }

  report(): HuntReport {
    const hosts: HostRow[] = [...this.rows.values()].map((r) => ({
      host: r.host, remote: r.remote, direction: r.direction, firstSeen: r.first, lastSeen: r.last,
      connections: r.count.connections, alerts: r.count.alerts,
      ports: [...r.ports].sort((x, y) => x - y), risk: r.risk, riskLevel: riskLevel(r.risk), rules: [...r.rules].sort(),
    }));
    hosts.sort((x, y) => y.risk - x.risk || y.connections - x.connections || byTime(x.firstSeen, y.firstSeen) || x.host.localeCompare(y.host) || x.remote.localeCompare(y.remote));

    const internalHosts: InternalHostRow[] = [...this.internal].map(([host, t]) => ({
      host, connections: t.count.connections, alerts: t.count.alerts, remotes: t.peers.size,
      risk: t.risk, riskLevel: riskLevel(t.risk), rules: [...t.rules].sort(), firstSeen: t.first, lastSeen: t.last,
    }));
    internalHosts.sort((x, y) => y.risk - x.risk || y.connections - x.connections || x.host.localeCompare(y.host));

    const remotes: RemoteRow[] = [...this.remotes].map(([remote, t]) => ({
      remote, connections: t.count.connections, alerts: t.count.alerts, hosts: t.peers.size,
      risk: t.risk, riskLevel: riskLevel(t.risk), rules: [...t.rules].sort(), ports: [...t.ports].sort((x, y) => x - y), firstSeen: t.first, lastSeen: t.last,
    }));
    remotes.sort((x, y) => y.connections - x.connections || y.hosts - x.hosts || y.risk - x.risk || x.remote.localeCompare(y.remote));

    const rules: RuleRow[] = [...this.ruleTally].map(([rule, t]) => ({
      rule, connections: t.count.connections, alerts: t.count.alerts, hosts: t.peers.size, risk: t.risk, riskLevel: riskLevel(t.risk),
    }));
    rules.sort((x, y) => y.connections - x.connections || x.rule.localeCompare(y.rule));

    const prevalenceRows = (kind: PrevalenceRow['kind']): PrevalenceRow[] =>
      [...this.prevalence[kind]].map(([value, p]) => ({
        kind,
        value,
        hostCount: p.hostFirst.size,
        hosts: [...p.hostFirst].sort((x, y) => byTime(x[1], y[1]) || x[0].localeCompare(y[0])).slice(0, 5).map(([h]) => h),
        connections: p.count.connections,
        alerts: p.count.alerts,
        firstSeen: p.first,
        lastSeen: p.last,
      })).sort((x, y) => y.hostCount - x.hostCount || y.connections - x.connections || x.value.localeCompare(y.value));
    const fingerprints = [...prevalenceRows('ja3'), ...prevalenceRows('ja4')]
      .sort((x, y) => y.hostCount - x.hostCount || y.connections - x.connections || x.kind.localeCompare(y.kind) || x.value.localeCompare(y.value));

    const connections = hosts.reduce((n, h) => n + h.connections, 0);
    return {
      totals: {
        alerts: this.detections + this.summaries,
        detections: this.detections,
        summaries: this.summaries,
        repeats: this.all.count.alerts - this.detections,
        connections,
        internalHosts: this.internal.size,
        remotes: this.remotes.size,
        ...(this.all.first ? { firstSeen: this.all.first, lastSeen: this.all.last } : {}),
      },
      hosts,
      internalHosts,
      remotes,
      rules,
      fingerprints,
      serverNames: prevalenceRows('sni'),
      bittorrent: this.torrent.rows(),
      timeline: this.timeline.build(),
    };
  }
}
