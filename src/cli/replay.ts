import type { Logger } from 'pino';
import { readCaptureFile } from '../capture/file/open.js';
import type { Settings } from '../config/settings.js';
import { assemble } from '../pipeline/assemble.js';
import { ProgressBar } from '../pipeline/progress.js';
import { EXIT_UNDELIVERED, shortfall } from '../output/shortfall.js';
import { shardedSnapshot, type ShardedReplayResult } from '../pipeline/shard/sharded-replay.js';
import { takeSnapshot } from '../pipeline/snapshot.js';
import { buildSummary, type InputSummary } from '../pipeline/summary.js';
import { UserError } from '../util/errors.js';
import { oneLine } from '../util/printable.js';
import { FileClocks } from './file-clocks.js';
import { readSharded, replayWorkers } from './replay-sharded.js';

/** Inputs at least this big get a progress bar on a terminal. */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

/**
 * `torwatch replay FILE...`: every file in order through one pipeline (flows carry over, as for a
 * capture split by rotation). A bad file ends with a one-line error; alerts found before it, and in
 * the files after it, are still written; the exit code is then 2. An output that fell short (alerts
 * not delivered) is a line naming it and exit 3.
 */
export async function runReplay(files: string[], settings: Settings, log: Logger, version: string): Promise<number> {
  const started = performance.now();
  const { pipeline, outputs, aggregator, intel } = await assemble({ settings, log, version, defaultOutputs: ['-'], eventIds: 'deterministic' });
  const inputs: InputSummary[] = [];
  const abort = new AbortController();
  const onSigint = (): void => {
    log.warn('interrupted: finishing with what was read so far');
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  // logrotate's rename rotation of an alert file: reopen it under its name.
  const onSighup = (): void => {
    outputs.reopen().catch((err: Error) => log.error({ err: err.message }, 'reopening outputs failed'));
  };
  process.on('SIGHUP', onSighup);
  let exitCode = 0;
  let shardResult: ShardedReplayResult | undefined;
  const clocks = new FileClocks();
  try {
    const workers = replayWorkers(files, settings, log);
    if (workers > 1) {
      exitCode = await readSharded(files, workers, { settings, log, pipeline, outputs, inputs, clocks, signal: abort.signal, sharded: (r) => (shardResult = r) });
    } else {
      for (const file of files) {
        if (abort.signal.aborted) break;
        pipeline.setInput(file);
        const before = { packets: pipeline.counters.packets, bytes: pipeline.counters.bytes };
        const showBar = settings.progress === 'always' || (settings.progress === 'auto' && process.stderr.isTTY === true);
        const bar = showBar ? new ProgressBar(process.stderr, file) : undefined;
        const entry: InputSummary = { name: file, packets: 0, bytes: 0 };
        inputs.push(entry);
        const clockBefore = pipeline.clockMs;
        let firstMs = NaN;
        try {
          const info = await readCaptureFile(file, (f) => {
            if (firstMs !== firstMs) firstMs = f.tsSec * 1000 + f.tsNsec / 1e6;
            pipeline.onFrame(f);
          }, {
            signal: abort.signal,
            onProgress: bar
              ? (read, _compressed, total) => {
                  if (settings.progress === 'always' || (total ?? 0) >= PROGRESS_MIN_BYTES) bar.update(read, total, pipeline.counters.packets, Object.values(pipeline.detect.firedByRule).reduce((a, b) => a + b, 0));
                }
              : undefined,
            afterChunk: () => outputs.flush(),
          });
          entry.format = info.format;
          entry.compressed = info.compressed;
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          bar?.clear();
          entry.error = err.message;
          process.stderr.write(`torwatch: ${err.message}\n`);
          exitCode = 2;
        } finally {
          bar?.clear();
          entry.packets = pipeline.counters.packets - before.packets;
          entry.bytes = pipeline.counters.bytes - before.bytes;
          clocks.fileRead(file, firstMs, clockBefore, pipeline.clockMs);
        }
      }
      pipeline.finish();
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    process.off('SIGHUP', onSighup);
    await outputs.close();
  }
  const own = takeSnapshot(pipeline, {
    aggregator,
    intel: intel.current.relays.isEmpty ? undefined : intel.stats,
    outputs: outputs.stats(),
  });
  const snapshot = shardResult ? shardedSnapshot(own, shardResult, pipeline.detect.hosts.summary()) : own;
  const summary = buildSummary(snapshot, inputs, performance.now() - started);
  if (intel.stats.outsideSnapshots > 0) {
    const snaps = intel.current.relays.timeline.snapshots;
    log.warn({
      flows: intel.stats.outsideSnapshots,
      snapshotsFrom: new Date(snaps[0].validAfterMs).toISOString(),
      snapshotsUntil: new Date(snaps[snaps.length - 1].validUntilMs).toISOString(),
      graceHours: settings.relaysStaleGraceMs / 3_600_000,
    }, 'some flows fell outside every relay snapshot (and its grace period): their relays could not be checked; give the consensuses for the capture time');
  }
  clocks.warn(log, summary.timeBackwards);
  log.info({ summary }, 'run summary');
  const lost = summary.outputs.reduce((a, o) => a + o.failed, 0);
  if (lost > 0 && exitCode === 0) log.error({ lost }, 'some alerts could not be written');
  // An output that fell short (a full disk, a receiver that never answered): one line a person sees
  // without reading logs, and exit 3 (the input was read; bad input's 2 takes precedence).
  const short = summary.outputs.map(shortfall).filter((l): l is string => l !== undefined);
  for (const line of short) process.stderr.write(`torwatch: ${oneLine(line)}\n`);
  if (short.length && exitCode === 0) exitCode = EXIT_UNDELIVERED;
  return exitCode;
}
