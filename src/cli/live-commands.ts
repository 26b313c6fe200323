import { get } from 'node:http';
import { Command, Option } from 'commander';
import { CAPTURE_OPTIONS } from '../config/capture-options.js';
import { COMMON_OPTIONS } from '../config/options.js';
import { CaptureDaemon } from '../daemon/daemon.js';
import { createLogger } from '../log/logger.js';
import { formatListenAddress, parseListenAddress } from '../metrics/address.js';
import { UserError } from '../util/errors.js';
import { addOptions, settingsFrom } from './settings-from-cli.js';

// --progress is replay's (a bar over a file's bytes); a daemon has no end to show. A config file that
// serves both commands may still hold the key (settings-from-cli.ts accepts every command's keys).
const CAPTURE_SPECS = [...COMMON_OPTIONS.filter((o) => o.key !== 'progress'), ...CAPTURE_OPTIONS];
const METRICS_SPEC = CAPTURE_OPTIONS.filter((s) => s.key === 'metrics');
const BACKEND_SPEC = CAPTURE_OPTIONS.filter((s) => s.key === 'capture-backend');

/**
 * The live side of the command line: `capture` (the daemon), `interfaces` (what can be captured on) and
 * `health` (a container HEALTHCHECK against the daemon's metrics endpoint).
 */
export function registerLiveCommands(program: Command, version: string, setExitCode: (code: number) => void): void {
  const capture = program
    .command('capture')
    .description('capture live from one or more interfaces (libpcap) and write alerts as they happen; runs until SIGINT/SIGTERM')
    .addHelpText('after', `
Signals: SIGHUP reopens file outputs and reloads the configuration (home-net, rules, relays, intel,
allow) without stopping capture; SIGTERM/SIGINT finish flows, flush outputs and exit 0; SIGUSR1 logs
the stats.

Examples:
  torwatch capture -i eth1 -o /var/log/torwatch/alerts.ndjson --metrics 127.0.0.1:9464
  torwatch capture -c /etc/torwatch/torwatch.yml --user torwatch
  torwatch capture -i span0 -i span1 --bpf 'tcp or udp' --buffer-size 256`);
  addOptions(capture, CAPTURE_SPECS).action(async (_o: unknown, cmd: Command) => {
    const settings = await settingsFrom(cmd, CAPTURE_SPECS);
    const log = createLogger(settings.logLevel);
    const daemon = new CaptureDaemon({ settings, reloadSettings: () => settingsFrom(cmd, CAPTURE_SPECS), log, version });
    const code = await daemon.run();
    setExitCode(code);
    // Everything is flushed and closed; if some handle still holds the event loop, do not hang.
    setTimeout(() => process.exit(code), 2000).unref();
  });

  const interfaces = program
    .command('interfaces')
    .description('list the interfaces libpcap can capture on')
    .addOption(new Option('--json', 'print as JSON'));
  addOptions(interfaces, BACKEND_SPEC).action(async (o: { json?: boolean }, cmd: Command) => {
    const settings = await settingsFrom(cmd, BACKEND_SPEC);
    const { loadBackend } = await import('../capture/live/open-live.js');
    const backend = loadBackend(settings.capture.backend);
    let devices;
    try {
      devices = backend.listDevices();
    } catch (err) {
      throw new UserError(`cannot list interfaces: ${(err as Error).message}`);
    }
    if (o.json) {
      process.stdout.write(JSON.stringify(devices, null, 2) + '\n');
      return;
    }
    const rows = devices.map((d) => [d.name, d.flags.join(','), d.addresses.map((a) => a.addr).filter(Boolean).join(' '), d.description ?? '']);
    const head = ['INTERFACE', 'FLAGS', 'ADDRESSES', 'DESCRIPTION'];
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd();
    process.stdout.write([line(head), ...rows.map(line)].join('\n') + '\n');
  });

  const health = program
    .command('health')
    .description("ask a running daemon's metrics endpoint whether it is healthy (exit 0) or not (exit 1); for HEALTHCHECK")
    .addOption(new Option('--timeout <ms>', 'give up after this long').default('3000'));
  addOptions(health, METRICS_SPEC).action(async (o: { timeout: string }, cmd: Command) => {
    const settings = await settingsFrom(cmd, METRICS_SPEC);
    const addr = settings.capture.metrics ?? (parseListenAddress('127.0.0.1:9464') as Exclude<ReturnType<typeof parseListenAddress>, string>);
    const timeoutMs = Number(o.timeout);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1) throw new UserError(`--timeout: '${o.timeout}' is not a number of milliseconds`);
    const url = `http://${formatListenAddress(addr)}/healthz`;
    const r = await new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      const req = get(url, { timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65536) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code === 'ECONNREFUSED' ? 'connection refused (is torwatch capture running with --metrics?)' : err.message }));
    });
    if ('error' in r) {
      process.stderr.write(`torwatch health: ${url}: ${r.error}\n`);
      setExitCode(1);
    } else {
      process.stdout.write(r.body.endsWith('\n') ? r.body : r.body + '\n');
      if (r.status !== 200) setExitCode(1);
    }
  });
}
