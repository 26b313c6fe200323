import type { Logger } from 'pino';
import type { CaptureStats, LiveOptions, LiveSource } from '../capture/live/live-source.js';
import { loadBackend, openInterface } from '../capture/live/open-live.js';
import type { Settings } from '../config/settings.js';
import { formatListenAddress } from '../metrics/address.js';
import { renderPrometheus } from '../metrics/prometheus.js';
import { MetricsServer } from '../metrics/server.js';
import { collectStats, type DaemonStats, type InterfaceTraffic } from '../metrics/daemon-stats.js';
import { IntelRefresher } from '../intel/relays/refresh.js';
import { NO_RELAYS, relaySetTimeMs } from '../intel/intel.js';
import { applyReloadable, assemble, buildReloadable, type Assembled, type ReloadableState } from '../pipeline/assemble.js';
import { LiveShards } from '../pipeline/shard/live-shards.js';
import type { LiveInterfaceInfo } from '../pipeline/shard/protocol.js';
import { takeSnapshot } from '../pipeline/snapshot.js';
import { UserError } from '../util/errors.js';
import { dropCapabilities, dropPrivileges } from './privileges.js';
import { restartOnlyChanges } from './restart-only.js';

export interface DaemonOptions {
  settings: Settings;
  /** Re-read the config file with the command line on top (SIGHUP). Throws UserError naming the key. */
  reloadSettings: () => Promise<Settings>;
  log: Logger;
  version: string;
}

/** Longest a packet waits in the kernel before delivery when not in immediate mode (libpcap timeout). */
const KERNEL_TIMEOUT_MS = 100;
/** How often idle flows are expired on the wall clock and outputs flushed when no packets come. */
const TICK_MS = 1000;
/** A shutdown that takes longer than this (a wedged output) exits anyway, with status 1. */
const SHUTDOWN_LIMIT_MS = 30_000;

/**
 * `torwatch capture`: the sensor daemon. Order of start-up, for least privilege:
 *   1. open every interface (needs root or CAP_NET_RAW) and the metrics socket;
 *   2. drop to --user, if given, then every capability of every thread (privileges.ts);
 *   3. only then open outputs and read relay/intel files (as the unprivileged user, as on reload);
 *   4. start delivering packets, which have been queueing in the kernel buffer since step 1.
 * Signals: SIGHUP reopens file outputs and reloads settings-derived state (capture keeps running);
 * SIGTERM/SIGINT stop capture, deliver what the kernel holds, end every flow (final alerts), flush and
 * close outputs, exit 0; SIGUSR1 logs the stats.
 */
export class CaptureDaemon {
  private readonly log: Logger;
  /** What the daemon started with: capture handles, outputs and the flow table follow these. */
  private readonly running0: Settings;
  /** The last accepted settings (start, then every good reload). */
  private settings: Settings;
  private sources: LiveSource[] = [];
  /** --workers N > 1: the worker threads, each with its own handle per interface (pipeline/shard/live-shards.ts). */
  private shards: LiveShards | undefined;
  /** Per interface, what entered the pipeline (one pipeline; with workers their merge point counts it). */
  private readonly traffic: InterfaceTraffic[] = [];
  private asm: Assembled | undefined;
  /** Refetches --relays URLs and rereads relay/intel files every --relays-refresh. */
  private refresher: IntelRefresher | undefined;
  private metrics: MetricsServer | undefined;
  private readonly startedAtMs = Date.now();
  private readonly reloads = { ok: 0, failed: 0 };
  private reloadChain: Promise<void> = Promise.resolve();
  /** Aborted at shutdown: relay fetches of a reload in progress give up at once. */
  private readonly stopSignal = new AbortController();
  private timers: NodeJS.Timeout[] = [];
  private statsTimer: NodeJS.Timeout | undefined;
  private lastStats: DaemonStats | undefined;
  private failed: string | undefined;
  private running = false;
  private stopping = false;
  private exitCode = 0;
  private resolveDone: ((code: number) => void) | undefined;
  private readonly done = new Promise<number>((resolve) => {
    this.resolveDone = resolve;
  });
  private readonly onSignal = {
    SIGHUP: (): void => this.requestReload(),
    SIGTERM: (): void => void this.shutdown('SIGTERM', 0),
    SIGINT: (): void => void this.shutdown('SIGINT', 0),
    SIGUSR1: (): void => this.logStats('stats (SIGUSR1)'),
  };

  constructor(private readonly o: DaemonOptions) {
    this.log = o.log;
    this.running0 = o.settings;
    this.settings = o.settings;
  }

  /** Run until SIGTERM/SIGINT or a capture failure; resolves with the exit status. */
  async run(): Promise<number> {
    await this.start();
    return this.done;
  }

  private async start(): Promise<void> {
    // SIGHUP's default action would kill the process and SIGUSR1's would open Node's inspector: take
    // them from the first moment (a logrotate HUP during start-up is a no-op). SIGTERM/SIGINT keep
    // their default (exit at once) until there is something to flush.
    process.on('SIGHUP', this.onSignal.SIGHUP);
    process.on('SIGUSR1', this.onSignal.SIGUSR1);
    const s = this.settings;
    const cs = s.capture;
    if (cs.interfaces.length === 0) throw new UserError('capture: name at least one interface with -i (see `torwatch interfaces`)');
    const backend = loadBackend(cs.backend);
    if (backend.name === 'cap' && !cs.promisc) {
      throw new UserError('--promisc off: the cap backend always opens in promiscuous mode; use the pcap-batch backend (built by `npm ci` with libpcap-dev) or leave promiscuous mode on');
    }
    const live: LiveOptions = {
      snaplen: cs.snaplen,
      promisc: cs.promisc,
      bufferBytes: cs.bufferMiB * 1024 * 1024,
      bpf: cs.bpf,
      immediate: cs.immediate,
      timeoutMs: KERNEL_TIMEOUT_MS,
    };
    const workers = s.workers ?? 1;
    if (workers > 1 && backend.name !== 'pcap-batch') this.log.warn({ workers, backend: backend.name }, '--workers needs the pcap-batch backend (kernel fanout); capturing with one pipeline');
    try {
      if (workers > 1 && backend.name === 'pcap-batch') {
        // Each worker opens its own handles now, while this process may still open them.
        this.shards = await LiveShards.open({ workers, interfaces: cs.interfaces, live, homeNet: s.homeNet, maxFlows: s.maxFlows, timeouts: s.flowTimeouts });
      } else {
        cs.interfaces.forEach((name, i) => {
          this.sources.push(openInterface(backend, name, live, i));
          this.traffic.push({ packets: 0, bytes: 0 });
        });
      }
      for (const x of this.openInterfaces()) if (x.warning) this.log.warn({ interface: x.name, warning: x.warning }, 'libpcap warning');
      if (cs.metrics) {
        this.metrics = await MetricsServer.listen(cs.metrics, { metrics: () => this.prometheus(), health: () => this.health() }).catch((err: NodeJS.ErrnoException) => {
          throw new UserError(`--metrics ${formatListenAddress(cs.metrics!)}: cannot listen (${err.code === 'EADDRINUSE' ? 'address in use' : err.code === 'EADDRNOTAVAIL' ? 'no such local address' : err.message})`);
        });
        if (!cs.metrics.loopback) this.log.warn({ metrics: formatListenAddress(this.metrics.address) }, 'the metrics endpoint listens on a non-loopback address: anyone who can reach it sees traffic volumes and alert counts');
      }
      if (cs.user) {
        // Modules loaded on demand later (the YAML parser, on SIGHUP) are loaded now, while the
        // installation is surely readable: the unprivileged user may not be able to read it.
        await import('yaml');
        dropPrivileges(cs.user, this.log);
      }
      else if (process.geteuid?.() === 0) this.log.warn('running as root: pass --user, or run under systemd/torwatch.service with only CAP_NET_RAW, so a parser bug cannot act as root');
      // Every thread of the process, the live workers' and their capture threads included.
      dropCapabilities(this.log);
      this.asm = await assemble({ settings: s, log: this.log, version: this.o.version, defaultOutputs: ['-'], eventIds: 'random', ingressFromInput: true });
      // Without --relays the set is the relay cache (or the built-in snapshot): reread it too, so a
      // `relays update` or `relays import` takes effect without a restart. Only `--relays none` has nothing to refresh.
      if (!(s.relays.length === 1 && s.relays[0] === NO_RELAYS) || s.intel.length) {
        this.refresher = new IntelRefresher(this.asm.intel, s, { log: this.log, userAgent: `torwatch/${this.o.version}`, signal: this.stopSignal.signal });
        this.refresher.start();
      }
    } catch (err) {
      await this.releaseAfterFailedStart();
      process.off('SIGHUP', this.onSignal.SIGHUP);
      process.off('SIGUSR1', this.onSignal.SIGUSR1);
      throw err;
    }

    process.on('SIGTERM', this.onSignal.SIGTERM);
    process.on('SIGINT', this.onSignal.SIGINT);
    const { pipeline, outputs } = this.asm;
    let current = -1;
    const flush = (): void => {
      outputs.flush().catch((err: unknown) => this.log.error({ err: String(err) }, 'output flush failed'));
    };
    this.shards?.start(pipeline, {
      afterBatch: flush,
      onFailure: (message, detail) => {
        this.failed = message;
        this.log.error({ err: message, detail }, 'capture failed; stopping');
        void this.shutdown('capture failure', 1);
      },
    });
    this.sources.forEach((src, i) => {
      const t = this.traffic[i];
      src.start({
        onFrame: (f) => {
          if (current !== i) {
            pipeline.setInput(src.interfaceName);
            current = i;
          }
          t.packets++;
          t.bytes += f.wirelen;
          pipeline.onFrame(f);
        },
        afterBatch: flush,
        onError: (message) => {
          this.failed = `${src.interfaceName}: ${message}`;
          this.log.error({ interface: src.interfaceName, err: message }, 'capture failed; stopping');
          void this.shutdown('capture failure', 1);
        },
      });
    });
    this.running = true;
    this.timers.push(setInterval(() => {
      pipeline.tick(Date.now());
      flush();
    }, TICK_MS));
    this.armStatsTimer();
    this.log.info({
      interfaces: this.openInterfaces().map((x) => ({ name: x.name, linktype: x.linktype, snaplen: x.snaplen })),
      backend: backend.name,
      workers: this.shards ? workers : 1,
      libpcap: backend.libVersion,
      promisc: cs.promisc,
      bufferMiB: cs.bufferMiB,
      immediate: cs.immediate,
      bpf: cs.bpf || undefined,
      outputs: outputs.outputs.map((x) => x.target),
      metrics: this.metrics ? formatListenAddress(this.metrics.address) : undefined,
      pid: process.pid,
    }, 'capture started');
  }

  /** The interfaces as opened: by the workers' handles (--workers N) or by this thread's sources. */
  private openInterfaces(): LiveInterfaceInfo[] {
    if (this.shards) return this.shards.interfaces;
    return this.sources.map((x) => ({ name: x.interfaceName, linktype: x.linktype, snaplen: x.snaplen, warning: x.warning }));
  }

  private async releaseAfterFailedStart(): Promise<void> {
    await Promise.all(this.sources.map((x) => x.stop().catch(() => undefined)));
    await this.shards?.stop().catch(() => undefined);
    await this.metrics?.close();
    await this.asm?.outputs.close();
  }

  private armStatsTimer(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
    const every = this.settings.capture.statsIntervalSec;
    if (every > 0) this.statsTimer = setInterval(() => this.logStats('stats'), every * 1000);
  }

  /** The one picture of the daemon that logs, SIGUSR1 and /metrics all use. */
  stats(captures?: CaptureStats[]): DaemonStats | undefined {
    const asm = this.asm;
    if (!asm) return undefined;
    const snap = takeSnapshot(asm.pipeline, { aggregator: asm.aggregator, intel: asm.intel.stats, outputs: asm.outputs.stats() });
    const shards = this.shards;
    return collectStats({
      startedAtMs: this.startedAtMs,
      snapshot: shards ? shards.snapshot(snap, asm.pipeline.detect.hosts.summary()) : snap,
      captures: captures ?? (shards ? shards.captureStats() : this.sources.map((x) => x.stats())),
      traffic: shards ? shards.traffic() : this.traffic,
      workers: shards?.workerStats(),
      reloads: this.reloads,
      relaySetTimeMs: relaySetTimeMs(asm.intel.current),
    });
  }

  private logStats(msg: string, captures?: CaptureStats[]): void {
    const now = this.stats(captures);
    if (!now) return;
    const prev = this.lastStats;
    const secs = prev ? Math.max(1, now.uptimeSec - prev.uptimeSec) : Math.max(1, now.uptimeSec);
    const interval = {
      seconds: secs,
      packetsPerSecond: Math.round((now.packets - (prev?.packets ?? 0)) / secs),
      megabitsPerSecond: Math.round(((now.bytes - (prev?.bytes ?? 0)) * 8) / 1e6 / secs * 10) / 10,
      kernelDropped: now.kernelDropped !== undefined ? now.kernelDropped - (prev?.kernelDropped ?? 0) : undefined,
      alerts: now.alerts.total - (prev?.alerts.total ?? 0),
    };
    this.lastStats = now;
    this.log.info({ stats: now, interval }, msg);
  }

  private prometheus(): string {
    const s = this.stats();
    return s ? renderPrometheus(s, this.o.version) : '# torwatch is starting\n';
  }

  private health(): { ok: boolean; detail: Record<string, unknown> } {
    if (this.failed) return { ok: false, detail: { reason: `capture failed: ${this.failed}` } };
    if (this.stopping) return { ok: false, detail: { reason: 'stopping' } };
    if (!this.running) return { ok: false, detail: { reason: 'starting' } };
    const s = this.stats();
    // Capturing but unable to deliver is not healthy: say which outputs, and why.
    const problems = this.asm?.outputs.problems() ?? [];
    if (problems.length) return { ok: false, detail: { reason: 'outputs cannot deliver', outputs: problems, uptimeSec: s?.uptimeSec, packets: s?.packets } };
    return { ok: true, detail: { uptimeSec: s?.uptimeSec, packets: s?.packets, interfaces: this.openInterfaces().map((x) => x.name) } };
  }

  /** SIGHUP: reloads run one after another; a HUP during a reload is served after it. */
  private requestReload(): void {
    if (!this.running && !this.stopping) this.log.info('SIGHUP during start-up: nothing to reload yet');
    if (this.stopping || !this.running) return;
    this.reloadChain = this.reloadChain.then(() => this.reload()).catch((err: unknown) => {
      this.log.error({ err: String((err as Error)?.stack ?? err) }, 'reload failed unexpectedly');
    });
  }

  /**
   * Reopen file outputs (logrotate), then rebuild the reloadable state from the re-read config. An
   * invalid config or unreadable intel keeps everything as it was and logs the error with its key.
   */
  private async reload(): Promise<void> {
    if (!this.asm || this.stopping) return;
    this.log.info('SIGHUP: reopening outputs and reloading the configuration');
    try {
      await this.asm.outputs.reopen();
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'reopening outputs failed; still writing to the old files');
    }
    let next: Settings;
    let state: ReloadableState;
    try {
      next = await this.o.reloadSettings();
      state = await buildReloadable(next, this.log, this.o.version, this.stopSignal.signal);
    } catch (err) {
      if (this.stopping) {
        this.log.info('reload abandoned: stopping');
        return;
      }
      this.reloads.failed++;
      const message = err instanceof UserError ? err.message : String((err as Error)?.message ?? err);
      this.log.error({ err: message }, 'reload rejected; the running configuration stays in force');
      return;
    }
    if (this.stopping) return;
    applyReloadable(this.asm, state);
    this.shards?.setHomeNet(next.homeNet);
    this.refresher?.setSettings(next);
    const restartOnly = restartOnlyChanges(this.running0, next);
    this.settings = next;
    this.log.level = next.logLevel;
    this.armStatsTimer();
    this.reloads.ok++;
    if (restartOnly.length) this.log.warn({ keys: restartOnly }, 'these settings changed but take effect only after a restart');
    this.log.info({ homeNet: next.homeNet, rules: [...state.enabledRules] }, 'reload complete');
  }

  /** Stop capture, deliver what the kernel holds, end every flow, flush and close outputs. */
  async shutdown(reason: string, code: number): Promise<void> {
    if (this.stopping) {
      this.log.warn({ reason }, 'already stopping');
      return;
    }
    this.stopping = true;
    this.exitCode = code;
    this.log.info({ reason }, 'stopping capture');
    const watchdog = setTimeout(() => {
      this.log.error({ limitMs: SHUTDOWN_LIMIT_MS }, 'shutdown is taking too long; exiting without finishing');
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS);
    watchdog.unref();
    for (const t of this.timers) clearInterval(t);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.refresher?.stop();
    // A reload may be waiting on a relay URL (up to --relays-fetch-timeout): stop waiting, so the
    // shutdown is not held up (and cut off by the watchdog before the outputs are flushed).
    this.stopSignal.abort();
    let finals: CaptureStats[] | undefined;
    try {
      await this.reloadChain;
      finals = this.shards ? await this.shards.stop() : await Promise.all(this.sources.map((x) => x.stop()));
      if (this.asm) {
        this.asm.pipeline.finish();
        await this.asm.outputs.close();
      }
    } catch (err) {
      this.exitCode = 1;
      this.log.error({ err: String((err as Error)?.stack ?? err) }, 'error while stopping');
    }
    await this.metrics?.close().catch(() => undefined);
    this.lastStats = undefined;
    this.logStats('capture stopped', finals);
    for (const sig of Object.keys(this.onSignal) as (keyof typeof this.onSignal)[]) process.off(sig, this.onSignal[sig]);
    clearTimeout(watchdog);
    const lost = this.asm?.outputs.stats().reduce((a, x) => a + x.failed, 0) ?? 0;
    if (lost > 0) this.log.error({ lost }, 'some alerts could not be written');
    this.resolveDone?.(this.exitCode);
  }
}
