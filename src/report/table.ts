import type { HuntReport } from './hunt.js';
import type { ReadStats } from './collector.js';
import { oneLine } from '../util/printable.js';

/**
 * Plain-text tables for a terminal: padded columns, the last one unpadded, long cells cut with '…'.
 * Cells come from alerts, i.e. from captured traffic (an SNI, a Host header): control characters are
 * shown as escapes, so a hostile name can neither break the table nor drive the terminal.
 */
export function table(head: string[], rows: string[][], maxWidth = 60): string {
  const cut = (raw: string): string => {
    const s = oneLine(raw);
    return s.length > maxWidth ? s.slice(0, maxWidth - 1) + '…' : s;
  };
  const cells = rows.map((r) => r.map(cut));
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd();
  return [line(head), ...cells.map(line)].join('\n') + '\n';
}

function ports(p: number[]): string {
  return p.length <= 6 ? p.join(',') : p.slice(0, 6).join(',') + `,+${p.length - 6}`;
}

/** Seconds are enough on screen; --json keeps the full precision. */
const t = (iso: string): string => iso.replace(/\.\d+Z$/, 'Z');

export function formatReport(r: HuntReport, stats: ReadStats): string {
  const out: string[] = [];
  const t0 = r.totals;
  out.push(`${stats.alerts} alerts from ${stats.files} source(s)` + (stats.duplicates ? `, ${stats.duplicates} duplicate(s) by event.id ignored` : '') + (stats.skipped ? `, ${stats.skipped} line(s) that were not alerts skipped` : '') + '\n');
  out.push(`${t0.connections} connection(s) from ${t0.internalHosts} internal host(s) to ${t0.remotes} remote address(es); ${t0.detections} detection(s)` + (t0.summaries ? `, ${t0.summaries} summary alert(s) standing for ${t0.repeats} repeat(s)` : '') + '\n');
  out.push('\nHosts and remote addresses (seed 002: by risk, then connections)\n');
  out.push(r.hosts.length
    ? table(['RISK', 'HOST', 'DIRECTION', 'REMOTE', 'CONNS', 'ALERTS', 'FIRST SEEN', 'LAST SEEN', 'PORTS', 'RULES'], r.hosts.map((h) => [h.riskLevel, h.host, h.direction, h.remote, String(h.connections), String(h.alerts), t(h.firstSeen), t(h.lastSeen), ports(h.ports), h.rules.join(',')]))
    : '(none)\n');
  out.push('\nRules\n');
  out.push(r.rules.length
    ? table(['RULE', 'CONNS', 'ALERTS', 'HOSTS', 'RISK'], r.rules.map((x) => [x.rule, String(x.connections), String(x.alerts), String(x.hosts), x.riskLevel]))
    : '(none)\n');
  out.push('\nTLS client fingerprints (seed 001: distinct internal hosts)\n');
  out.push(r.fingerprints.length
    ? table(['KIND', 'FINGERPRINT', 'HOSTS', 'CONNS', 'EXAMPLES (up to 5)'], r.fingerprints.map((f) => [f.kind.toUpperCase(), f.value, String(f.hostCount), String(f.connections), f.hosts.join(', ')]), 100)
    : '(none: no alert carries tls.client.ja3 or torwatch.tls.ja4)\n');
  out.push('\nTLS server names (SNI)\n');
  out.push(r.serverNames.length
    ? table(['SNI', 'HOSTS', 'CONNS', 'EXAMPLES (up to 5)'], r.serverNames.map((f) => [f.value, String(f.hostCount), String(f.connections), f.hosts.join(', ')]), 100)
    : '(none: no alert carries tls.client.server_name)\n');
  out.push('\nBitTorrent (seed 003: per internal host)\n');
  out.push(r.bittorrent.length
    ? table(['HOST', 'CLIENTS', 'INFO HASHES', 'PEERS', 'ALERTS', 'FIRST SEEN', 'LAST SEEN', 'RULES'], r.bittorrent.map((b) => [b.host, b.clients.join(', ') || '-', String(b.infoHashes), String(b.peers), String(b.alerts), t(b.firstSeen), t(b.lastSeen), b.rules.join(',')]), 80)
    : '(none: no torrent-* alert)\n');
  return out.join('');
}
