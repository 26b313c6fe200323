import type { ReportDocument } from '../model.js';

/** One column of a table: its heading, the key tests and scripts find it by, and its cell text. */
export interface Column<R> {
  key: string;
  title: string;
  cell: (row: R) => string | number;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/** One table of the page, drawn from the report document (a new report section adds one here). */
export interface TableSection {
  id: string;
  title: string;
  /** What the table is for, one sentence. */
  note: string;
  /** Canvas id of the chart drawn beside it (charts.client.ts), if any. */
  chart?: string;
  empty: string;
  head: { key: string; title: string; numeric: boolean }[];
  /** The rows' cells, in the JSON's row order. */
  cells: (doc: ReportDocument) => (string | number)[][];
}

interface SectionSpec<R> {
  id: string;
  title: string;
  note: string;
  chart?: string;
  empty: string;
  columns: Column<R>[];
}

type Row<K extends keyof ReportDocument> = ReportDocument[K] extends (infer R)[] ? R : never;

const list = (xs: (string | number)[]): string => xs.join(', ');
const time = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

function section<K extends keyof ReportDocument>(key: K, s: SectionSpec<Row<K>>): TableSection {
  return {
    id: s.id, title: s.title, note: s.note, chart: s.chart, empty: s.empty,
    head: s.columns.map((c) => ({ key: c.key, title: c.title, numeric: c.numeric === true })),
    cells: (doc) => (doc[key] as Row<K>[]).map((r) => s.columns.map((c) => c.cell(r))),
  };
}

/**
 * The tables, in page order. Every cell comes from `report --json`'s structure (model.ts), so the page
 * and the JSON say the same numbers; rows are the JSON's, in its order.
 */
export const SECTIONS: TableSection[] = [
  section('internalHosts', {
    id: 'internal-hosts', title: 'Internal hosts', chart: 'chart-hosts',
    note: 'Each home-net host with Tor or torrent activity: connections (not alerts), the remotes it talked to, the highest risk.',
    empty: 'No internal host.',
    columns: [
      { key: 'host', title: 'Host', cell: (r) => r.host },
      { key: 'risk', title: 'Risk', cell: (r) => r.riskLevel },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'alerts', title: 'Alerts', cell: (r) => r.alerts, numeric: true },
      { key: 'remotes', title: 'Remotes', cell: (r) => r.remotes, numeric: true },
      { key: 'rules', title: 'Rules', cell: (r) => list(r.rules) },
      { key: 'first', title: 'First seen', cell: (r) => time(r.firstSeen) },
      { key: 'last', title: 'Last seen', cell: (r) => time(r.lastSeen) },
    ],
  }),
  section('remotes', {
    id: 'remotes', title: 'Remote addresses', chart: 'chart-remotes',
    note: 'Relays, exits, resolvers and servers on the other side, by connections.',
    empty: 'No remote address.',
    columns: [
      { key: 'remote', title: 'Remote', cell: (r) => r.remote },
      { key: 'risk', title: 'Risk', cell: (r) => r.riskLevel },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'alerts', title: 'Alerts', cell: (r) => r.alerts, numeric: true },
      { key: 'hosts', title: 'Internal hosts', cell: (r) => r.hosts, numeric: true },
      { key: 'ports', title: 'Ports', cell: (r) => list(r.ports) },
      { key: 'rules', title: 'Rules', cell: (r) => list(r.rules) },
    ],
  }),
  section('rules', {
    id: 'rules', title: 'Rules', chart: 'chart-rules',
    note: 'Connections and internal hosts per rule; one connection may match several rules.',
    empty: 'No rule matched.',
    columns: [
      { key: 'rule', title: 'Rule', cell: (r) => r.rule },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'alerts', title: 'Alerts', cell: (r) => r.alerts, numeric: true },
      { key: 'hosts', title: 'Internal hosts', cell: (r) => r.hosts, numeric: true },
      { key: 'risk', title: 'Risk', cell: (r) => r.riskLevel },
    ],
  }),
  section('hosts', {
    id: 'host-remote', title: 'Hosts and remote addresses (seed 002)',
    note: 'Per internal host, remote address and direction, by risk, then connections, then first seen.',
    empty: 'No alert.',
    columns: [
      { key: 'risk', title: 'Risk', cell: (r) => r.riskLevel },
      { key: 'host', title: 'Host', cell: (r) => r.host },
      { key: 'direction', title: 'Direction', cell: (r) => r.direction },
      { key: 'remote', title: 'Remote', cell: (r) => r.remote },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'alerts', title: 'Alerts', cell: (r) => r.alerts, numeric: true },
      { key: 'first', title: 'First seen', cell: (r) => time(r.firstSeen) },
      { key: 'last', title: 'Last seen', cell: (r) => time(r.lastSeen) },
      { key: 'ports', title: 'Ports', cell: (r) => list(r.ports) },
      { key: 'rules', title: 'Rules', cell: (r) => list(r.rules) },
    ],
  }),
  section('fingerprints', {
    id: 'fingerprints', title: 'TLS client fingerprints (seed 001)',
    note: 'JA3 and JA4 of the clients behind the alerts: how many internal hosts run the same client.',
    empty: 'No alert carries tls.client.ja3 or torwatch.tls.ja4.',
    columns: [
      { key: 'kind', title: 'Kind', cell: (r) => r.kind.toUpperCase() },
      { key: 'value', title: 'Fingerprint', cell: (r) => r.value },
      { key: 'hostCount', title: 'Hosts', cell: (r) => r.hostCount, numeric: true },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'hosts', title: 'Examples (up to 5)', cell: (r) => list(r.hosts) },
    ],
  }),
  section('serverNames', {
    id: 'server-names', title: 'TLS server names (SNI)',
    note: 'Server names the clients asked for, by internal hosts.',
    empty: 'No alert carries tls.client.server_name.',
    columns: [
      { key: 'value', title: 'SNI', cell: (r) => r.value },
      { key: 'hostCount', title: 'Hosts', cell: (r) => r.hostCount, numeric: true },
      { key: 'connections', title: 'Connections', cell: (r) => r.connections, numeric: true },
      { key: 'hosts', title: 'Examples (up to 5)', cell: (r) => list(r.hosts) },
    ],
  }),
  section('bittorrent', {
    id: 'bittorrent', title: 'BitTorrent (seed 003: per internal host)',
    note: 'The client programs named on the wire (peer id, extension handshake, DHT version, User-Agent), distinct info hashes and peers.',
    empty: 'No torrent-* alert.',
    columns: [
      { key: 'host', title: 'Host', cell: (r) => r.host },
      { key: 'clients', title: 'Clients', cell: (r) => list(r.clients) },
      { key: 'infoHashes', title: 'Info hashes', cell: (r) => r.infoHashes, numeric: true },
      { key: 'peers', title: 'Peers', cell: (r) => r.peers, numeric: true },
      { key: 'alerts', title: 'Alerts', cell: (r) => r.alerts, numeric: true },
      { key: 'first', title: 'First seen', cell: (r) => time(r.firstSeen) },
      { key: 'last', title: 'Last seen', cell: (r) => time(r.lastSeen) },
      { key: 'rules', title: 'Rules', cell: (r) => list(r.rules) },
    ],
  }),
];
