/**
 * The shapes of the two native capture modules, as torwatch uses them. Both are CommonJS addons loaded
 * on demand by open-live.ts (never by replay), so these are plain type declarations.
 */

/** A device as listed by pcap_findalldevs. */
export interface DeviceInfo {
  name: string;
  description?: string;
  /** up, running, loopback, wireless, connected, disconnected (pcap-batch); cap gives loopback only. */
  flags: string[];
  addresses: { addr?: string; netmask?: string }[];
}

/** native/pcap-batch (torwatch-pcap-batch). */
export interface PcapBatchStats {
  recv?: number;
  drop?: number;
  ifdrop?: number;
  delivered: number;
  deliveredBytes: number;
  batches: number;
  slotWaits: number;
  discarded: number;
}

export interface PcapBatchCapture {
  info(): { linktype: number; nanoTimestamps: boolean; snaplen: number; warning: string };
  start(buffers: Buffer[], onBatch: (slot: number, bytes: number, packets: number, error?: string) => void, onStopped: (s: PcapBatchStats) => void): void;
  stop(): void;
  stats(): PcapBatchStats;
  close(): void;
}

/** What dropCapabilities() did (native/pcap-batch/src/drop_caps.cc). */
export interface CapabilityDropReport {
  /** Threads visited, the caller included. */
  threads: number;
  /** Threads whose capset/prctl calls failed. */
  failures: number;
  /** Threads that block every signal, so never ran the drop (Node's SIGUSR1 inspector watchdog). */
  unanswered: number[];
  /** `tid:CapEff:...` for each thread still holding a capability, read back from /proc. */
  leftovers: string[];
}

export interface PcapBatchAddon {
  dropCapabilities(): CapabilityDropReport;
  /** Names the calling thread (prctl PR_SET_NAME, 15 characters). */
  setThreadName(name: string): void;
  Capture: new (
    device: string,
    opts: { snaplen: number; promisc: boolean; timeoutMs: number; bufferBytes: number; immediate: boolean; filter: string; fanoutGroup?: number; fanoutProgram?: number[] },
  ) => PcapBatchCapture;
  listDevices(): DeviceInfo[];
  libVersion(): string;
  RECORD_HEADER_BYTES: number;
}

/** The `cap` package (mscdex/cap 0.2). */
export interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
  removeAllListeners(event?: string): void;
}

export interface CapModule {
  Cap: (new () => CapInstance) & { deviceList(): { name: string; description?: string; flags?: string; addresses: { addr?: string; netmask?: string }[] }[] };
}
