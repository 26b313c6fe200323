/**
 * The fuzzer's cases, shared by `npm run fuzz` (fuzz-main.ts, millions of them) and CI's fixed-seed
 * slice (test/fuzz/pipeline.fuzz.test.ts). See fuzz-main.ts for what each kind of case is.
 */
import { readFileSync, statSync } from 'node:fs';
import { detectFormat } from '../../../src/capture/file/detect-format.js';
import { PcapngParser } from '../../../src/capture/file/pcapng-reader.js';
import { PcapParser } from '../../../src/capture/file/pcap-reader.js';
import type { RecordParser } from '../../../src/capture/file/record-parser.js';
import { Frame } from '../../../src/capture/frame.js';
import { AnomalyCounters } from '../../../src/decode/anomalies.js';
import { PacketDecoder } from '../../../src/decode/index.js';
import { Packet } from '../../../src/decode/packet.js';
import { InputError } from '../../../src/util/errors.js';
import { loadFrames, type Corpus, type RealFrame } from './corpus.js';
import { applyMutation, randomMutation, type Mutation, type Rng } from './mutate.js';
import type { CaseFrame } from './pipeline-harness.js';
import { protectInitial } from './quic-protect.js';
import { tcpConnection, udpExchange } from './synth.js';

export interface SeedFrame extends RealFrame {
  /** Flow (5-tuple, both directions) the frame belongs to, or -1 when it did not decode. */
  flow: number;
  payOff: number;
  payLen: number;
  /** IP header offset and version for length fix-ups (0 = not fixable: tunnels, fragments). */
  l3Off: number;
  ipVersion: number;
  l4Off: number;
  proto: number;
}

export interface SeedCapture {
  file: string;
  frames: SeedFrame[];
  /** Frame indices of each flow. */
  flows: number[][];
  bytes: Buffer;
}

export async function loadSeeds(files: string[]): Promise<SeedCapture[]> {
  const out: SeedCapture[] = [];
  const dec = new PacketDecoder(new AnomalyCounters());
  const p = new Packet();
  for (const file of files) {
    const raw = await loadFrames(file);
    if (!raw.length) continue;
    const keys = new Map<string, number>();
    const flows: number[][] = [];
    const frames: SeedFrame[] = raw.slice(0, 20000).map((fr, i) => {
      const buf = Buffer.from(fr.bytes);
      p.reset({ buf, off: 0, caplen: buf.length, wirelen: fr.wirelen, tsSec: fr.tsSec, tsNsec: fr.tsNsec, linktype: fr.linktype, ifIndex: 0, index: i + 1, fileOffset: 0 });
      const ok = dec.decode(p);
      let flow = -1;
      if (ok) {
        const a = `${Array.from(p.src).join('.')}:${p.sport}`;
        const b = `${Array.from(p.dst).join('.')}:${p.dport}`;
        const key = `${p.proto} ${a < b ? a + ' ' + b : b + ' ' + a}`;
        flow = keys.get(key) ?? -1;
        if (flow < 0) {
          flow = flows.length;
          keys.set(key, flow);
          flows.push([]);
        }
        flows[flow].push(i);
      }
      const fixable = ok && p.encap === 0 && !p.isFragment && (p.proto === 6 || p.proto === 17);
      return { ...fr, flow, payOff: ok ? p.payOff : 0, payLen: ok ? p.payLen : 0, l3Off: fixable ? p.l3Off : -1, ipVersion: p.ipVersion, l4Off: p.l4Off, proto: p.proto };
    });
    out.push({ file, frames, flows, bytes: statSync(file).size <= 256 * 1024 && !file.endsWith('.gz') ? readFileSync(file) : Buffer.alloc(0) });
  }
  return out;
}

export interface Case {
  kind: 'frames' | 'stream' | 'quic' | 'file';
  source: string;
  frames: CaseFrame[];
  mutations: Mutation[];
  /** For file cases: the mutated capture file itself. */
  file?: Buffer;
  /** For file cases: what the record parsers did wrong, if anything. */
  readProblem?: string;
  note?: string;
}

/** Rewrite IPv4 total length / IPv6 payload length / UDP length after the payload changed size. */
function fixLengths(b: Uint8Array, f: SeedFrame, delta: number): void {
  if (f.l3Off < 0 || delta === 0) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (f.ipVersion === 4 && f.l3Off + 4 <= b.length) dv.setUint16(f.l3Off + 2, (dv.getUint16(f.l3Off + 2) + delta) & 0xffff);
  if (f.ipVersion === 6 && f.l3Off + 6 <= b.length) dv.setUint16(f.l3Off + 4, (dv.getUint16(f.l3Off + 4) + delta) & 0xffff);
  if (f.proto === 17 && f.l4Off >= 0 && f.l4Off + 6 <= b.length) dv.setUint16(f.l4Off + 4, (dv.getUint16(f.l4Off + 4) + delta) & 0xffff);
}

/** Apply `n` random mutations to `b` in turn, recording each; `headerBias`: how often a mutation lands in the first 64 bytes. */
function mutateN(r: Rng, b: Uint8Array, n: number, donors: readonly Uint8Array[], muts: Mutation[], headerBias: number): Uint8Array {
  let out = b;
  for (let i = 0; i < n; i++) {
    const m = randomMutation(r, out.length, donors.length, headerBias);
    muts.push(m);
    out = applyMutation(out, m, donors);
  }
  return out;
}

function mutateFrame(r: Rng, f: SeedFrame, donors: Uint8Array[], muts: Mutation[]): Uint8Array {
  const n = 1 + r.below(r.chance(0.7) ? 3 : 8);
  const payloadOnly = f.payLen > 0 && r.chance(0.5);
  if (payloadOnly) {
    const pay = mutateN(r, f.bytes.subarray(f.payOff, f.payOff + f.payLen), n, donors, muts, 0.3);
    const out = new Uint8Array(f.payOff + pay.length);
    out.set(f.bytes.subarray(0, f.payOff), 0);
    out.set(pay, f.payOff);
    fixLengths(out, f, pay.length - f.payLen);
    return out;
  }
  return mutateN(r, f.bytes, n, donors, muts, 0.6);
}

export function framesCase(r: Rng, cap: SeedCapture): Case {
  const all = cap.frames;
  let idx: number[];
  if (cap.flows.length && r.chance(0.85)) {
    idx = cap.flows[r.below(cap.flows.length)].slice(0, 96);
    if (r.chance(0.2)) {
      const extra = r.below(all.length);
      idx = [...new Set([...idx, ...Array.from({ length: Math.min(16, all.length - extra) }, (_, k) => extra + k)])].sort((a, b) => a - b);
    }
  } else {
    const start = r.below(all.length);
    idx = Array.from({ length: Math.min(1 + r.below(32), all.length - start) }, (_, k) => start + k);
  }
  const frames: CaseFrame[] = idx.map((i) => ({ bytes: all[i].bytes, linktype: all[i].linktype, tsSec: all[i].tsSec, tsNsec: all[i].tsNsec, wirelen: all[i].wirelen }));
  const donors = idx.map((i) => all[i].bytes);
  const muts: Mutation[] = [];
  const k = 1 + r.below(Math.min(4, frames.length));
  for (let j = 0; j < k; j++) {
    const at = r.below(frames.length);
    const seed = all[idx[at]];
    frames[at] = { ...frames[at], bytes: mutateFrame(r, seed, donors, muts) };
    frames[at].wirelen = r.chance(0.1) ? frames[at].bytes.length + r.below(2000) : frames[at].bytes.length;
  }
  let note: string | undefined;
  if (r.chance(0.1) && frames.length > 1) {
    const a = r.below(frames.length);
    const what = r.below(3);
    if (what === 0) frames.splice(a, 1);
    else if (what === 1) frames.splice(a, 0, { ...frames[a] });
    else [frames[0], frames[a]] = [frames[a], frames[0]];
    note = ['dropped', 'duplicated', 'swapped with the first'][what] + ` frame ${a}`;
  }
  return { kind: 'frames', source: `${cap.file} frames ${idx[0] + 1}..${idx[idx.length - 1] + 1}`, frames, mutations: muts, note };
}

const PEERS = [['10.1.1.10', '198.51.100.5'], ['192.168.1.10', '203.0.113.7'], ['172.16.5.10', '198.51.100.77']] as const;

function mutateBytes(r: Rng, b: Uint8Array, donors: readonly Uint8Array[], muts: Mutation[], max = 6): Uint8Array {
  return mutateN(r, b, r.chance(0.15) ? 0 : 1 + r.below(max), donors, muts, 0.4);
}

export function streamCase(r: Rng, c: Corpus): Case {
  const pool = r.chance(0.5) ? c.tlsStreams : r.chance(0.5) ? c.httpStreams : c.dnsTcp.length && r.chance(0.5) ? c.dnsTcp : c.streams;
  const i = r.below(pool.length);
  const muts: Mutation[] = [];
  const clientData = mutateBytes(r, pool[i], pool, muts);
  // A server stream from the same pool (a TLS ServerHello/Certificate flight follows a ClientHello).
  const serverData = r.chance(0.6) ? mutateBytes(r, pool[r.below(pool.length)], pool, muts, 3) : undefined;
  const [client, server] = PEERS[r.below(PEERS.length)];
  const dport = pool === c.dnsTcp ? 53 : [443, 9001, 80, 8080, 9030][r.below(5)];
  const frames = tcpConnection({ client, server, sport: 40000 + r.below(20000), dport, clientData, serverData, tsSec: 1_763_870_400 }, r);
  return { kind: 'stream', source: `stream ${i} of ${pool.length} (${pool === c.tlsStreams ? 'tls' : pool === c.httpStreams ? 'http' : pool === c.dnsTcp ? 'dns-tcp' : 'any'})`, frames, mutations: muts };
}

export function quicCase(r: Rng, c: Corpus): Case {
  const base = c.quicPlain[r.below(c.quicPlain.length)];
  const muts: Mutation[] = [];
  const donors = c.quicPlain.map((q) => q.frames);
  // Mutate the plaintext frames, encrypt again; sometimes split the CRYPTO data over two Initials.
  const frames = mutateBytes(r, base.frames, donors, muts);
  const datagrams: [boolean, Uint8Array][] = [[true, protectInitial({ version: base.version, dcid: base.dcid, frames, pn: 0 })]];
  if (r.chance(0.3)) datagrams.push([true, protectInitial({ version: base.version, dcid: base.dcid, frames: mutateBytes(r, base.frames, donors, muts, 3), pn: 1 })]);
  if (r.chance(0.2)) datagrams.unshift([true, mutateBytes(r, datagrams[0][1], [], muts, 2)]);
  const [client, server] = PEERS[r.below(PEERS.length)];
  return { kind: 'quic', source: `quic initial ${c.quicPlain.indexOf(base)} (version ${base.version.toString(16)})`, frames: udpExchange({ client, server, sport: 50000 + r.below(10000), dport: 443, tsSec: 1_763_870_400 }, datagrams), mutations: muts };
}

export function fileCase(r: Rng, caps: SeedCapture[]): Case | undefined {
  const withBytes = caps.filter((c) => c.bytes.length > 0);
  const cap = withBytes[r.below(withBytes.length)];
  const muts: Mutation[] = [];
  const n = 1 + r.below(6);
  let b: Uint8Array = cap.bytes;
  for (let i = 0; i < n; i++) {
    const m = randomMutation(r, b.length, 1, 0.3);
    muts.push(m);
    b = applyMutation(b, m, [cap.bytes]);
  }
  const file = Buffer.from(b);
  return { kind: 'file', source: cap.file, frames: [], mutations: muts, file };
}

/** Read a mutated capture with the real record parsers; returns its frames, or a problem. */
export function readFileCase(file: Buffer): { frames: CaseFrame[]; problem?: string } {
  const frames: CaseFrame[] = [];
  const frame = new Frame();
  const sink = (f: Frame): void => {
    if (f.off < 0 || f.off + f.caplen > f.buf.length) throw new Error(`frame outside its buffer: off ${f.off} caplen ${f.caplen} buffer ${f.buf.length}`);
    if (frames.length < 5000) frames.push({ bytes: Uint8Array.from(f.buf.subarray(f.off, f.off + f.caplen)), linktype: f.linktype, tsSec: f.tsSec, tsNsec: f.tsNsec, wirelen: f.wirelen });
  };
  if (file.length < 4) return { frames };
  const d = detectFormat(file);
  let parser: RecordParser;
  if (d.kind === 'pcap') parser = new PcapParser('fuzz', frame, sink);
  else if (d.kind === 'pcapng') parser = new PcapngParser('fuzz', frame, sink);
  else return { frames };
  try {
    // Two chunks, split at a random-ish point, the way the read loop hands them over.
    const pos = parser.parse(file, 0, file.length, 0);
    if (parser.need > 16 << 20) return { frames, problem: `record parser asks for ${parser.need} bytes` };
    parser.finish(file.length - pos, pos);
  } catch (err) {
    if (!(err instanceof InputError)) return { frames, problem: `record parser threw ${(err as Error)?.stack ?? String(err)}` };
    if (err.message.includes('\n')) return { frames, problem: `InputError message has a line break: ${JSON.stringify(err.message)}` };
  }
  return { frames };
}

/** One case of any kind, in the proportions the fuzzer uses. */
export function anyCase(r: Rng, caps: SeedCapture[], corpus: Corpus): Case | undefined {
  const k = r.below(100);
  const c = k < 55 ? framesCase(r, caps[r.below(caps.length)]) : k < 80 ? streamCase(r, corpus) : k < 90 && corpus.quicPlain.length ? quicCase(r, corpus) : fileCase(r, caps);
  if (c?.kind === 'file') {
    const rf = readFileCase(c.file!);
    c.frames = rf.frames;
    c.readProblem = rf.problem;
  }
  return c;
}
