import type { CaptureStats, LiveOptions } from '../../capture/live/live-source.js';
import type { FlowTimeouts } from '../../flow/table.js';
import type { FlowCounts } from '../snapshot.js';
import type { LiveBatch } from './live-merge.js';
import type { ShardBatch } from './merge.js';

/** Frames per batch: big enough that posting costs nothing per packet, small enough to merge promptly. */
export const BATCH_FRAMES = 4096;
/** Batches a worker may have posted that the merge point has not finished with: the bound on queued memory. */
export const MAX_IN_FLIGHT = 8;
/**
 * The same bound for live workers. Higher: a live batch is whatever one kernel block held (often far
 * fewer than BATCH_FRAMES frames), and the merge point holds a busy worker's batches for up to the
 * watermark's delay while it waits on an idle one (live-merge.ts).
 */
export const LIVE_MAX_IN_FLIGHT = 64;

/**
 * A worker's back-pressure: block (Atomics.wait) while more than `limit` of the `posted` batches are
 * not yet finished with by the merge point, which counts them in control word `word`.
 */
export function waitUntilMerged(ctl: Int32Array, word: number, posted: number, limit: number): void {
  for (;;) {
    const released = Atomics.load(ctl, word);
    if (posted - released <= limit) return;
    Atomics.wait(ctl, word, released, 1000);
  }
}

/**
 * A live run's control words: word w counts worker w's batches the merge point is done with (as for
 * replay), word workers + w the claim messages it has read.
 */
export const liveControlWords = (workers: number): number => 2 * workers;
export const liveClaimWord = (workers: number, w: number): number => workers + w;

/**
 * The control words shared by the merge point and the workers (an Int32Array over a SharedArrayBuffer):
 * word w (< workers) counts the batches of worker w the merge point is done with; CTL_STOP_AT (after
 * them) is 0, or the frame number at which every worker stops reading (an interrupted run).
 */
export function controlWords(workers: number): number {
  return workers + 1;
}
export const ctlStopAt = (workers: number): number => workers;

/** What a worker is started with (structured-cloned: plain data only). */
export interface ShardWorkerData {
  index: number;
  workers: number;
  key: number[];
  files: string[];
  homeNet: string[];
  maxFlows: number;
  timeouts: FlowTimeouts;
  control: SharedArrayBuffer;
}

/** A worker's counters at the end, for the run summary (decode counts are every worker's alike). */
export interface ShardWorkerStats {
  flows: FlowCounts;
  decoder: Record<string, number>;
  decodeAnomalies: Record<string, number>;
  applayer: Record<string, number>;
  applayerAnomalies: Record<string, number>;
}

export type WorkerMessage =
  | ({ type: 'batch' } & ShardBatch)
  /** An input was read to its end, or stopped at a one-line error (UserError). */
  | { type: 'input'; index: number; error?: string; format?: 'pcap' | 'pcapng'; compressed?: boolean }
  | { type: 'done'; stats: ShardWorkerStats }
  /** Not a user error: a bug. `ordinal`/`packet`: the frame being read when it happened. */
  | { type: 'crash'; message: string; stack: string; ordinal: number; file: string; packet: number };

/** A live worker's share of an interface, as it opened (for the start-up log and the alerts' link type). */
export interface LiveInterfaceInfo {
  name: string;
  linktype: number;
  snaplen: number;
  warning: string;
}

/** What a live worker is started with (live-worker-main.ts). */
export interface LiveWorkerData {
  index: number;
  workers: number;
  interfaces: string[];
  live: LiveOptions;
  /** Per interface: the kernel fanout group every worker's handle on it joins. */
  fanoutGroups: number[];
  homeNet: string[];
  maxFlows: number;
  timeouts: FlowTimeouts;
  control: SharedArrayBuffer;
}

/** A live worker's counters: its handles' pcap_stats (one per interface) and its pipeline's. */
export interface LiveWorkerStats {
  captures: CaptureStats[];
  pipeline: ShardWorkerStats;
}

export type LiveWorkerMessage =
  | { type: 'opened'; interfaces: LiveInterfaceInfo[] }
  /**
   * Opening a handle failed; `user`: a one-line error for the user (no such device, no permission);
   * `fanout`: joining the fanout group failed (another program holds the id with another mode).
   */
  | { type: 'open-failed'; message: string; user: boolean; fanout?: boolean }
  | ({ type: 'batch' } & LiveBatch)
  /**
   * Idle: how far in packet time the worker has delivered (LiveBatch.claimMs) without a batch to carry
   * it. At most one is unread at a time (liveClaimWord), so an idle worker never builds a queue.
   */
  | { type: 'claim'; claimMs: number }
  /** Every second, and once more when stopped (`final`). */
  | ({ type: 'stats'; final: boolean } & LiveWorkerStats)
  /** Capture on an interface failed after start (it went away): the daemon stops. */
  | { type: 'capture-error'; interface: string; message: string }
  /** A bug: the packet it was reading (per interface, counted by this worker's handle). */
  | { type: 'crash'; message: string; stack: string; interface: string; packet: number };

/** What the daemon tells a live worker. */
export type LiveControl = { type: 'start' } | { type: 'stop' } | { type: 'home-net'; homeNet: string[] };
