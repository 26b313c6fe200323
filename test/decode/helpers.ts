/**
 * Test helpers for the decode stage: decode hand-made bytes, decode whole captures through the real
 * capture reader, and ask tshark (an independent dissector) for each packet's innermost flow.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Frame } from '../../src/capture/frame.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { Packet } from '../../src/decode/packet.js';
import { AnomalyCounters } from '../../src/decode/anomalies.js';
import { PacketDecoder, type DecoderOptions } from '../../src/decode/index.js';
import { formatIp, parseIp } from '../../src/util/ip.js';

/** The shared reference data (read-only, outside the repo). */
export const DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));

export interface Decoded {
  ok: boolean;
  p: Packet;
  anomalies: Record<string, number>;
  stats: Record<string, number>;
}

export interface BytesOptions {
  wirelen?: number;
  tsSec?: number;
  /** Put the frame at this offset inside a larger buffer (checks decoders honour frame.off). */
  pad?: number;
}

/** A decoder with its own counters, for a sequence of hand-made frames. */
export class Harness {
  readonly anomalies = new AnomalyCounters();
  readonly decoder: PacketDecoder;
  readonly p = new Packet();
  readonly frame = new Frame();

  constructor(opts?: DecoderOptions) {
    this.decoder = new PacketDecoder(this.anomalies, opts);
  }

  decode(bytes: Uint8Array, linktype = 1, o: BytesOptions = {}): boolean {
    const pad = o.pad ?? 0;
    const buf = Buffer.alloc(pad + bytes.length + pad, 0xee);
    buf.set(bytes, pad);
    const f = this.frame;
    f.buf = buf;
    f.off = pad;
    f.caplen = bytes.length;
    f.wirelen = o.wirelen ?? bytes.length;
    f.linktype = linktype;
    f.tsSec = o.tsSec ?? 1_700_000_000;
    f.tsNsec = 0;
    this.p.reset(f);
    return this.decoder.decode(this.p);
  }
}

/** Decode one frame with a fresh decoder. */
export function decodeBytes(bytes: Uint8Array, linktype = 1, o: BytesOptions = {}): Decoded {
  const h = new Harness();
  const ok = h.decode(bytes, linktype, o);
  return { ok, p: h.p, anomalies: h.anomalies.toObject(), stats: h.decoder.stats };
}

export function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[^0-9a-fA-F]/g, ''), 'hex');
}

export function ipText(p: Packet, which: 'src' | 'dst'): string {
  const w = p[which];
  return formatIp(p.ipVersion, w[0], w[1], w[2], w[3]);
}

/** One decoded packet of a capture, in plain values. */
export interface Row {
  n: number;
  fragId: number;
  ok: boolean;
  ipVersion: number;
  src: string;
  dst: string;
  proto: number;
  sport: number;
  dport: number;
  l4Off: number;
  payLen: number;
  isFragment: boolean;
  fragOffset: number;
  encap: number;
  vlan: number[];
  tcpFlags: number;
}

export interface CaptureResult {
  rows: Row[];
  anomalies: Record<string, number>;
  stats: Record<string, number>;
}

export async function decodeCapture(file: string, opts?: DecoderOptions): Promise<CaptureResult> {
  const anomalies = new AnomalyCounters();
  const dec = new PacketDecoder(anomalies, opts);
  const p = new Packet();
  const rows: Row[] = [];
  await readCaptureFile(file, (f) => {
    p.reset(f);
    const ok = dec.decode(p);
    rows.push({
      n: f.index,
      fragId: p.fragId,
      ok,
      ipVersion: p.ipVersion,
      src: p.ipVersion ? ipText(p, 'src') : '',
      dst: p.ipVersion ? ipText(p, 'dst') : '',
      proto: p.proto,
      sport: p.sport,
      dport: p.dport,
      l4Off: p.l4Off,
      payLen: p.payLen,
      isFragment: p.isFragment,
      fragOffset: p.fragOffset,
      encap: p.encap,
      vlan: Array.from(p.vlan.subarray(0, p.vlanCount)),
      tcpFlags: p.tcpFlags,
    });
  });
  return { rows, anomalies: anomalies.toObject(), stats: dec.stats };
}

/** tshark's view of a packet: the innermost IP layer that is not quoted inside an ICMP error, and its transport. */
export interface SharkRow {
  n: number;
  protocols: string;
  ipVersion: number;
  src: string;
  dst: string;
  /** Transport right above that IP layer (tcp/udp/sctp/icmp/icmpv6/gre/esp/data...), '' if none. */
  transport: string;
  sport: number;
  dport: number;
  /** The IP layer is a non-first fragment (tshark decodes no transport there). */
  laterFragment: boolean;
  /** IPv4 identification / IPv6 fragment identification of that IP layer (NaN when none). */
  fragId: number;
}

const SHARK_FIELDS = [
  'frame.number', 'frame.protocols',
  'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.frag_offset',
  'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport', 'sctp.srcport', 'sctp.dstport',
  'icmp.type', 'icmp.code', 'icmpv6.type', 'icmpv6.code', 'ipv6.fraghdr.offset', 'ip.id', 'ipv6.fraghdr.ident',
];

const TRANSPORTS = new Set(['tcp', 'udp', 'sctp', 'icmp', 'icmpv6']);

/**
 * Run tshark with reassembly off (we do not reassemble either) and every occurrence of each field;
 * `extra` adds dissector options (e.g. enabling the Teredo heuristic).
 */
export function tsharkRows(file: string, extra: string[] = []): SharkRow[] {
  const args = [
    '-r', file, '-n',
    '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE', '-o', 'tcp.desegment_tcp_streams:FALSE',
    ...extra,
    '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t',
  ];
  for (const f of SHARK_FIELDS) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const rows: SharkRow[] = [];
  for (const line of out.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const col = (name: string): string[] => {
      const v = c[SHARK_FIELDS.indexOf(name)] ?? '';
      return v === '' ? [] : v.split(',');
    };
    const protos = c[1].split(':');
    // Walk the stack up to the first ICMP (what follows is the quoted datagram of an error).
    let v4 = 0;
    let v6 = 0;
    let last: 'ip' | 'ipv6' | '' = '';
    let lastIdx = -1;
    for (let i = 0; i < protos.length; i++) {
      const pr = protos[i];
      if (pr === 'ip') {
        v4++;
        last = 'ip';
        lastIdx = i;
      } else if (pr === 'ipv6') {
        v6++;
        last = 'ipv6';
        lastIdx = i;
      }
      if (pr === 'icmp' || pr === 'icmpv6') break;
    }
    const row: SharkRow = { n: Number(c[0]), protocols: c[1], ipVersion: 0, src: '', dst: '', transport: '', sport: 0, dport: 0, laterFragment: false, fragId: NaN };
    if (last === 'ip') {
      row.ipVersion = 4;
      row.src = col('ip.src')[v4 - 1] ?? '';
      row.dst = col('ip.dst')[v4 - 1] ?? '';
      row.laterFragment = Number(col('ip.frag_offset')[v4 - 1] ?? 0) > 0;
      row.fragId = Number(col('ip.id')[v4 - 1] ?? NaN);
    } else if (last === 'ipv6') {
      row.ipVersion = 6;
      row.src = col('ipv6.src')[v6 - 1] ?? '';
      row.dst = col('ipv6.dst')[v6 - 1] ?? '';
    }
    if (lastIdx >= 0) {
      let j = lastIdx + 1;
      while (j < protos.length && protos[j].startsWith('ipv6.')) {
        if (protos[j] === 'ipv6.fraghdr') {
          const offs = col('ipv6.fraghdr.offset');
          if (offs.some((x) => Number(x) > 0)) row.laterFragment = true;
          row.fragId = Number(col('ipv6.fraghdr.ident').at(-1) ?? NaN);
        }
        j++;
      }
      const t = protos[j] ?? '';
      row.transport = t;
      if (TRANSPORTS.has(t)) {
        // Count this transport's occurrences up to j to pick the matching field occurrence.
        const k = protos.slice(0, j + 1).filter((x) => x === t).length - 1;
        const [sf, df] = t === 'icmp' || t === 'icmpv6' ? [`${t}.type`, `${t}.code`] : [`${t}.srcport`, `${t}.dstport`];
        row.sport = Number(col(sf)[k] ?? NaN);
        row.dport = Number(col(df)[k] ?? NaN);
      }
    }
    rows.push(row);
  }
  return rows;
}

/** Normalize an address text (tshark and formatIp may write IPv6 differently). */
export function normIp(t: string): string {
  const a = parseIp(t);
  return a ? formatIp(a.version, ...a.words) : t;
}

const PROTO_NUMBER: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, gre: 47, esp: 50 };

/**
 * Differences between our innermost tuple and tshark's, one line per packet that differs.
 * Ports are compared when tshark decoded the transport right above the innermost IP layer (not for
 * later fragments, where tshark without reassembly has none and we carry the first fragment's).
 */
export function compareWithShark(ours: Row[], shark: SharkRow[]): string[] {
  const out: string[] = [];
  if (ours.length !== shark.length) out.push(`packet count: ours ${ours.length}, tshark ${shark.length}`);
  const n = Math.min(ours.length, shark.length);
  for (let i = 0; i < n; i++) {
    const o = ours[i];
    const s = shark[i];
    const why: string[] = [];
    if (s.ipVersion === 0) {
      if (o.ok) why.push(`we found ${o.src} -> ${o.dst}, tshark no IP`);
    } else if (!o.ok) {
      why.push(`we have no tuple, tshark ${s.src} -> ${s.dst}`);
    } else {
      if (o.ipVersion !== s.ipVersion || o.src !== normIp(s.src) || o.dst !== normIp(s.dst)) {
        why.push(`addr ours v${o.ipVersion} ${o.src} -> ${o.dst}, tshark v${s.ipVersion} ${s.src} -> ${s.dst}`);
      }
      const pn = PROTO_NUMBER[s.transport];
      if (pn !== undefined && !s.laterFragment && o.proto !== pn) why.push(`proto ours ${o.proto}, tshark ${s.transport}`);
      if (TRANSPORTS.has(s.transport) && !s.laterFragment && (o.sport !== s.sport || o.dport !== s.dport)) {
        why.push(`ports ours ${o.sport}/${o.dport}, tshark ${s.sport}/${s.dport}`);
      }
    }
    if (why.length) out.push(`#${o.n} [${s.protocols}] ${why.join('; ')}`);
  }
  return out;
}
