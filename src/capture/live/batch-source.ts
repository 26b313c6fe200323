import { Frame } from '../frame.js';
import type { PcapBatchAddon, PcapBatchCapture, PcapBatchStats } from './addon-types.js';
import type { CaptureStats, LiveOptions, LiveSinks, LiveSource } from './live-source.js';

/** Batch buffers handed to the capture thread: while JS works on one, the thread fills the others. */
const SLOTS = 8;
const SLOT_MIN_BYTES = 1 << 20;
/** Per-record header in a slot: u32le ts_sec, ts_nsec, caplen, wirelen (native/pcap-batch). */
const HEADER = 16;

/**
 * The pcap-batch backend: a native thread reads libpcap and hands over whole buffers of packets, one
 * JavaScript call per buffer, and samples pcap_stats. Each record becomes the reused Frame, pointing
 * into the batch buffer (no copy), exactly as the file readers deliver records from their chunks.
 */
export class BatchSource implements LiveSource {
  readonly backend = 'pcap-batch' as const;
  readonly linktype: number;
  readonly snaplen: number;
  readonly warning: string;
  private readonly handle: PcapBatchCapture;
  private readonly frame = new Frame();
  private started = false;
  private stopping: Promise<CaptureStats> | undefined;
  /** Final counters, set when the native side has delivered everything and closed the handle. */
  private last: PcapBatchStats | undefined;
  private resolveStopped: ((s: PcapBatchStats) => void) | undefined;
  private readonly stopped = new Promise<PcapBatchStats>((resolve) => {
    this.resolveStopped = resolve;
  });

  constructor(
    addon: PcapBatchAddon,
    readonly interfaceName: string,
    opts: LiveOptions,
    ifIndex: number,
  ) {
    this.handle = new addon.Capture(interfaceName, {
      snaplen: opts.snaplen,
      promisc: opts.promisc,
      timeoutMs: opts.timeoutMs,
      bufferBytes: opts.bufferBytes,
      immediate: opts.immediate,
      filter: opts.bpf,
      fanoutGroup: opts.fanoutGroup,
      fanoutProgram: opts.fanoutProgram,
    });
    const info = this.handle.info();
    this.linktype = info.linktype;
    this.snaplen = info.snaplen;
    this.warning = info.warning;
    this.frame.linktype = info.linktype;
    this.frame.ifIndex = ifIndex;
  }

  start(sinks: LiveSinks): void {
    if (this.started) throw new Error(`${this.interfaceName}: capture already started`);
    this.started = true;
    const size = Math.max(SLOT_MIN_BYTES, this.snaplen + HEADER);
    const slots = Array.from({ length: SLOTS }, () => Buffer.allocUnsafeSlow(size));
    const frame = this.frame;
    const onFrame = sinks.onFrame;
    this.handle.start(
      slots,
      (slot, bytes, packets, error) => {
        if (error !== undefined) {
          sinks.onError(error);
          return;
        }
        const b = slots[slot];
        // The records were written by our own thread, but read them as untrusted anyway: every header
        // and every caplen is checked against the batch length before use.
        const end = Math.min(bytes, b.length);
        let off = 0;
        for (let i = 0; i < packets && off + HEADER <= end; i++) {
          const caplen = b.readUInt32LE(off + 8);
          if (off + HEADER + caplen > end) break;
          frame.buf = b;
          frame.tsSec = b.readUInt32LE(off);
          frame.tsNsec = b.readUInt32LE(off + 4);
          frame.caplen = caplen;
          frame.wirelen = b.readUInt32LE(off + 12);
          frame.off = off + HEADER;
          frame.index++;
          onFrame(frame);
          off += HEADER + caplen;
        }
        sinks.afterBatch();
      },
      (s) => {
        this.last = s;
        this.resolveStopped?.(s);
      },
    );
  }

  stats(): CaptureStats {
    return this.toStats(this.last ?? this.handle.stats());
  }

  stop(): Promise<CaptureStats> {
    if (this.stopping) return this.stopping;
    if (!this.started) {
      const s = this.toStats(this.handle.stats());
      this.handle.close();
      this.stopping = Promise.resolve(s);
      return this.stopping;
    }
    this.handle.stop();
    this.stopping = this.stopped.then((s) => this.toStats(s));
    return this.stopping;
  }

  private toStats(s: PcapBatchStats): CaptureStats {
    return {
      interface: this.interfaceName,
      backend: this.backend,
      delivered: s.delivered,
      deliveredBytes: s.deliveredBytes,
      received: s.recv,
      dropped: s.drop,
      ifDropped: s.ifdrop,
      batches: s.batches,
      bufferWaits: s.slotWaits,
      discarded: s.discarded,
    };
  }
}
