/**
 * Seed inputs for fuzzing, cut out of real captures: whole frames (with their link type), UDP and TCP
 * payloads by port, each TCP direction reassembled (for clean captures: every byte once, in order),
 * TLS handshake messages, HTTP request heads, DNS messages and decrypted QUIC Initial payloads.
 * Independent of the parsers under test where that is cheap: streams are put together here with plain
 * sequence arithmetic, TLS records and handshake messages split by their length fields.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCaptureFile } from '../../../src/capture/file/open.js';
import { AnomalyCounters } from '../../../src/decode/anomalies.js';
import { PacketDecoder } from '../../../src/decode/index.js';
import { Packet, TcpFlag } from '../../../src/decode/packet.js';
import { initialKeys } from '../../../src/applayer/quic/initial-keys.js';
import { decryptLongPacket, parseLongHeader } from '../../../src/applayer/quic/initial-packet.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PCAPS = join(ROOT, 'pcaps');
export const DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** One captured frame, copied out of the reader's buffer. */
export interface RealFrame {
  bytes: Uint8Array;
  linktype: number;
  tsSec: number;
  tsNsec: number;
  wirelen: number;
}

export async function loadFrames(file: string): Promise<RealFrame[]> {
  const out: RealFrame[] = [];
  try {
    await readCaptureFile(file, (f) => out.push({ bytes: Uint8Array.from(f.buf.subarray(f.off, f.off + f.caplen)), linktype: f.linktype, tsSec: f.tsSec, tsNsec: f.tsNsec, wirelen: f.wirelen }));
  } catch {
    // Malformed captures (the fuzz files) still give the records before the fault.
  }
  return out;
}

/** A decoded transport segment: the fields a corpus needs. */
export interface Segment {
  proto: number;
  key: string;
  sport: number;
  dport: number;
  flags: number;
  seq: number;
  payload: Uint8Array;
}

export function segments(frames: readonly RealFrame[]): Segment[] {
  const dec = new PacketDecoder(new AnomalyCounters());
  const p = new Packet();
  const out: Segment[] = [];
  for (const fr of frames) {
    const buf = Buffer.from(fr.bytes);
    p.reset({ buf, off: 0, caplen: buf.length, wirelen: fr.wirelen, tsSec: fr.tsSec, tsNsec: fr.tsNsec, linktype: fr.linktype, ifIndex: 0, index: 0, fileOffset: 0 });
    if (!dec.decode(p) || p.isFragment) continue;
    if (p.proto !== 6 && p.proto !== 17) continue;
    const key = `${p.proto} ${Array.from(p.src).join('.')}:${p.sport}>${Array.from(p.dst).join('.')}:${p.dport}`;
    out.push({ proto: p.proto, key, sport: p.sport, dport: p.dport, flags: p.tcpFlags, seq: p.tcpSeq, payload: Uint8Array.from(buf.subarray(p.payOff, p.payOff + p.payLen)) });
  }
  return out;
}

/** Each TCP direction's bytes in order, from its SYN (or first data) up to the first hole. */
export function tcpStreams(segs: readonly Segment[]): Uint8Array[] {
  const by = new Map<string, { isn?: number; parts: Segment[] }>();
  for (const s of segs) {
    if (s.proto !== 6) continue;
    let e = by.get(s.key);
    if (!e) by.set(s.key, (e = { parts: [] }));
    if ((s.flags & TcpFlag.SYN) !== 0 && e.isn === undefined) e.isn = (s.seq + 1) >>> 0;
    if (s.payload.length) e.parts.push(s);
  }
  const out: Uint8Array[] = [];
  for (const { isn, parts } of by.values()) {
    if (!parts.length) continue;
    const start = isn ?? parts[0].seq;
    const placed = parts.map((s) => ({ off: (s.seq - start) >>> 0, data: s.payload })).filter((x) => x.off < 1 << 22).sort((a, b) => a.off - b.off);
    const chunks: Uint8Array[] = [];
    let next = 0;
    for (const { off, data } of placed) {
      if (off > next) break;
      const from = next - off;
      if (from < data.length) {
        chunks.push(data.subarray(from));
        next += data.length - from;
      }
    }
    if (next) out.push(Buffer.concat(chunks));
  }
  return out;
}

/** Handshake messages (type, body) in a TLS byte stream's leading handshake records. */
export function tlsHandshakes(stream: Uint8Array): { type: number; body: Uint8Array }[] {
  const hs: Uint8Array[] = [];
  let p = 0;
  while (p + 5 <= stream.length && stream[p] === 22 && stream[p + 1] === 3) {
    const n = (stream[p + 3] << 8) | stream[p + 4];
    hs.push(stream.subarray(p + 5, Math.min(stream.length, p + 5 + n)));
    p += 5 + n;
  }
  const all = Buffer.concat(hs);
  const out: { type: number; body: Uint8Array }[] = [];
  for (let q = 0; q + 4 <= all.length; ) {
    const n = (all[q + 1] << 16) | (all[q + 2] << 8) | all[q + 3];
    if (q + 4 + n > all.length) break;
    out.push({ type: all[q], body: Uint8Array.from(all.subarray(q + 4, q + 4 + n)) });
    q += 4 + n;
  }
  return out;
}

const HTTP_METHOD = /^(GET|POST|HEAD|PUT|DELETE|OPTIONS|CONNECT|PATCH|TRACE) /;

/** Everything a fuzz target may want, from a set of captures. */
export interface Corpus {
  frames: RealFrame[];
  streams: Uint8Array[];
  dnsUdp: Uint8Array[];
  /** DNS-over-TCP byte streams (length-prefixed messages). */
  dnsTcp: Uint8Array[];
  tlsStreams: Uint8Array[];
  clientHellos: Uint8Array[];
  serverHellos: Uint8Array[];
  /** Certificate message bodies (TLS <= 1.2). */
  certificates: Uint8Array[];
  /** DER certificates (the leaf of each Certificate message). */
  der: Uint8Array[];
  httpStreams: Uint8Array[];
  /** UDP payloads that start with a QUIC long header. */
  quicDatagrams: Uint8Array[];
  /** Decrypted client Initial payloads (QUIC frames). */
  quicPlain: { version: number; dcid: Uint8Array; frames: Uint8Array }[];
}

export const APP_CAPTURES = [
  join(PCAPS, 'dns-names.pcap'), join(PCAPS, 'web-names.pcap'), join(PCAPS, 'tor-link-tls12.pcap'), join(PCAPS, 'tor-link-tls13.pcap'),
  join(DATA, 'ndpi/pcap/tor.pcap'), join(DATA, 'ndpi/pcap/malformed_dns.pcap'), join(DATA, 'ndpi/pcap/tls-esni-fuzzed.pcap'), join(DATA, 'ndpi/pcap/tls_ech.pcapng'),
  join(DATA, 'ndpi/pcap/bt-http.pcapng'), join(DATA, 'ndpi/pcap/quic-29.pcap'), join(DATA, 'suricata-verify/quic-v2/input.pcap'),
  join(DATA, 'arkime/tests/pcap/quicietfooo.pcap'), join(DATA, 'arkime/tests/pcap/dns-tcp.pcap'), join(DATA, 'arkime/tests/pcap/https-connect.pcap'),
  join(DATA, 'zeek/Traces/dns/dns-invalid-names.pcap'),
].filter((f) => existsSync(f));

export async function buildCorpus(files: readonly string[] = APP_CAPTURES): Promise<Corpus> {
  const c: Corpus = { frames: [], streams: [], dnsUdp: [], dnsTcp: [], tlsStreams: [], clientHellos: [], serverHellos: [], certificates: [], der: [], httpStreams: [], quicDatagrams: [], quicPlain: [] };
  for (const f of files) {
    const frames = await loadFrames(f);
    c.frames.push(...frames);
    const segs = segments(frames);
    for (const s of segs) {
      if (s.proto !== 17 || !s.payload.length) continue;
      if (s.sport === 53 || s.dport === 53) c.dnsUdp.push(s.payload);
      else if ((s.payload[0] & 0x80) !== 0 && s.payload.length >= 1200 - 64) c.quicDatagrams.push(s.payload);
    }
    c.streams.push(...tcpStreams(segs));
  }
  // Streams by their first bytes (port-independent, as the app layer sniffs).
  for (const st of c.streams) {
    if (st.length >= 5 && st[0] === 22 && st[1] === 3) c.tlsStreams.push(st);
    else if (HTTP_METHOD.test(Buffer.from(st.subarray(0, 16)).toString('latin1'))) c.httpStreams.push(st);
    else if (st.length >= 14 && ((st[0] << 8) | st[1]) >= 12 && ((st[0] << 8) | st[1]) <= st.length - 2) c.dnsTcp.push(st);
  }
  for (const st of c.tlsStreams) {
    for (const h of tlsHandshakes(st)) {
      if (h.type === 1) c.clientHellos.push(h.body);
      else if (h.type === 2) c.serverHellos.push(h.body);
      else if (h.type === 11) {
        c.certificates.push(h.body);
        const n = (h.body[3] << 16) | (h.body[4] << 8) | h.body[5];
        if (h.body.length >= 6 + n) c.der.push(h.body.subarray(6, 6 + n));
      }
    }
  }
  for (const d of c.quicDatagrams) {
    const h = parseLongHeader(d, 0, d.length);
    if (!h || h.type !== 0) continue;
    const keys = initialKeys(h.version, h.dcid);
    const plain = keys && decryptLongPacket(d, h, keys);
    if (plain) c.quicPlain.push({ version: h.version, dcid: Uint8Array.from(h.dcid), frames: Uint8Array.from(plain) });
  }
  return c;
}

/** Captures whose frames seed the fuzzer: every regression capture, app-layer captures, link-layer variety, fuzz files. */
export function seedCaptures(): string[] {
  const files = new Set<string>(APP_CAPTURES);
  for (const n of readdirSync(PCAPS)) if (/\.(pcap|pcapng)(\.gz)?$/.test(n)) files.add(join(PCAPS, n));
  const dirs = ['ndpi/pcap', 'zeek/Traces', 'zeek/Traces/tunnels', 'zeek/Traces/dns', 'zeek/Traces/tls', 'zeek/Traces/tcp', 'arkime/tests/pcap', 'tcpdump/tests'];
  for (const d of dirs) {
    const dir = join(DATA, d);
    if (!existsSync(dir)) continue;
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (/\.(pcap|pcapng)$/.test(n) && statSync(p).size <= 1 << 20) files.add(p);
    }
  }
  // Every suricata-verify capture (decoder corner cases, defrag, DNS/TLS/QUIC), searched two levels deep.
  const sv = join(DATA, 'suricata-verify');
  const walk = (dir: string, depth: number): void => {
    if (!existsSync(dir)) return;
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      const st = statSync(p);
      if (st.isDirectory() && depth < 2) walk(p, depth + 1);
      else if (st.isFile() && /\.(pcap|pcapng)$/.test(n) && st.size <= 1 << 20) files.add(p);
    }
  };
  walk(sv, 0);
  return [...files].sort();
}
