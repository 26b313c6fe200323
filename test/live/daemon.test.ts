import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableBackends, connectMany, Daemon, field, httpGetInNs, liveSuite, liveUnavailable, ROOT, sleep } from './support.js';

/**
 * The daemon with real TCP connections between two namespaces: a private client 10.6.0.2 and a
 * "public" server 198.51.100.9 listening on 9001/9030; torwatch captures on the client's link.
 */
const unavailable = liveUnavailable();
const backends = availableBackends();

function lines(path: string): Record<string, unknown>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function waitLines(path: string, n: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (lines(path).length < n) {
    if (Date.now() > deadline) throw new Error(`${path}: timed out waiting for ${n} lines (have ${lines(path).length})`);
    await sleep(50);
  }
}

describe.skipIf(unavailable !== undefined)('torwatch capture daemon (real TCP between namespaces)', () => {
  const live = liveSuite('tw6-daemon-');
  const { lab } = live;

  for (const backend of backends) {
    for (const immediate of backend === 'pcap-batch' ? [false, true] : [true]) {
      it(`${backend}${immediate ? ' --immediate' : ''}: a connection to 198.51.100.9:9001 alerts within a second`, async () => {
        const d = new Daemon(lab, live.client, ['-i', 'c0', '--capture-backend', backend, '--stats-interval', '0', ...(immediate && backend === 'pcap-batch' ? ['--immediate'] : [])]);
        await d.started();
        const [conn] = await connectMany(lab, live.client, 1);
        await d.waitAlerts(1, 5000);
        const latency = d.alertTimes[0] - conn.t;
        expect(latency, `alert came ${latency} ms after connect()`).toBeLessThan(1000);
        const a = d.alerts[0];
        expect(field(a, 'rule.id')).toBe('tor-port-private');
        expect(field(a, 'source.ip')).toBe('10.6.0.2');
        expect(field(a, 'source.port')).toBe(conn.port);
        expect(field(a, 'destination.ip')).toBe('198.51.100.9');
        expect(field(a, 'destination.port')).toBe(9001);
        expect(field(a, 'network.direction')).toBe('outbound');
        expect(field(a, 'observer.ingress.interface.name')).toBe('c0');
        expect(await d.stop()).toBe(0);
      });
    }
  }

  it('SIGHUP during capture loses nothing: 300 connections, a HUP every 40 ms, the output file rotated midway', async () => {
    const out = join(live.tmp, 'alerts.ndjson');
    const cfg = join(live.tmp, 'hup.yml');
    writeFileSync(cfg, `interface: c0\noutput: ${out}\nstats-interval: 0\nhome-net: [10.0.0.0/8]\n`);
    const d = new Daemon(lab, live.client, ['-c', cfg]);
    await d.started();
    let hups = 0;
    let rotated = false;
    let running = true;
    const hupper = (async () => {
      while (running) {
        // Alternate between two valid configurations, so every reload really rebuilds the state.
        writeFileSync(cfg, `interface: c0\noutput: ${out}\nstats-interval: 0\nhome-net: [10.0.0.0/8${hups % 2 ? ', 192.168.0.0/16' : ''}]\n`);
        if (hups === 10 && !rotated) {
          renameSync(out, `${out}.1`); // logrotate's rename rotation: the daemon must reopen on HUP
          rotated = true;
        }
        d.signal('SIGHUP');
        hups++;
        await sleep(40);
      }
    })();
    const conns = await connectMany(lab, live.client, 300, 9001, 5);
    running = false;
    await hupper;
    // Reloads run one after another, one per HUP: on a loaded machine they fall behind the 40 ms HUPs,
    // so let the queue drain before stopping (a stop abandons the reloads still waiting).
    const served = (): number => d.logs.filter((l) => l.msg === 'reload complete' || String(l.msg).startsWith('reload rejected')).length;
    for (let i = 0; i < 300 && served() < hups; i++) await sleep(100);
    await sleep(300);
    expect(await d.stop()).toBe(0);
    expect(rotated).toBe(true);
    const got = [...lines(`${out}.1`), ...lines(out)];
    expect(lines(`${out}.1`).length).toBeGreaterThan(0);
    expect(lines(out).length).toBeGreaterThan(0);
    expect(got.length).toBe(300);
    expect(new Set(got.map((a) => field(a, 'source.port')))).toEqual(new Set(conns.map((c) => c.port)));
    const reloads = d.logs.filter((l) => l.msg === 'reload complete').length;
    expect(reloads).toBeGreaterThanOrEqual(Math.min(hups, 20));
    const st = d.finalStats();
    const i0 = st.interfaces[0];
    if (i0.backend === 'pcap-batch') {
      expect(i0.dropped).toBe(0);
      expect(i0.received).toBe(st.packets);
    }
  });

  it('logrotate with the shipped snippet rotates the alert file during capture: nothing lost, nothing misplaced', async () => {
    const dir = join(live.tmp, 'rotate');
    mkdirSync(dir, { mode: 0o755 });
    const out = join(dir, 'alerts.ndjson');
    const d = new Daemon(lab, live.client, ['-i', 'c0', '-o', out, '--stats-interval', '0']);
    await d.started();
    // The shipped snippet, pointed at this directory, as root, and signalling this daemon directly
    // (there is no systemd here to `systemctl reload`).
    const conf = join(live.tmp, 'torwatch.logrotate');
    writeFileSync(conf, readFileSync(join(ROOT, 'systemd/torwatch.logrotate'), 'utf8')
      .replaceAll('/var/log/torwatch/', `${dir}/`)
      .replaceAll('torwatch torwatch', 'root root')
      .replace(/systemctl reload torwatch\.service[^\n]*/, `kill -HUP ${d.pid}`), { mode: 0o644 });
    const first = await connectMany(lab, live.client, 40);
    await waitLines(out, 40);
    const from = d.logs.length;
    const r = spawnSync('logrotate', ['-f', '-s', join(live.tmp, 'logrotate.state'), conf], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    await d.waitLog((l) => l.msg === 'reload complete', 5000, from);
    const second = await connectMany(lab, live.client, 40);
    await waitLines(out, 40);
    expect(await d.stop()).toBe(0);
    const rotated = readdirSync(dir).filter((f) => /^alerts\.ndjson-\d{8}$/.test(f));
    expect(rotated.length).toBe(1);
    expect(lines(join(dir, rotated[0])).map((a) => field(a, 'source.port')).sort()).toEqual(first.map((c) => c.port).sort());
    expect(lines(out).map((a) => field(a, 'source.port')).sort()).toEqual(second.map((c) => c.port).sort());
  });

  it('SIGHUP applies a new config without a restart, and keeps the running one when the new one is invalid', async () => {
    const cfg = join(live.tmp, 'reload.yml');
    const base = 'interface: c0\nstats-interval: 0\n';
    writeFileSync(cfg, base);
    const d = new Daemon(lab, live.client, ['-c', cfg]);
    await d.started();
    const hup = async (text: string, msg: string): Promise<void> => {
      const from = d.logs.length;
      writeFileSync(cfg, text);
      d.signal('SIGHUP');
      await d.waitLog((l) => l.msg === msg, 5000, from);
    };

    await connectMany(lab, live.client, 1);
    await d.waitAlerts(1);
    expect(field(d.alerts[0], 'network.direction')).toBe('outbound');

    // home-net now includes the server: a new flow is internal.
    await hup(`${base}home-net: [10.0.0.0/8, 198.51.100.0/24]\n`, 'reload complete');
    await connectMany(lab, live.client, 1);
    await d.waitAlerts(2);
    expect(field(d.alerts[1], 'network.direction')).toBe('internal');

    // An invalid value: rejected with the file, line and key; the previous state stays.
    const from = d.logs.length;
    writeFileSync(cfg, `${base}home-net: [10.0.0.0/8, 198.51.100.0/24]\ndisable-rules: [no-such-rule]\n`);
    d.signal('SIGHUP');
    const rejected = await d.waitLog((l) => l.msg?.startsWith('reload rejected') === true, 5000, from);
    expect(String(rejected.err)).toContain(`${cfg}: line 4: key 'disable-rules': unknown rule id 'no-such-rule'`);
    await connectMany(lab, live.client, 1);
    await d.waitAlerts(3);
    expect(field(d.alerts[2], 'network.direction')).toBe('internal');

    // Disable the rule: new connections do not alert; enable it again: they do.
    await hup(`${base}disable-rules: [tor-port-private]\n`, 'reload complete');
    await connectMany(lab, live.client, 3);
    await sleep(500);
    expect(d.alerts.length).toBe(3);
    await hup(base, 'reload complete');
    await connectMany(lab, live.client, 1);
    await d.waitAlerts(4);
    expect(field(d.alerts[3], 'network.direction')).toBe('outbound');

    // A key that needs a restart is reported as such.
    const before = d.logs.length;
    writeFileSync(cfg, `${base}snaplen: 1500\n`);
    d.signal('SIGHUP');
    const w = await d.waitLog((l) => l.msg === 'these settings changed but take effect only after a restart', 5000, before);
    expect(w.keys).toEqual(['snaplen']);
    expect(await d.stop()).toBe(0);
  });

  for (const backend of backends) {
    it(`${backend}: SIGTERM right after the traffic: every alert is written, flows end, exit 0`, async () => {
      const out = join(live.tmp, `term-${backend}.ndjson`);
      const d = new Daemon(lab, live.client, ['-i', 'c0', '-o', out, '--capture-backend', backend, '--stats-interval', '0']);
      await d.started();
      const conns = await connectMany(lab, live.client, 50);
      // cap cannot drain the kernel buffer at stop (no such call); pcap-batch can, so no wait for it.
      if (backend === 'cap') await sleep(300);
      expect(await d.stop()).toBe(0);
      const got = lines(out);
      expect(got.length).toBe(50);
      expect(new Set(got.map((a) => field(a, 'source.port')))).toEqual(new Set(conns.map((c) => c.port)));
      const st = d.finalStats() as unknown as { flows: { active: number; created: number }; alerts: { total: number } };
      expect(st.flows.active).toBe(0);
      expect(st.flows.created).toBeGreaterThanOrEqual(50);
      expect(st.alerts.total).toBe(50);
      expect(d.logs.some((l) => l.msg === 'stopping capture' && l.reason === 'SIGTERM')).toBe(true);
    });
  }

  it('SIGINT stops like SIGTERM; SIGUSR1 logs the stats', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--stats-interval', '0']);
    await d.started();
    await connectMany(lab, live.client, 2);
    await d.waitAlerts(2);
    const from = d.logs.length;
    d.signal('SIGUSR1');
    const l = await d.waitLog((x) => x.msg === 'stats (SIGUSR1)', 5000, from);
    const st = l.stats as { packets: number; alerts: { byRule: Record<string, number> }; interfaces: { interface: string }[] };
    expect(st.packets).toBeGreaterThan(0);
    expect(st.alerts.byRule['tor-port-private']).toBe(2);
    expect(st.interfaces[0].interface).toBe('c0');
    d.signal('SIGINT');
    expect(await d.exited).toBe(0);
    expect(d.logs.some((x) => x.msg === 'stopping capture' && x.reason === 'SIGINT')).toBe(true);
  });

  it('periodic stats lines carry packets, drops and alert counts', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--stats-interval', '1']);
    await d.started();
    await connectMany(lab, live.client, 1);
    const l = await d.waitLog((x) => x.msg === 'stats' && (x.stats as { alerts: { total: number } }).alerts.total === 1, 5000);
    const st = l.stats as { packets: number; kernelDropped?: number; flows: { active: number } };
    expect(st.packets).toBeGreaterThan(0);
    if (backends[0] === 'pcap-batch') expect(st.kernelDropped).toBe(0);
    expect((l.interval as { seconds: number }).seconds).toBeGreaterThanOrEqual(1);
    expect(await d.stop()).toBe(0);
  });

  it('a capture failure (the interface is deleted) is logged and ends the daemon with status 1, alerts flushed', async () => {
    const ns = lab.ns('gone');
    lab.veth(ns, 'g0', ns, 'g1');
    const d = new Daemon(lab, ns, ['-i', 'g1', '--stats-interval', '0']);
    await d.started();
    lab.exec(ns, 'ip', ['link', 'del', 'g0']);
    expect(await d.exited).toBe(1);
    expect(d.logs.some((l) => l.msg === 'capture failed; stopping')).toBe(true);
    expect(d.logs.some((l) => l.msg === 'capture stopped')).toBe(true);
  });

  it('the metrics endpoint answers in Prometheus text format 0.0.4, and /healthz', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--metrics', '127.0.0.1:0', '--stats-interval', '0']);
    const started = await d.started();
    const addr = String(started.metrics);
    await connectMany(lab, live.client, 3);
    await d.waitAlerts(3);
    const m = httpGetInNs(lab, live.client, `http://${addr}/metrics`);
    expect(m.status).toBe(200);
    expect(m.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const backend = backends[0];
    expect(m.body).toMatch(new RegExp(`^torwatch_packets_total\\{interface="c0",backend="${backend}"\\} \\d+$`, 'm'));
    expect(m.body).toMatch(/^torwatch_alerts_total\{rule="tor-port-private"\} 3$/m);
    expect(m.body).toMatch(/^torwatch_flows_active \d+$/m);
    expect(m.body).toMatch(/^torwatch_output_written_total\{target="-"\} \d+$/m);
    if (backend === 'pcap-batch') expect(m.body).toMatch(/^torwatch_capture_kernel_dropped_total\{interface="c0",backend="pcap-batch"\} 0$/m);
    // Every sample belongs to a family declared with HELP and TYPE.
    const declared = new Set([...m.body.matchAll(/^# TYPE (\S+) (counter|gauge)$/gm)].map((x) => x[1]));
    for (const line of m.body.split('\n').filter((x) => x && !x.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? [-+0-9.eEInfNa]+$/);
      expect(declared.has(line.split(/[{ ]/)[0])).toBe(true);
    }
    const h = httpGetInNs(lab, live.client, `http://${addr}/healthz`);
    expect(h.status).toBe(200);
    expect(JSON.parse(h.body).status).toBe('ok');
    expect(httpGetInNs(lab, live.client, `http://${addr}/nope`).status).toBe(404);

    // `torwatch health` (the container HEALTHCHECK) agrees: 0 while running, 1 once stopped.
    const bin = join(import.meta.dirname, '../../bin/torwatch.js');
    expect(lab.exec(live.client, process.execPath, [bin, 'health', '--metrics', addr])).toContain('"status":"ok"');
    expect(await d.stop()).toBe(0);
    let code = 0;
    try {
      lab.exec(live.client, process.execPath, [bin, 'health', '--metrics', addr]);
    } catch (err) {
      code = (err as { status: number }).status;
    }
    expect(code).toBe(1);
  });
});
