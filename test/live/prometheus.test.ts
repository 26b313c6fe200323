import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectMany, Daemon, httpGetInNs, liveSuite, liveUnavailable, sleep } from './support.js';

/**
 * The metrics endpoint against Prometheus's own tools: `promtool check metrics` lints the exposition,
 * and a real Prometheus server (Debian's) scrapes the daemon and answers queries about it.
 */
const unavailable = liveUnavailable();

describe.skipIf(unavailable !== undefined)('Prometheus scrapes torwatch', () => {
  const live = liveSuite('tw6-prom-');
  const { lab } = live;

  it('promtool finds nothing to complain about, and Prometheus reads the counters', async () => {
    const d = new Daemon(lab, live.client, ['-i', 'c0', '--metrics', '127.0.0.1:9464', '--stats-interval', '0']);
    await d.started();
    await connectMany(lab, live.client, 5);
    await d.waitAlerts(5);

    const m = httpGetInNs(lab, live.client, 'http://127.0.0.1:9464/metrics');
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: m.body, encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect((lint.stdout + lint.stderr).trim()).toBe('');

    writeFileSync(join(live.tmp, 'prometheus.yml'), 'global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: torwatch\n    static_configs:\n      - targets: ["127.0.0.1:9464"]\n');
    lab.spawn(live.client, 'prometheus', [`--config.file=${join(live.tmp, 'prometheus.yml')}`, `--storage.tsdb.path=${join(live.tmp, 'data')}`, '--web.listen-address=127.0.0.1:9090', '--log.level=warn']);
    const query = (q: string): { metric: Record<string, string>; value: [number, string] }[] => {
      const r = httpGetInNs(lab, live.client, `http://127.0.0.1:9090/api/v1/query?query=${encodeURIComponent(q)}`);
      if (r.status !== 200) return [];
      return (JSON.parse(r.body) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    };
    let alerts: ReturnType<typeof query> = [];
    for (let i = 0; i < 60 && alerts.length === 0; i++) {
      await sleep(500);
      alerts = query('torwatch_alerts_total{rule="tor-port-private"}');
    }
    expect(alerts.length, 'Prometheus scraped torwatch').toBe(1);
    expect(alerts[0].value[1]).toBe('5');
    expect(alerts[0].metric.job).toBe('torwatch');
    const up = query('up{job="torwatch"}');
    expect(up[0].value[1]).toBe('1');
    const packets = query('torwatch_packets_total{interface="c0"}');
    expect(Number(packets[0].value[1])).toBeGreaterThan(0);
    const drops = query('torwatch_capture_kernel_dropped_total');
    if (drops.length) expect(drops[0].value[1]).toBe('0');
    expect(await d.stop()).toBe(0);
  });
});
