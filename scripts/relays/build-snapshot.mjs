#!/usr/bin/env node
/**
 * Builds torwatch's built-in relay snapshot, data/relays/snapshot.json.gz, from the newest real relay
 * data in ../shared/data/tor/: ling0x/tor-nodes' hourly export of Onionoo (`details?search=type:relay
 * running:true`), three CSVs of `fingerprint,ipaddr,port` (ORPort): every running relay, those with
 * the Exit flag, those with the Guard flag.
 *
 * The output is an Onionoo details document (the format torwatch already reads, src/intel/relays/
 * onionoo.ts) holding only what the CSVs say: per relay its fingerprint, OR addresses with ORPorts and
 * the flags Running, plus Exit and Guard where listed (so a relay without either is a middle relay),
 * and `relays_published` = the export's time. A `torwatch_snapshot` object says where it came from.
 * Relays are sorted by fingerprint and the gzip stream carries no time, so the same input gives the
 * same bytes (data/relays/README.md has the command that made the committed file).
 *
 * Usage: node scripts/relays/build-snapshot.mjs [--from DIR] [--published 'YYYY-MM-DD HH:MM:SS'] [--out FILE]
 *   DIR defaults to the newest ../shared/data/tor/ling0x-tor-nodes/<time>/ folder; the published time
 *   defaults to that folder's name (YYYY-MM-DDTHH-MMZ).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const base = join(ROOT, '..', 'shared', 'data', 'tor', 'ling0x-tor-nodes');
const from = opt('--from') ?? join(base, readdirSync(base).filter((d) => /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z$/.test(d)).sort().at(-1));
const folder = /(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})Z\/?$/.exec(from);
const published = opt('--published') ?? (folder ? `${folder[1]} ${folder[2]}:${folder[3]}:00` : undefined);
if (!published || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(published)) {
  console.error("build-snapshot: give --published 'YYYY-MM-DD HH:MM:SS' (the export's time)");
  process.exit(2);
}
const out = opt('--out') ?? join(ROOT, 'data', 'relays', 'snapshot.json.gz');

/** Rows of one CSV: fingerprint -> addresses ("ip:port", "[v6]:port"). */
function read(file) {
  const lines = readFileSync(join(from, file), 'utf8').split('\n');
  if (lines[0].trim() !== 'fingerprint,ipaddr,port') throw new Error(`${file}: unexpected header '${lines[0]}'`);
  const byFp = new Map();
  lines.slice(1).forEach((line, i) => {
    if (!line.trim()) return;
    const [fp, ip, port] = line.trim().split(',');
    if (!/^[0-9A-F]{40}$/.test(fp) || !ip || !/^\d{1,5}$/.test(port)) throw new Error(`${file}: line ${i + 2}: '${line}' is not fingerprint,ipaddr,port`);
    const addr = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
    const list = byFp.get(fp) ?? [];
    if (!list.includes(addr)) list.push(addr);
    byFp.set(fp, list);
  });
  return byFp;
}

const all = read('latest.all.csv');
const exits = read('latest.exits.csv');
const guards = read('latest.guards.csv');
const relays = [...all.keys()].sort().map((fp) => {
  const flags = ['Running'];
  if (exits.has(fp)) flags.push('Exit');
  if (guards.has(fp)) flags.push('Guard');
  return { fingerprint: fp, or_addresses: all.get(fp), flags: flags.sort() };
});
const missing = [...exits.keys(), ...guards.keys()].filter((fp) => !all.has(fp));
if (missing.length) throw new Error(`${missing.length} exit/guard fingerprints are not in latest.all.csv (e.g. ${missing[0]})`);

const doc = {
  version: '8.0',
  relays_published: published,
  torwatch_snapshot: {
    source: 'https://github.com/ling0x/tor-nodes (latest.all.csv, latest.exits.csv, latest.guards.csv), from the Tor Project\'s Onionoo details?search=type:relay running:true',
    fields: 'fingerprint, or_addresses (ORPorts), flags Running/Exit/Guard only',
    built_by: 'scripts/relays/build-snapshot.mjs',
  },
  relays,
};
const json = JSON.stringify(doc).replace(/\},\{"fingerprint"/g, '},\n{"fingerprint"');
writeFileSync(out, gzipSync(Buffer.from(json + '\n'), { level: 9 }));
const v6 = relays.reduce((n, r) => n + r.or_addresses.filter((a) => a.startsWith('[')).length, 0);
const addrs = relays.reduce((n, r) => n + r.or_addresses.length, 0);
console.log(`${out}: ${relays.length} relays (${relays.filter((r) => r.flags.includes('Exit')).length} exit, ${relays.filter((r) => r.flags.includes('Guard')).length} guard), ${addrs} OR addresses (${v6} IPv6), published ${published}`);
