/**
 * Reads nDPI's expected-results files (../shared/data/ndpi/result/*.out; format in MANIFEST.md 1):
 * one line per flow with its endpoints, protocol, Hostname/SNI, JA3C and JA4.
 */
import { readFileSync } from 'node:fs';
import { formatIp, parseIp } from '../../src/util/ip.js';

export interface NdpiFlow {
  l4: string;
  /** Endpoints as "ip:port" (IPv6 without brackets), client first. */
  a: string;
  b: string;
  proto: string;
  hostname?: string;
  ja3c?: string;
  ja4?: string;
}

const LINE = /^\s+\d+\s+(TCP|UDP)\s+(\S+)\s+(?:<->|->)\s+(\S+)\s+(?:\[VLAN: \d+\])?\[proto: ([^\]]+)\]/;

/** "ip:port" with the address in torwatch's canonical text (nDPI compresses a single zero group). */
function endpoint(s: string): string {
  const m = /^\[(.*)\]:(\d+)$/.exec(s) ?? /^(.*):(\d+)$/.exec(s);
  if (!m) return s;
  const ip = parseIp(m[1]);
  return `${ip ? formatIp(ip.version, ...ip.words) : m[1]}:${m[2]}`;
}

function field(line: string, name: string): string | undefined {
  const i = line.indexOf(`[${name}: `);
  if (i < 0) return undefined;
  const start = i + name.length + 3;
  return line.slice(start, line.indexOf(']', start));
}

export function readNdpiOut(file: string): NdpiFlow[] {
  const out: NdpiFlow[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    out.push({ l4: m[1].toLowerCase(), a: endpoint(m[2]), b: endpoint(m[3]), proto: m[4], hostname: field(line, 'Hostname/SNI'), ja3c: field(line, 'JA3C'), ja4: field(line, 'JA4') });
  }
  return out;
}

/** An order-independent key for a flow's endpoints. */
export function pairKey(l4: string, a: string, b: string): string {
  return `${l4} ${[a, b].sort().join(' ')}`;
}
