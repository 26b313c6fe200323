// `npm run bench:live` (as root): live capture on a veth pair in a private network namespace.
// tcpreplay sends a synthetic capture (bench/make-capture.mjs: TCP with handshakes and full-size
// segments, TLS, DNS, flows to 9001/9030) out of one end at increasing rates while the capture runs on
// the other end; for each rate and each capturer it records packets sent (tcpreplay's own count),
// packets the capturer analysed, the kernel's drop count (pcap_stats) and the capturer's CPU use.
// Capturers: torwatch with the pcap-batch addon, torwatch with `cap`, and tcpdump -w /dev/null as the
// peer (the same libpcap, no analysis). The machine is shared: compare within one run.
//
//   node bench/live.mjs [--mb 40] [--rates 25000,50000,100000,200000,max] [--loops 1] [--buffer 32]
//                       [--small 96] [--only pcap-batch,pcap-batch-w2,cap,tcpdump]
// pcap-batch-w2 is torwatch --workers 2; each row also lists the busiest threads' CPU (the workers'
// JavaScript threads, the addon's capture threads, the main thread's merge).
// --small N cuts every packet to N bytes with tcprewrite --mtu-trunc (IP lengths and checksums fixed):
// the same flows as many small packets, to push the packet rate rather than the byte rate.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const args = Object.fromEntries(process.argv.slice(2).map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : [])).filter((x) => x.length));
const mb = Number(args.mb ?? 40);
const rates = String(args.rates ?? '25000,50000,100000,200000,max').split(',');
const loops = Number(args.loops ?? 1);
const bufferMiB = Number(args.buffer ?? 32);
// The veth MTU matters beyond the packets: in immediate mode (cap always; torwatch --immediate) libpcap
// uses TPACKET_V2, whose ring slots are sized by the MTU, so a jumbo MTU means far fewer slots.
const mtu = String(args.mtu ?? 1500);
const only = args.only ? String(args.only).split(',') : undefined;
const outDir = `${here}out`;
mkdirSync(outDir, { recursive: true });
const small = args.small ? Number(args.small) : undefined;
const base = `${outDir}/live-${mb}mb.pcap`;
const file = small ? `${outDir}/live-${mb}mb-cut${small}.pcap` : base;
if (process.getuid() !== 0) {
  console.error('bench/live.mjs: run as root (network namespaces)');
  process.exit(2);
}
if (!existsSync(base)) execFileSync(process.execPath, [`${here}make-capture.mjs`, '--mb', String(mb), '--out', base], { stdio: 'inherit' });
if (small && !existsSync(file)) execFileSync('tcprewrite', [`--mtu=${small}`, '--mtu-trunc', '--fixcsum', '-i', base, '-o', file], { stdio: 'inherit' });
if (!existsSync(`${root}dist/torwatch.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const ns = `tw6-bench-${randomBytes(3).toString('hex')}`;
const inNs = (cmd, a) => execFileSync('ip', ['netns', 'exec', ns, cmd, ...a], { encoding: 'utf8' });
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const children = new Set();

function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  spawnSync('ip', ['netns', 'del', ns]);
}
process.on('exit', cleanup);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(1));

execFileSync('ip', ['netns', 'add', ns]);
inNs('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
inNs('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
inNs('ip', ['link', 'add', 'tx0', 'mtu', mtu, 'type', 'veth', 'peer', 'name', 'rx0', 'mtu', mtu]);
inNs('ip', ['link', 'set', 'tx0', 'up']);
inNs('ip', ['link', 'set', 'rx0', 'up']);

const cpuTicks = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime (fields 14, 15)
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// `pcap-batch-w2`: torwatch --workers 2 (one handle per worker in a kernel fanout group).
const backendOf = (capturer) => capturer.replace(/-w\d+$/, '');
const workersOf = (capturer) => (/-w(\d+)$/.test(capturer) ? ['--workers', /-w(\d+)$/.exec(capturer)[1]] : []);

/** CPU ticks per thread of a process (tid -> [name, ticks]): the workers' and capture threads' shares. */
const threadTicks = (pid) => {
  const out = new Map();
  let tids = [];
  try {
    tids = execFileSync('ls', [`/proc/${pid}/task`], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = f.slice(f.indexOf('(') + 1, f.lastIndexOf(')'));
      const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
      out.set(tid, [name, Number(rest[11]) + Number(rest[12])]);
    } catch {
      // the thread ended
    }
  }
  return out;
};

function start(capturer) {
  const cmd = capturer === 'tcpdump'
    ? ['tcpdump', '-i', 'rx0', '-n', '-B', String(bufferMiB * 1024), '-w', '/dev/null']
    : [process.execPath, `${root}bin/torwatch.js`, 'capture', '-i', 'rx0', '--capture-backend', backendOf(capturer), ...workersOf(capturer), '--buffer-size', String(bufferMiB), '--stats-interval', '0', '-o', '/dev/null'];
  const c = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(c);
  let err = '';
  c.stderr.on('data', (b) => (err += b));
  const ready = new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (capturer === 'tcpdump' ? err.includes('listening on') : err.includes('"capture started"')) {
        clearInterval(t);
        resolve();
      }
      if (c.exitCode !== null) {
        clearInterval(t);
        reject(new Error(`${capturer} exited: ${err}`));
      }
    }, 20);
  });
  const exited = new Promise((resolve) => c.on('close', () => resolve(err)));
  return { c, ready, exited };
}

function parseResult(capturer, stderr) {
  if (capturer === 'tcpdump') {
    const n = (re) => Number(re.exec(stderr)?.[1] ?? NaN);
    return { analysed: n(/(\d+) packets? captured/), received: n(/(\d+) packets? received by filter/), dropped: n(/(\d+) packets? dropped by kernel/) };
  }
  const line = stderr.split('\n').map((l) => { try { return JSON.parse(l); } catch { return undefined; } }).find((l) => l?.msg === 'capture stopped');
  const i = line?.stats?.interfaces?.[0] ?? {};
  return { analysed: line?.stats?.packets, received: i.received, dropped: i.dropped, ifDropped: i.ifDropped, batches: i.batches, bufferWaits: i.bufferWaits, alerts: line?.stats?.alerts?.total };
}

const capturers = (only ?? ['pcap-batch', 'pcap-batch-w2', 'cap', 'tcpdump']);
const results = [];
const packetsInFile = Number(execFileSync('capinfos', ['-M', '-c', '-r', '-T', file]).toString().trim().split('\t').pop());
console.log(`capture ${file}: ${packetsInFile} packets x ${loops} loop(s); kernel buffer ${bufferMiB} MiB; veth MTU ${mtu} in ${ns}`);
console.log('capturer     rate asked  tcpreplay pps  sent       analysed   kernel drops  lost      CPU %');
for (const rate of rates) {
  for (const capturer of capturers) {
    const p = start(capturer);
    await p.ready;
    await sleep(200);
    const pid = p.c.pid;
    const t0 = cpuTicks(pid);
    const th0 = threadTicks(pid);
    const w0 = performance.now();
    const rateArgs = rate === 'max' ? ['--topspeed'] : ['--pps', rate];
    const out = inNs('tcpreplay', ['-i', 'tx0', '--preload-pcap', '--loop', String(loops), ...rateArgs, file]);
    const wall = (performance.now() - w0) / 1000;
    await sleep(capturer === 'tcpdump' ? 1000 : 300);
    const t1 = cpuTicks(pid);
    const th1 = threadTicks(pid);
    p.c.kill('SIGINT');
    const stderr = await p.exited;
    children.delete(p.c);
    const sent = Number(/Actual:\s+(\d+)\s+packets/.exec(out)?.[1]);
    const pps = Number(/Rated:\s+[\d.]+\s+Bps,\s+[\d.]+\s+Mbps,\s+([\d.]+)\s+pps/.exec(out)?.[1]);
    const r = parseResult(capturer, stderr);
    // CPU seconds the capturer used from the first packet sent until 300 ms after the last (its backlog
    // included), as a share of one core over the sending time.
    const cpuSec = (t1 - t0) / CLK_TCK;
    const cpu = Math.round((cpuSec / wall) * 1000) / 10;
    // The busiest threads (JavaScript workers, the addon's capture threads, the main thread), % of one core.
    const threads = [...th1].map(([tid, [name, ticks]]) => ({ tid: Number(tid), name, cpuPercent: Math.round(((ticks - (th0.get(tid)?.[1] ?? 0)) / CLK_TCK / wall) * 1000) / 10 }))
      .filter((t) => t.cpuPercent >= 1).sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, 6);
    const row = { capturer, rateAsked: rate, tcpreplayPps: Math.round(pps), sent, ...r, lost: sent - r.analysed, cpuSeconds: cpuSec, cpuPercent: cpu, seconds: Math.round(wall * 100) / 100, threads };
    results.push(row);
    console.log(`${capturer.padEnd(12)} ${String(rate).padStart(10)}  ${String(row.tcpreplayPps).padStart(13)}  ${String(sent).padEnd(9)}  ${String(r.analysed).padEnd(9)}  ${String(r.dropped ?? 'n/a').padEnd(12)}  ${String(row.lost).padEnd(8)}  ${cpu}  threads: ${threads.map((t) => `${t.name}:${t.cpuPercent}`).join(' ')}`);
  }
}
const report = { date: new Date().toISOString(), file, packetsInFile, loops, bufferMiB, mtu: Number(mtu), cpus: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()), results };
const json = `${outDir}/live-results${small ? `-cut${small}` : ''}.json`;
writeFileSync(json, JSON.stringify(report, null, 2));
console.log(`written ${json}`);
