import type { BackendName } from '../capture/live/live-source.js';
import type { ListenAddress } from '../metrics/address.js';

/** Settings that only `torwatch capture` (the daemon) uses. */
export interface CaptureSettings {
  /** -i: interfaces to capture on, in order (ifIndex = position). */
  interfaces: string[];
  snaplen: number;
  promisc: boolean;
  /** Kernel capture buffer per interface, MiB. */
  bufferMiB: number;
  bpf: string;
  immediate: boolean;
  backend: BackendName | 'auto';
  /** --user: drop to this user (and group) after opening the capture. */
  user?: string;
  metrics?: ListenAddress;
  /** Seconds between stats log lines; 0 = only on SIGUSR1 and at exit. */
  statsIntervalSec: number;
}

export function defaultCaptureSettings(): CaptureSettings {
  return { interfaces: [], snaplen: 262_144, promisc: true, bufferMiB: 32, bpf: '', immediate: false, backend: 'auto', statsIntervalSec: 60 };
}
