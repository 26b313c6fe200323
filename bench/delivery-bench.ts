// Delivery throughput for `npm run bench` (bundled by bench/run.mjs with esbuild, then run with node):
// alerts per second each fleet output sustains to its own local server (redis-server, nats-server with
// JetStream, rsyslog imrelp from siem/rsyslog/), batching on (the default windows), beside the file
// output in the same run. Two figures per output, median of --runs:
//   end-to-end  a replay of an all-alert capture (rate limit and suppression off) to the file and the
//               output; the run ends only when the server confirmed the last alert (a long drain-timeout)
//   drain       the same alerts already in the output's spool (the server was down), delivered by a run
//               with nothing new to send: the output's own rate, without the pipeline
// Prints one JSON object on stdout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertingCapture } from '../test/support/alert-capture.js';
import { NatsServer, RedisServer, RelpReceiver } from '../test/support/fleet-servers.js';
import { ROOT } from '../test/support/paths.js';

const argv = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : [])).filter((x) => x.length));
const ALERTS = Number(argv.alerts ?? 20_000);
const RUNS = Number(argv.runs ?? 3);
const BIN = join(ROOT, 'bin', 'torwatch.js');
const dir = mkdtempSync(join(tmpdir(), 'tw-bench-delivery-'));
const capture = join(dir, 'alerts.pcap');
const empty = join(dir, 'empty.pcap');
writeFileSync(capture, alertingCapture({ flows: ALERTS, spacingUs: 100 }).bytes);
writeFileSync(empty, alertingCapture({ flows: 0 }).bytes);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One replay; its wall time in seconds and the run summary's outputs. */
function replay(outputs: string[], input: string): { s: number; outputs: Record<string, number | string>[] } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'replay', '--rate-limit', '0', '--suppress-window', '0', '--progress', 'never', ...outputs.flatMap((o) => ['-o', o]), input], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const s = (performance.now() - t0) / 1000;
  // Exit 3 is an output that ended the run with alerts in its spool: what the backlog runs do on purpose.
  if (r.status !== 0 && r.status !== 3) throw new Error(`replay failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const line = r.stderr.split('\n').find((l) => l.includes('"run summary"'));
  return { s, outputs: line ? (JSON.parse(line) as { summary: { outputs: Record<string, number | string>[] } }).summary.outputs : [] };
}

interface Subject {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A fresh target each time (its own key, subject or file and spool), so runs do not add up. */
  url(run: string): string;
}

let seq = 0;
const relp = new RelpReceiver(join(dir, 'relp'));
const redis = new RedisServer(join(dir, 'redis'));
const nats = new NatsServer(join(dir, 'nats'));
const subjects: Subject[] = [
  { name: 'relp', start: () => relp.start(), stop: () => relp.stop(), url: (r) => `relp://127.0.0.1:${relp.port}?spool-dir=${dir}/spool-${r}&drain-timeout=600` },
  { name: 'redis list', start: () => redis.start(), stop: () => redis.stop(), url: (r) => `redis://127.0.0.1:${redis.port}/0?key=bench:${r}&spool-dir=${dir}/spool-${r}&drain-timeout=600` },
  { name: 'redis stream', start: () => redis.start(), stop: () => redis.stop(), url: (r) => `redis://127.0.0.1:${redis.port}/0?key=bench:${r}&mode=stream&maxlen=0&spool-dir=${dir}/spool-${r}&drain-timeout=600` },
  {
    name: 'nats jetstream',
    start: async () => {
      await nats.start();
      await nats.addStream(`BENCH${++seq}`, [`bench${seq}.>`]).catch(() => undefined);
    },
    stop: () => nats.stop(),
    url: (r) => `nats://127.0.0.1:${nats.port}?subject=bench${seq}.${r}&spool-dir=${dir}/spool-${r}&drain-timeout=600`,
  },
];

const results: Record<string, unknown> = { alerts: ALERTS, runs: RUNS };
try {
  const file = [];
  for (let i = 0; i < RUNS; i++) file.push(replay([join(dir, `file-${i}.ndjson`)], capture).s);
  results.file = { wall_s: +median(file).toFixed(3), alerts_per_s: Math.round(ALERTS / median(file)) };
  for (const sub of subjects) {
    const e2e: number[] = [];
    const drain: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await sub.start();
      const run = `${sub.name.replace(/\W/g, '')}-${i}`;
      const r = replay([join(dir, `with-${run}.ndjson`), sub.url(run)], capture);
      if (Number(r.outputs[1]?.delivered) !== ALERTS) throw new Error(`${sub.name}: ${JSON.stringify(r.outputs[1])}`);
      e2e.push(r.s);
      // The backlog: the same alerts into the spool with the server down, then drained.
      await sub.stop();
      const back = `${run}-backlog`;
      replay([sub.url(back).replace('drain-timeout=600', 'drain-timeout=0')], capture);
      await sub.start();
      const d = replay([sub.url(back)], empty);
      if (Number(d.outputs[0]?.delivered) !== ALERTS) throw new Error(`${sub.name} drain: ${JSON.stringify(d.outputs[0])}`);
      drain.push(d.s);
      await sub.stop();
    }
    results[sub.name] = {
      end_to_end_wall_s: +median(e2e).toFixed(3), end_to_end_alerts_per_s: Math.round(ALERTS / median(e2e)),
      drain_wall_s: +median(drain).toFixed(3), drain_alerts_per_s: Math.round(ALERTS / median(drain)),
    };
  }
} finally {
  await Promise.all([relp.stop(), redis.stop(), nats.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(results) + '\n');
