// Hostile-network cases (issue 14), run by `npm run bench` (`--only hostile` runs only these): the
// crafted captures of test/fixtures/hostile/ (make_*.py) replayed by the real CLI, median of `runs`.
//  - hash flooding: 30,000 UDP flows whose sources collide under the pre-issue-14 flow hash, against
//    30,000 random flows; the ratio of wall times is the figure (about 1 with the keyed hash, 17 before).
//  - memory starvation: small flows each holding app-layer memory, then a two-segment legit.onion
//    ClientHello; the figure is whether its alert is kept and what the pool evicted.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';


const root = fileURLToPath(new URL('..', import.meta.url));
const hostile = `${root}test/fixtures/hostile/`;

function replay(file, extra = []) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [`${root}bin/torwatch.js`, 'replay', '--relays', 'none', '--progress', 'never', ...extra, `${hostile}${file}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const line = r.stderr.split('\n').find((l) => l.includes('"run summary"'));
  const summary = line ? JSON.parse(line).summary : undefined;
  return { wall, code: r.status, summary, alerts: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

function median(runs, f) {
  const xs = Array.from({ length: runs }, f).sort((a, b) => a.wall - b.wall);
  return xs[Math.floor(xs.length / 2)];
}

export function hostileBench(runs = 3) {
  const out = {};
  if (existsSync(`${hostile}hash-collide.pcap.gz`)) {
    const c = median(runs, () => replay('hash-collide.pcap.gz'));
    const r = median(runs, () => replay('hash-random.pcap.gz'));
    out.hash_flood = {
      colliding_wall_s: +c.wall.toFixed(3), random_wall_s: +r.wall.toFixed(3), ratio: +(c.wall / r.wall).toFixed(2),
      colliding_flows: c.summary?.flows, random_flows: r.summary?.flows,
    };
  }
  if (existsSync(`${hostile}memory-starve.pcap.gz`)) {
    const m = median(runs, () => replay('memory-starve.pcap.gz', ['--suppress-window', '0', '--rate-limit', '0']));
    const onion = m.alerts.filter((a) => JSON.stringify(a).includes('legit.onion'));
    out.memory_starvation = {
      wall_s: +m.wall.toFixed(3), legit_onion_alerts: onion.length,
      memcap_anomalies: m.summary?.anomalies?.['stream.memcap'] ?? 0,
      applayer: Object.fromEntries(Object.entries(m.summary?.applayer ?? {}).filter(([k]) => k.startsWith('memory'))),
    };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(hostileBench(Number(process.argv[2] ?? 3)), null, 2));

