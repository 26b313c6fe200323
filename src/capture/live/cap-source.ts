import { Frame } from '../frame.js';
import type { CapInstance, CapModule } from './addon-types.js';
import type { CaptureStats, LiveOptions, LiveSinks, LiveSource } from './live-source.js';

/**
 * cap 0.2 reports the link type as a name (its binding.cc), or "Unknown linktype N" with the DLT_
 * number. Mapped back to LINKTYPE_ numbers (https://www.tcpdump.org/linktypes.html); on Linux the DLT
 * and LINKTYPE numbers agree except DLT_RAW (12 here, LINKTYPE_RAW 101).
 */
export function capLinktype(name: string): number | undefined {
  switch (name) {
    case 'ETHERNET': return 1;
    case 'NULL': return 0;
    case 'RAW': return 101;
    case 'LINKTYPE_LINUX_SLL': return 113;
    case 'IEEE802_11_RADIO': return 127;
  }
  const m = /^Unknown linktype (\d+)$/.exec(name);
  if (!m) return undefined;
  const dlt = Number(m[1]);
  return dlt === 12 || dlt === 14 ? 101 : dlt;
}

/**
 * The `cap` backend: libpcap through the `cap` package. It calls JavaScript once per packet, gives no
 * packet timestamps (the arrival time in JavaScript is used) and no pcap_stats (drops are invisible),
 * always opens in promiscuous and immediate mode with a 65535-byte snap length (the copy is cut to
 * --snaplen, and then the wire length is unknown). It starts capturing as soon as it opens: packets
 * before start() are counted as discarded. Kept as the fallback where the pcap-batch addon cannot build.
 */
export class CapSource implements LiveSource {
  readonly backend = 'cap' as const;
  readonly linktype: number;
  readonly snaplen: number;
  readonly warning = '';
  private readonly cap: CapInstance;
  private readonly frame = new Frame();
  private readonly buf: Buffer;
  private sinks: LiveSinks | undefined;
  private delivered = 0;
  private deliveredBytes = 0;
  private discarded = 0;
  private flushQueued = false;
  private closed = false;

  constructor(
    mod: CapModule,
    readonly interfaceName: string,
    opts: LiveOptions,
    ifIndex: number,
  ) {
    this.cap = new mod.Cap();
    this.buf = Buffer.alloc(opts.snaplen);
    const name = this.cap.open(interfaceName, opts.bpf, opts.bufferBytes, this.buf);
    const lt = capLinktype(name);
    if (lt === undefined) {
      this.cap.close();
      throw Object.assign(new Error(`unsupported link type ${name}`), { code: 'ELINKTYPE' });
    }
    this.linktype = lt;
    this.snaplen = opts.snaplen;
    this.frame.linktype = lt;
    this.frame.ifIndex = ifIndex;
    this.frame.buf = this.buf;
    this.cap.on('packet', (nbytes: number) => this.onPacket(nbytes));
  }

  private onPacket(nbytes: number): void {
    const sinks = this.sinks;
    if (!sinks || this.closed) {
      this.discarded++;
      return;
    }
    const f = this.frame;
    const ms = performance.timeOrigin + performance.now();
    const sec = Math.floor(ms / 1000);
    f.tsSec = sec;
    f.tsNsec = Math.min(999_999_999, Math.round((ms - sec * 1000) * 1e6));
    f.off = 0;
    f.caplen = nbytes;
    f.wirelen = nbytes;
    f.index++;
    this.delivered++;
    this.deliveredBytes += nbytes;
    sinks.onFrame(f);
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => {
        this.flushQueued = false;
        sinks.afterBatch();
      });
    }
  }

  start(sinks: LiveSinks): void {
    this.sinks = sinks;
  }

  stats(): CaptureStats {
    return {
      interface: this.interfaceName,
      backend: this.backend,
      delivered: this.delivered,
      deliveredBytes: this.deliveredBytes,
      batches: this.delivered,
      discarded: this.discarded,
    };
  }

  async stop(): Promise<CaptureStats> {
    if (!this.closed) {
      this.closed = true;
      this.cap.close();
      this.cap.removeAllListeners('packet');
      if (this.flushQueued) this.sinks?.afterBatch();
    }
    return this.stats();
  }
}
