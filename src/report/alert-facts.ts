import type { AlertDoc } from './read-alerts.js';

/**
 * What the report needs from one alert, read by ECS name the way a SIEM reads it (the report is a
 * consumer of alerts, not part of the pipeline): the one place in src/report/ that knows field names.
 */
export interface AlertFacts {
  host: string;
  remote: string;
  direction: string;
  rule: string;
  risk: number;
  port?: number;
  /** First and last seen: event.start/end (a detection's flow, a summary's window), else @timestamp. */
  first: string;
  last: string;
  /** The connection this alert is about (community id + flow start); undefined for a summary. */
  connection?: string;
  /** A summary alert: the repeats it stands for beyond its first alert; 0 for a detection. */
  repeats: number;
  summary: boolean;
  ja3?: string;
  ja4?: string;
  sni?: string;
  /** BitTorrent rules (seed 003): what the alert says of the clients, info hashes and peer. */
  bittorrent?: TorrentFacts;
}

/** A torrent-* alert's facts for the report's BitTorrent section. */
export interface TorrentFacts {
  /** The internal host's client ("Transmission 3.00"): its side of a peer connection, else the one named. */
  client?: string;
  infoHashes: string[];
  /** torrent-peer: the remote peer, address:port. */
  peer?: string;
}

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

/** One instant, one text: "…52.284959Z" and "…52.284959000Z" (a nanosecond capture) are the same flow start. */
function canonicalTime(iso: string): string {
  return iso.replace(/(\.\d*?)0+Z$/, '$1Z').replace(/\.Z$/, 'Z');
}

/**
 * The internal host is the home side: the destination for inbound alerts, else the source. A
 * connection is network.community_id with event.start (the flow's first packet), which tells two
 * connections on the same ports apart; without a Community ID, torwatch.flow.id with the sensor and
 * input (unique within one run).
 */
function torrentFacts(a: AlertDoc, host: string, src: string): TorrentFacts {
  const out: TorrentFacts = { infoHashes: [] };
  const side = host === src ? 'source' : 'destination';
  for (const path of [`torwatch.bittorrent.${side}.client`, 'torwatch.bittorrent.client']) {
    const c = get(a, path) as Record<string, unknown> | undefined;
    const name = str(c?.name);
    if (!name) continue;
    const version = str(c?.version);
    out.client = version ? `${name} ${version}` : name;
    break;
  }
  const hashes = get(a, 'torwatch.bittorrent.info_hash');
  if (Array.isArray(hashes)) for (const h of hashes) if (typeof h === 'string' && h) out.infoHashes.push(h);
  if (get(a, 'rule.id') === 'torrent-peer') {
    const [ip, port] = host === src ? [str(get(a, 'destination.ip')), num(get(a, 'destination.port'))] : [src, num(get(a, 'source.port'))];
    if (ip) out.peer = `${ip}:${port ?? ''}`;
  }
  return out;
}

export function alertFacts(a: AlertDoc): AlertFacts {
  const direction = str(get(a, 'network.direction')) ?? 'unknown';
  const src = str(get(a, 'source.ip')) ?? '-';
  const dst = str(get(a, 'destination.ip')) ?? '-';
  const [host, remote] = direction === 'inbound' ? [dst, src] : [src, dst];
  const ts = str(get(a, '@timestamp')) ?? '';
  const suppressed = num(get(a, 'torwatch.aggregate.suppressed'));
  const summary = suppressed !== undefined || get(a, 'event.dataset') === 'torwatch.summary';
  const first = str(get(a, 'event.start')) ?? ts;
  let connection: string | undefined;
  if (!summary) {
    const cid = str(get(a, 'network.community_id'));
    const flowId = num(get(a, 'torwatch.flow.id'));
    if (cid) connection = `${cid}@${canonicalTime(first)}`;
    else if (flowId !== undefined) connection = `${str(get(a, 'observer.hostname')) ?? ''}/${str(get(a, 'torwatch.input.name')) ?? ''}/${flowId}`;
    else connection = `${str(get(a, 'event.id')) ?? ts}`;
  }
  return {
    host,
    remote,
    direction,
    rule: str(get(a, 'rule.id')) ?? '-',
    risk: num(get(a, 'event.risk_score')) ?? 0,
    port: num(get(a, 'destination.port')),
    first,
    last: str(get(a, 'event.end')) ?? ts,
    connection,
    repeats: summary ? Math.max(0, Math.floor(suppressed ?? 0)) : 0,
    summary,
    ja3: str(get(a, 'tls.client.ja3')),
    ja4: str(get(a, 'torwatch.tls.ja4')),
    sni: str(get(a, 'tls.client.server_name')),
    ...(str(get(a, 'rule.id'))?.startsWith('torrent-') ? { bittorrent: torrentFacts(a, host, src) } : {}),
  };
}
