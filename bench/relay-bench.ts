// Relay index figures for `npm run bench` (bundled by bench/run.mjs with esbuild, then run with node):
// load time (parse + index) of the real snapshots in ../shared/data/tor, and the cost of one lookup,
// beside a naive peer measured in the same run: a Map keyed by the address text, which is what a
// lookup costs when the address has to be formatted first.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseRelayText } from '../src/intel/relays/detect-format.js';
import { RelaySet } from '../src/intel/relays/relay-set.js';
import { formatIp } from '../src/util/ip.js';

// The bundle runs from bench/out/; run.mjs passes where ../shared is.
const TOR = process.argv[2] ?? fileURLToPath(new URL('../../../shared/data/tor/', import.meta.url));
const SNAPSHOTS = [
  'doodad-labs-tor-nodes/2026-02-22T15-34Z/relay-nodes.txt',
  'doodad-labs-tor-nodes/2026-02-22T15-34Z/relay-nodes.json',
  'ling0x-tor-nodes/2026-02-28T06-05Z/latest.all.csv',
  'secops-tor-ip-addresses/2024-02-27T03-57Z/tor-nodes.lst',
  'stem-collector-samples/exit-list-2018-11-01-00-02-01',
  'stem-collector-samples/2019-05-01-01-00-00-consensus-microdesc',
  'stem-collector-samples/2018-06-01-00-00-00-consensus',
];
const OPTS = { graceMs: 24 * 3_600_000, maxAgeMs: 3 * 3_600_000 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// The shared data has no full-size consensus (the stem samples are cut to 208 and 556 relays), so one
// is assembled for scale: the 2018 consensus's router entries, repeated with the real addresses of
// the 10,118-address relay list, into 10,000 entries.
const base = readFileSync(TOR + 'stem-collector-samples/2018-06-01-00-00-00-consensus', 'utf8');
const head = base.slice(0, base.indexOf('\nr ') + 1);
const foot = base.slice(base.indexOf('directory-footer'));
const entries = base.slice(head.length, base.indexOf('directory-footer')).split(/(?=^r )/m);
const v4s = readFileSync(TOR + SNAPSHOTS[0], 'utf8').split('\n').filter((l) => l && !l.includes(':'));
let body = '';
for (let i = 0; i < 10_000; i++) {
  // A fresh identity per entry (real consensuses have one relay per fingerprint) and a real address.
  const id = Buffer.alloc(20);
  id.writeUInt32BE(i, 0);
  id.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 16);
  body += entries[i % entries.length].replace(/^r (\S+) \S+ (\S+ \S+ \S+) \S+/, `r $1 ${id.toString('base64').slice(0, 27)} $2 ${v4s[i % v4s.length]}`);
}
const BIG = `${head}${body}${foot}`;

const loads: Record<string, unknown>[] = [];
for (const rel of [...SNAPSHOTS, 'synthetic: 10,000-relay consensus (2018 entries, new identities, real addresses)']) {
  const file = rel.startsWith('synthetic') ? '' : TOR + rel;
  const times: number[] = [];
  let first = 0;
  let relays = 0;
  let addresses = 0;
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now();
    const text = file ? readFileSync(file, 'utf8') : BIG;
    const src = parseRelayText(text, file || 'synthetic', 0, undefined)!;
    const set = new RelaySet([src], OPTS);
    const ms = performance.now() - t0;
    if (i === 0) first = ms;
    else times.push(ms);
    relays = src.info.relays;
    addresses = set.addressCounts.v4 + set.addressCounts.v6;
  }
  loads.push({ file: rel, format: parseRelayText(file ? readFileSync(file, 'utf8') : BIG, file || 'synthetic', 0, undefined)!.info.format, relays, addresses, first_ms: +first.toFixed(1), median_ms: +median(times).toFixed(1) });
}

// Lookups: the ~10,000-relay list plus the Onionoo CSV; half the queries hit, half miss.
const a = parseRelayText(readFileSync(TOR + SNAPSHOTS[0], 'utf8'), 'a', 0, undefined)!;
const b = parseRelayText(readFileSync(TOR + SNAPSHOTS[2], 'utf8'), 'b', 0, undefined)!;
const set = new RelaySet([a, b], OPTS);
const listed = a.relays.map((r) => r.addresses[0]);
const N = 1 << 20;
const ver = new Uint8Array(N);
const w = new Uint32Array(N * 4);
let seed = 12345;
const rnd = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
for (let i = 0; i < N; i++) {
  if (i & 1) {
    const x = listed[rnd() % listed.length];
    ver[i] = x.version;
    w.set(x.words, i * 4);
  } else if (rnd() % 4 === 0) {
    ver[i] = 6;
    w.set([0x20010db8, rnd(), rnd(), rnd()], i * 4);
  } else {
    ver[i] = 4;
    w.set([0, 0, 0, rnd()], i * 4);
  }
}
const peer = new Map<string, unknown>();
for (const r of [...a.relays, ...b.relays]) for (const x of r.addresses) peer.set(formatIp(x.version, x.words[0], x.words[1], x.words[2], x.words[3]), r);

function timeLookups(): { ns: number; hits: number } {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const k = i * 4;
    if (set.lookup(ver[i], w[k], w[k + 1], w[k + 2], w[k + 3], 9001, 0) !== undefined) hits++;
  }
  return { ns: Number(process.hrtime.bigint() - t0) / N, hits };
}
function timePeer(): { ns: number; hits: number } {
  let hits = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const k = i * 4;
    if (peer.get(formatIp(ver[i], w[k], w[k + 1], w[k + 2], w[k + 3])) !== undefined) hits++;
  }
  return { ns: Number(process.hrtime.bigint() - t0) / N, hits };
}
timeLookups();
timePeer();
const ours = [timeLookups(), timeLookups(), timeLookups()];
const theirs = [timePeer(), timePeer(), timePeer()];
const oursNs = median(ours.map((x) => x.ns));
const peerNs = median(theirs.map((x) => x.ns));
if (ours[0].hits !== theirs[0].hits) throw new Error(`lookup disagrees with the peer: ${ours[0].hits} vs ${theirs[0].hits} hits`);

const report = {
  loads,
  lookup: {
    index: `${set.addressCounts.v4} IPv4 + ${set.addressCounts.v6} IPv6 addresses from ${a.info.relays + b.info.relays} list entries`,
    queries: N,
    hit_ratio: +(ours[0].hits / N).toFixed(3),
    ns_per_lookup: +oursNs.toFixed(1),
    peer_string_map_ns_per_lookup: +peerNs.toFixed(1),
    ratio_vs_peer: +(oursNs / peerNs).toFixed(2),
  },
};
process.stdout.write(JSON.stringify(report) + '\n');
