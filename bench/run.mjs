// `npm run bench`: torwatch replay beside tcpdump and ndpiReader on the same large capture, in one run,
// so the figures are ratios against peers measured on the same (shared, noisy) machine.
// Each tool runs `--runs` times (default 3) after a page-cache warm-up; the median wall time counts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : [])).filter((x) => x.length));
const mb = Number(args.mb ?? 520);
// --mix bittorrent: the BitTorrent-heavy capture (bench/bittorrent-mix.mjs) instead of the web mix.
const mix = args.mix ?? 'web';
const runs = Number(args.runs ?? 3);
const outDir = `${here}out`;
mkdirSync(outDir, { recursive: true });
const file = args.file ?? `${outDir}/synthetic-${mix === 'web' ? '' : `${mix}-`}${mb}mb.pcap`;

// Hostile-network cases (issue 14): hash flooding (colliding vs random flows) and memory starvation
// (`--only hostile` runs only these; another `--only` skips them).
if (!args.only || args.only === 'hostile') {
  const { hostileBench } = await import('./hostile-bench.mjs');
  if (!existsSync(`${root}dist/torwatch.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const hostile = hostileBench(runs);
  writeFileSync(`${outDir}/hostile-results.json`, JSON.stringify(hostile, null, 2));
  if (hostile.hash_flood) console.log(`hash flooding: 30,000 colliding flows ${hostile.hash_flood.colliding_wall_s} s, 30,000 random ${hostile.hash_flood.random_wall_s} s, ratio ${hostile.hash_flood.ratio}x`);
  if (hostile.memory_starvation) console.log(`memory starvation: legit.onion alerts kept ${hostile.memory_starvation.legit_onion_alerts}, stream.memcap ${hostile.memory_starvation.memcap_anomalies}`);
  if (args.only === 'hostile') process.exit(0);
}

// Relay index: load time of the real snapshots and per-lookup cost (cheap; runs first). `--only relays`
// stops after it.
const relayBundle = `${outDir}/relay-bench.mjs`;
execFileSync(`${root}node_modules/.bin/esbuild`, [`${here}relay-bench.ts`, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${relayBundle}`, '--log-level=warning']);
const relay = JSON.parse(execFileSync(process.execPath, [relayBundle, `${root}../shared/data/tor/`], { stdio: ['ignore', 'pipe', 'inherit'] }).toString());
writeFileSync(`${outDir}/relay-results.json`, JSON.stringify(relay, null, 2));
console.log('relay index load (parse + index, text read from disk; first run and median of 8 warm runs):');
console.log('file                                                          format               relays  addresses  first ms  median ms');
for (const l of relay.loads) console.log(`${l.file.padEnd(61)} ${l.format.padEnd(20)} ${String(l.relays).padStart(6)} ${String(l.addresses).padStart(10)} ${String(l.first_ms).padStart(9)} ${String(l.median_ms).padStart(10)}`);
const lk = relay.lookup;
console.log(`relay lookup: ${lk.ns_per_lookup} ns per lookup over ${lk.queries} queries (${lk.index}, hit ratio ${lk.hit_ratio}); peer Map<string> with formatted address: ${lk.peer_string_map_ns_per_lookup} ns; ratio ${lk.ratio_vs_peer}x`);
if (args.only === 'relays') process.exit(0);

// Delivery throughput of the fleet outputs to local servers, beside the file output (`--only delivery`).
const deliveryBundle = `${outDir}/delivery-bench.mjs`;
execFileSync(`${root}node_modules/.bin/esbuild`, [`${here}delivery-bench.ts`, '--bundle', '--platform=node', '--format=esm', '--target=node20', '--packages=external', `--outfile=${deliveryBundle}`, '--log-level=warning']);
if (!existsSync(`${root}dist/torwatch.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const delivery = JSON.parse(execFileSync(process.execPath, [deliveryBundle, '--runs', String(runs), '--alerts', String(args.alerts ?? 20000)], { stdio: ['ignore', 'pipe', 'inherit'] }).toString());
writeFileSync(`${outDir}/delivery-results.json`, JSON.stringify(delivery, null, 2));
console.log(`delivery: ${delivery.alerts} alerts to each output's local server (batching on), median of ${delivery.runs} runs`);
console.log(`file output alone: ${delivery.file.alerts_per_s} alerts/s (${delivery.file.wall_s} s, the whole replay)`);
console.log('output          end-to-end alerts/s (s)   drain from spool alerts/s (s)');
for (const [name, d] of Object.entries(delivery)) {
  if (typeof d !== 'object' || name === 'file') continue;
  console.log(`${name.padEnd(15)} ${String(d.end_to_end_alerts_per_s).padStart(8)} (${String(d.end_to_end_wall_s).padStart(6)})        ${String(d.drain_alerts_per_s).padStart(8)} (${String(d.drain_wall_s).padStart(6)})`);
}
if (args.only === 'delivery') process.exit(0);


if (!existsSync(file)) {
  process.stderr.write(`generating ${file} (${mb} MB)...\n`);
  execFileSync(process.execPath, [`${here}make-capture.mjs`, '--mb', String(mb), '--mix', mix, '--out', file], { stdio: 'inherit' });
}
if (!existsSync(`${root}dist/torwatch.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const size = statSync(file).size;
const packets = Number(execFileSync('capinfos', ['-M', '-c', '-r', '-T', file]).toString().trim().split('\t').pop());
execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'inherit'], maxBuffer: 1 }); // warm the page cache

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const tools = [
  ['tcpdump', ['tcpdump', '-r', file, '-w', '/dev/null']],
  ['torwatch', [process.execPath, `${root}bin/torwatch.js`, 'replay', '--log-level', 'warn', '--progress', 'never', file]],
  // Sharded (issue 13): the same alerts from two worker threads and the merge point (README, Every core).
  ['torwatch -w2', [process.execPath, `${root}bin/torwatch.js`, 'replay', '--workers', '2', '--log-level', 'warn', '--progress', 'never', file]],
  // The same with the ~10,000-relay list and the Onionoo CSV loaded: every new flow is looked up twice.
  ['torwatch+relays', [process.execPath, `${root}bin/torwatch.js`, 'replay', '--log-level', 'warn', '--progress', 'never',
    '--relays', `${root}../shared/data/tor/doodad-labs-tor-nodes/2026-02-22T15-34Z/relay-nodes.txt`,
    '--relays', `${root}../shared/data/tor/ling0x-tor-nodes/2026-02-28T06-05Z/latest.all.csv`, file]],
  ['ndpiReader', ['ndpiReader', '-q', '-i', file]],
].filter(([, cmd]) => have(cmd[0]));

function measure(cmd) {
  const r = spawnSync('python3', [`${here}measure.py`, ...cmd], { encoding: 'utf8' });
  return JSON.parse(r.stdout);
}

const results = {};
for (const [name, cmd] of tools) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(measure(cmd));
  samples.sort((a, b) => a.wall - b.wall);
  const med = samples[Math.floor(samples.length / 2)];
  results[name] = { wall_s: +med.wall.toFixed(3), cpu_s: +(med.user + med.sys).toFixed(3), peak_rss_mib: +Math.max(...samples.map((s) => s.rss_mib)).toFixed(1), exit: med.code, runs: samples.map((s) => +s.wall.toFixed(3)) };
}
for (const r of Object.values(results)) {
  r.mb_per_s = +(size / 1e6 / r.wall_s).toFixed(1);
  r.packets_per_s = Math.round(packets / r.wall_s);
}
const ratios = {};
if (results.tcpdump && results.torwatch) ratios.torwatch_vs_tcpdump = +(results.torwatch.wall_s / results.tcpdump.wall_s).toFixed(2);
if (results.ndpiReader && results.torwatch) ratios.torwatch_vs_ndpiReader = +(results.torwatch.wall_s / results.ndpiReader.wall_s).toFixed(2);
if (results['torwatch -w2'] && results.torwatch) ratios.workers2_speedup_vs_workers1 = +(results.torwatch.wall_s / results['torwatch -w2'].wall_s).toFixed(2);
if (results['torwatch+relays'] && results.torwatch) ratios.relays_vs_no_relays = +(results['torwatch+relays'].wall_s / results.torwatch.wall_s).toFixed(2);

const report = { date: new Date().toISOString(), file, mix, bytes: size, packets, runs, results, ratios, relay };
writeFileSync(`${outDir}/results.json`, JSON.stringify(report, null, 2));
console.log(`capture: ${file} (${(size / 1e6).toFixed(0)} MB, ${packets} packets), median of ${runs} runs`);
console.log('tool            wall s   cpu s   MB/s    packets/s   peak RSS MiB');
for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(15)} ${String(r.wall_s).padStart(6)}  ${String(r.cpu_s).padStart(6)}  ${String(r.mb_per_s).padStart(6)}  ${String(r.packets_per_s).padStart(10)}  ${String(r.peak_rss_mib).padStart(8)}`);
for (const [k, v] of Object.entries(ratios)) console.log(`${k}: ${v}x`);
