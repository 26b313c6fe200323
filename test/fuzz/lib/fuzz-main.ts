/**
 * `npm run fuzz`: mutation fuzzing of the whole pipeline, in-process, for a time or mutation budget.
 *
 *   npm run fuzz -- --seconds 600            (default 60)
 *   npm run fuzz -- --mutations 5000000 --seed 7 --out test/fuzz/regressions
 *
 * Seeds are the frames of real captures (pcaps/ and ../shared/data). Each case is one of:
 *  - frames: a real flow's frames, a few of them mutated (bit flips, byte sets, truncations, inserted
 *    and deleted bytes, splices from other frames, length-field edits, repeats), aimed at the payload
 *    half the time (with IP/UDP lengths fixed up so the bytes reach the app layer) and at the headers
 *    otherwise; now and then frames are dropped, duplicated, swapped or snapped;
 *  - stream: a real TCP application stream (TLS, HTTP, DNS over TCP) mutated, then cut into segments
 *    of random sizes with reordering, duplicates, overlapping resends and holes;
 *  - quic: a real QUIC Initial's decrypted frames mutated and encrypted again (so they pass the AEAD);
 *  - file: a whole small capture file mutated and read by the real pcap/pcapng record parsers.
 * Every case runs through PipelineHarness (fresh pipeline: decode to syslog framing) and its checks.
 * A failing case is saved as a capture under --out (`<hash>.pcap` or `.pcapng`, with `<hash>.json`
 * saying what failed and how the input was made); test/fuzz/regressions.test.ts replays them all.
 * Prints progress every 10 s and a JSON summary at the end: cases, mutations, mutations/s, failures.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectFormat } from '../../../src/capture/file/detect-format.js';
import { PcapngParser } from '../../../src/capture/file/pcapng-reader.js';
import { PcapParser } from '../../../src/capture/file/pcap-reader.js';
import type { RecordParser } from '../../../src/capture/file/record-parser.js';
import { Frame } from '../../../src/capture/frame.js';
import { AnomalyCounters } from '../../../src/decode/anomalies.js';
import { PacketDecoder } from '../../../src/decode/index.js';
import { Packet } from '../../../src/decode/packet.js';
import { InputError } from '../../../src/util/errors.js';
import { writeCapture } from './capture-writer.js';
import { buildCorpus, DATA, loadFrames, ROOT, seedCaptures, type Corpus, type RealFrame } from './corpus.js';
import { applyMutation, describeMutations, randomMutation, Rng, type Mutation } from './mutate.js';
import { fuzzIntel, PipelineHarness, type CaseFrame } from './pipeline-harness.js';
import { protectInitial } from './quic-protect.js';
import { tcpConnection, udpExchange } from './synth.js';

// ---------------------------------------------------------------- arguments

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const SECONDS = Number(arg('seconds') ?? (arg('mutations') ? Infinity : 60));
const MAX_MUTATIONS = Number(arg('mutations') ?? Infinity);
const SEED = Number(arg('seed') ?? Date.now() % 0x7fffffff);
const OUT = arg('out') ?? join(ROOT, 'test/fuzz/regressions');
const PER_SIGNATURE = 3;

// ---------------------------------------------------------------- seeds

interface SeedFrame extends RealFrame {
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

interface SeedCapture {
  file: string;
  frames: SeedFrame[];
  /** Frame indices of each flow. */
  flows: number[][];
  bytes: Buffer;
}

async function loadSeeds(files: string[]): Promise<SeedCapture[]> {
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

// ---------------------------------------------------------------- cases

interface Case {
  kind: 'frames' | 'stream' | 'quic' | 'file';
  source: string;
  frames: CaseFrame[];
  mutations: Mutation[];
  /** For file cases: the mutated capture file itself. */
  file?: Buffer;
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

function mutateFrame(r: Rng, f: SeedFrame, donors: Uint8Array[], muts: Mutation[]): Uint8Array {
  const n = 1 + r.below(r.chance(0.7) ? 3 : 8);
  const payloadOnly = f.payLen > 0 && r.chance(0.5);
  if (payloadOnly) {
    let pay: Uint8Array = f.bytes.subarray(f.payOff, f.payOff + f.payLen);
    for (let i = 0; i < n; i++) {
      const m = randomMutation(r, pay.length, donors.length, 0.3);
      muts.push(m);
      pay = applyMutation(pay, m, donors);
    }
    const out = new Uint8Array(f.payOff + pay.length);
    out.set(f.bytes.subarray(0, f.payOff), 0);
    out.set(pay, f.payOff);
    fixLengths(out, f, pay.length - f.payLen);
    return out;
  }
  let b: Uint8Array = f.bytes;
  for (let i = 0; i < n; i++) {
    const m = randomMutation(r, b.length, donors.length, 0.6);
    muts.push(m);
    b = applyMutation(b, m, donors);
  }
  return b;
}

function framesCase(r: Rng, cap: SeedCapture): Case {
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
  const n = r.chance(0.15) ? 0 : 1 + r.below(max);
  let out = b;
  for (let i = 0; i < n; i++) {
    const m = randomMutation(r, out.length, donors.length, 0.4);
    muts.push(m);
    out = applyMutation(out, m, donors);
  }
  return out;
}

function streamCase(r: Rng, c: Corpus): Case {
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

function quicCase(r: Rng, c: Corpus): Case {
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

function fileCase(r: Rng, caps: SeedCapture[]): Case | undefined {
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
function readFileCase(file: Buffer): { frames: CaseFrame[]; problem?: string } {
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

// ---------------------------------------------------------------- failures

function signature(problem: string): string {
  const firstLine = problem.split('\n')[0];
  const at = problem.split('\n').find((l) => l.trim().startsWith('at '))?.trim() ?? '';
  return (firstLine.replace(/\d+/g, 'N') + ' ' + at.replace(/:\d+:\d+/g, '')).slice(0, 300);
}

const seen = new Map<string, number>();

function save(c: Case, problems: string[]): string | undefined {
  const sig = signature(problems[0]);
  const count = seen.get(sig) ?? 0;
  seen.set(sig, count + 1);
  if (count >= PER_SIGNATURE) return undefined;
  mkdirSync(OUT, { recursive: true });
  let bytes: Buffer;
  let ext: string;
  if (c.file) {
    bytes = c.file;
    ext = c.file.length >= 4 && c.file.readUInt32BE(0) === 0x0a0d0d0a ? 'pcapng' : 'pcap';
  } else ({ bytes, ext } = writeCapture(c.frames));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  writeFileSync(join(OUT, `${hash}.${ext}`), bytes);
  writeFileSync(join(OUT, `${hash}.json`), JSON.stringify({
    problem: problems, signature: sig, kind: c.kind, source: c.source.replace(ROOT, '').replace(DATA, '../shared/data/'),
    mutations: describeMutations(c.mutations), note: c.note, seed: SEED, found: new Date().toISOString().slice(0, 10),
  }, null, 2) + '\n');
  return `${hash}.${ext}`;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const t0 = performance.now();
  const files = seedCaptures();
  const caps = await loadSeeds(files);
  const corpus = await buildCorpus();
  const harness = new PipelineHarness(await fuzzIntel());
  const r = new Rng(SEED);
  const frameCount = caps.reduce((a, c) => a + c.frames.length, 0);
  process.stderr.write(`fuzz: seed ${SEED}; ${caps.length} captures, ${frameCount} frames, ${corpus.streams.length} TCP streams, ${corpus.quicPlain.length} QUIC Initials; loaded in ${Math.round(performance.now() - t0)} ms\n`);
  const start = performance.now();
  const stats = { cases: 0, mutations: 0, packets: 0, alerts: 0, failures: 0, byKind: { frames: 0, stream: 0, quic: 0, file: 0 } as Record<string, number>, slowestCaseMs: 0, slowestCase: '' };
  const saved: string[] = [];
  let nextReport = start + 10_000;
  while (performance.now() - start < SECONDS * 1000 && stats.mutations < MAX_MUTATIONS) {
    const k = r.below(100);
    const c = k < 55 ? framesCase(r, caps[r.below(caps.length)]) : k < 80 ? streamCase(r, corpus) : k < 90 && corpus.quicPlain.length ? quicCase(r, corpus) : fileCase(r, caps);
    if (!c) continue;
    const problems: string[] = [];
    if (c.kind === 'file') {
      const rf = readFileCase(c.file!);
      if (rf.problem) problems.push(rf.problem);
      c.frames = rf.frames;
    }
    const o = harness.run(c.frames);
    problems.push(...o.problems);
    stats.cases++;
    stats.byKind[c.kind]++;
    stats.mutations += c.mutations.length;
    stats.packets += o.packets;
    stats.alerts += o.alerts;
    if (o.ms > stats.slowestCaseMs) {
      stats.slowestCaseMs = Math.round(o.ms);
      stats.slowestCase = `${c.kind} ${c.source.replace(ROOT, '').replace(DATA, '')}: ${c.frames.length} frames, ${o.alerts} alerts`;
    }
    if (problems.length) {
      stats.failures++;
      const name = save(c, problems);
      if (name) {
        saved.push(name);
        process.stderr.write(`fuzz: FAILURE (${c.kind}, ${c.source}) saved as ${name}: ${problems[0].split('\n').slice(0, 3).join(' | ')}\n`);
      }
    }
    const now = performance.now();
    if (now >= nextReport) {
      nextReport = now + 10_000;
      const s = (now - start) / 1000;
      process.stderr.write(`fuzz: ${Math.round(s)} s, ${stats.cases} cases, ${stats.mutations} mutations (${Math.round(stats.mutations / s)}/s), ${stats.packets} packets, ${stats.failures} failures\n`);
    }
  }
  const secs = (performance.now() - start) / 1000;
  const summary = {
    seed: SEED, seconds: Math.round(secs), ...stats,
    mutationsPerSecond: Math.round(stats.mutations / secs), casesPerSecond: Math.round(stats.cases / secs), packetsPerSecond: Math.round(stats.packets / secs),
    uniqueFailures: seen.size, signatures: [...seen.entries()].map(([sig, n]) => ({ sig, n })), saved,
  };
  process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  process.exitCode = stats.failures ? 1 : 0;
}

main().catch((err) => {
  process.stderr.write(`fuzz: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 3;
});
