/**
 * The hunt report as data: what `torwatch report --json` prints and what `report --html` draws. The
 * HTML page is generated from this structure only (src/report/html/), so a section added here (a
 * BitTorrent section, fleet sources) reaches both outputs.
 *
 * Counting: one Tor connection often raises several alerts (tor-port-private, tor-relay and
 * tor-link-fingerprint on one flow). Alerts of one connection share `network.community_id` and
 * `event.start` (the flow's first packet), so the report counts connections by that pair; `alerts`
 * is kept beside it. A summary alert (event.dataset torwatch.summary) stands for `suppressed` repeats,
 * each its own connection; repeats of several rules on the same host and remote are taken as the same
 * connections (the largest of the rules' counts), since they are usually one Tor connection seen by
 * several rules.
 */

export type RiskLevel = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

/** Seed 002's rows: one per internal host, remote address and direction. */
export interface HostRow {
  host: string;
  remote: string;
  direction: string;
  firstSeen: string;
  lastSeen: string;
  /** Distinct connections (see above). */
  connections: number;
  /** Alerts, a summary counting the repeats it stands for. */
  alerts: number;
  ports: number[];
  risk: number;
  riskLevel: RiskLevel;
  rules: string[];
}

/** Per internal host, over all its remotes: the "top hosts" of the hunt. */
export interface InternalHostRow {
  host: string;
  connections: number;
  alerts: number;
  remotes: number;
  risk: number;
  riskLevel: RiskLevel;
  rules: string[];
  firstSeen: string;
  lastSeen: string;
}

/** Per remote address, over all internal hosts. */
export interface RemoteRow {
  remote: string;
  connections: number;
  alerts: number;
  /** Distinct internal hosts that talked with it. */
  hosts: number;
  risk: number;
  riskLevel: RiskLevel;
  rules: string[];
  ports: number[];
  firstSeen: string;
  lastSeen: string;
}

export interface RuleRow {
  rule: string;
  connections: number;
  alerts: number;
  /** Distinct internal hosts with at least one alert of the rule. */
  hosts: number;
  risk: number;
  riskLevel: RiskLevel;
}

export interface PrevalenceRow {
  kind: 'ja3' | 'ja4' | 'sni';
  value: string;
  hostCount: number;
  /** Up to five hosts, the first seen first. */
  hosts: string[];
  connections: number;
  alerts: number;
  firstSeen: string;
  lastSeen: string;
}

/**
 * Connections per internal host and rule over time, in buckets of `bucketSeconds` (chosen so the whole
 * span fits in about 200 buckets). Only buckets with activity are listed. A summary's repeats are
 * spread evenly between its first and last match.
 */
export interface Timeline {
  bucketSeconds: number;
  from?: string;
  to?: string;
  series: { host: string; rule: string; points: { t: string; connections: number }[] }[];
}

export interface Totals {
  /** Alerts read (detections and summaries). */
  alerts: number;
  detections: number;
  summaries: number;
  /** Matches summaries stood for beyond their first alert. */
  repeats: number;
  connections: number;
  internalHosts: number;
  remotes: number;
  firstSeen?: string;
  lastSeen?: string;
}

/** Seed 003 on the wire: per internal host, the BitTorrent clients it ran, what it shared, with whom. */
export interface BitTorrentRow {
  host: string;
  /** Client names and versions ("Transmission 3.00"). */
  clients: string[];
  infoHashes: number;
  peers: number;
  alerts: number;
  rules: string[];
  firstSeen: string;
  lastSeen: string;
}

export interface HuntReport {
  totals: Totals;
  hosts: HostRow[];
  internalHosts: InternalHostRow[];
  remotes: RemoteRow[];
  rules: RuleRow[];
  fingerprints: PrevalenceRow[];
  serverNames: PrevalenceRow[];
  bittorrent: BitTorrentRow[];
  timeline: Timeline;
}

export function riskLevel(score: number): RiskLevel {
  if (score >= 99) return 'CRITICAL';
  if (score >= 73) return 'HIGH';
  if (score >= 47) return 'MEDIUM';
  return 'LOW';
}

/** What was read: the same counts `report` prints first. */
export interface ReportInputs {
  files: number;
  lines: number;
  alerts: number;
  duplicates: number;
  skipped: number;
  /** One line per file that could not be read to its end. */
  errors: string[];
}

/** The whole report as `report --json` prints it, and as `report --html` draws it. */
export type ReportDocument = { inputs: ReportInputs } & HuntReport;
