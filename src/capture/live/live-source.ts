import type { FrameSink } from '../frame.js';

/** The capture backends torwatch can drive (see open-live.ts). */
export const BACKENDS = ['pcap-batch', 'cap'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** How to open one interface (from --snaplen, --promisc, --buffer-size, --bpf, --immediate). */
export interface LiveOptions {
  snaplen: number;
  promisc: boolean;
  /** Kernel capture buffer (libpcap pcap_set_buffer_size), bytes. */
  bufferBytes: number;
  /** BPF filter expression ('' for none). */
  bpf: string;
  /** Deliver each packet as soon as it arrives instead of when the kernel's buffer block fills. */
  immediate: boolean;
  /** Longest a packet waits in the kernel before delivery when not immediate (libpcap timeout). */
  timeoutMs: number;
  /**
   * pcap-batch only, live workers (pipeline/shard/live-shards.ts): join the handle to this kernel
   * fanout group, whose program (fanout-program.ts, flattened) sends each packet to one handle by its
   * IP addresses: both directions and every fragment of a flow to the same one. Absent: the handle
   * sees every packet.
   */
  fanoutGroup?: number;
  fanoutProgram?: number[];
}

/**
 * Counters of one live source. `received`/`dropped`/`ifDropped` are libpcap's pcap_stats (ps_recv,
 * ps_drop, ps_ifdrop) and are absent when the backend cannot read them (`cap`).
 */
export interface CaptureStats {
  interface: string;
  backend: BackendName;
  /** Packets handed to the pipeline. */
  delivered: number;
  /** Bytes handed over (captured bytes plus the backend's per-record header). */
  deliveredBytes: number;
  /** pcap_stats ps_recv: packets the kernel filter accepted. */
  received?: number;
  /** pcap_stats ps_drop: dropped because the kernel buffer was full. */
  dropped?: number;
  /** pcap_stats ps_ifdrop: dropped by the interface or its driver. */
  ifDropped?: number;
  /** Batches delivered (one JavaScript call each); equals `delivered` for per-packet backends. */
  batches: number;
  /** Times the capture thread found every batch buffer busy and waited for JavaScript. */
  bufferWaits?: number;
  /** Packets read but not delivered (capture stopping while the pipeline was wedged; or before start). */
  discarded: number;
}

/** Where a source delivers. The same FrameSink the file readers use, plus a batch boundary. */
export interface LiveSinks {
  onFrame: FrameSink;
  /** After each batch (or, for per-packet backends, soon after a run of packets): flush outputs. */
  afterBatch: () => void;
  /** The source failed after start (interface went away...): capture on it has ended. */
  onError: (message: string) => void;
}

/**
 * One open interface. Opening needs CAP_NET_RAW; `start` does not, so the daemon opens every source,
 * drops privileges, builds the pipeline, then starts. Frames carry the interface's link type and
 * `ifIndex`; their buffers are valid only until the sink returns (src/capture/frame.ts).
 */
export interface LiveSource {
  readonly interfaceName: string;
  readonly backend: BackendName;
  readonly linktype: number;
  /** Effective snap length (libpcap may adjust it). */
  readonly snaplen: number;
  /** A libpcap warning from activation (e.g. promiscuous mode not supported), or ''. */
  readonly warning: string;
  start(sinks: LiveSinks): void;
  /** Current counters (pcap_stats sampled at most 250 ms ago for pcap-batch). */
  stats(): CaptureStats;
  /** Stop capturing; resolves after every packet already captured was delivered. */
  stop(): Promise<CaptureStats>;
}
