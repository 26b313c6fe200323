import type { FlowTimeouts } from '../../flow/table.js';
import type { FlowCounts } from '../snapshot.js';
import type { ShardBatch } from './merge.js';

/** Frames per batch: big enough that posting costs nothing per packet, small enough to merge promptly. */
export const BATCH_FRAMES = 4096;
/** Batches a worker may have posted that the merge point has not finished with: the bound on queued memory. */
export const MAX_IN_FLIGHT = 8;

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
