import type { Flow } from '../../flow/flow.js';
import type { AppContext } from '../context.js';
import { DIR_DONE, type DirParser } from '../parser.js';
import { payloadStats, type PayloadStats } from './payload-stats.js';

/** Flights (runs of data in one direction) recorded before the shape is reported. */
export const OPAQUE_MAX_FLIGHTS = 8;
/** Bytes per direction followed; a bulk transfer's shape is known long before. */
export const OPAQUE_MAX_BYTES = 64 * 1024;

/**
 * The shape of a TCP stream that no parser recognised (not TLS, HTTP, DNS or a protocol with fixed
 * bytes): how random each side's first payload looks (Wu et al.'s tests, payload-stats.ts) and the
 * sizes of the first flights, a flight being the data one side sends before the other side sends any.
 * Fully encrypted protocols (obfs4, BitTorrent's MSE/PE, Shadowsocks) have no fixed bytes; what they
 * have is this shape: a random-looking first payload whose length their handshake fixes or bounds.
 *
 * Memory: a few numbers per flow; nothing is buffered (the first chunk is measured where it lies).
 * Reported once, as an `opaque-stream` fact, when OPAQUE_MAX_FLIGHTS flights were seen, when both
 * directions have stopped, or when the flow ends.
 */
export class OpaqueStream {
  private readonly first: [PayloadStats | undefined, PayloadStats | undefined] = [undefined, undefined];
  private readonly bytes: [number, number] = [0, 0];
  private readonly flights: number[] = [];
  private firstDir = -1;
  private lastDir = -1;
  private reported = false;
  private open = 2;

  constructor(
    private readonly flow: Flow,
    private readonly ctx: AppContext,
    /** Bit i set when direction i's SYN was seen: its first chunk is the connection's first payload. */
    private readonly synSeen: () => number,
  ) {}

  /** The parser for one direction: it feeds this observer. */
  direction(dir: number): DirParser {
    return new OpaqueDirection(this, dir);
  }

  /** In-order bytes of `dir`. Returns false when the shape is complete (no more bytes wanted). */
  data(dir: number, buf: Uint8Array, off: number, len: number): boolean {
    if (this.reported) return false;
    if (this.first[dir] === undefined) this.first[dir] = payloadStats(buf, off, len);
    if (this.firstDir < 0) this.firstDir = dir;
    if (dir !== this.lastDir) {
      if (this.flights.length === OPAQUE_MAX_FLIGHTS) {
        this.report(true);
        return false;
      }
      this.flights.push(0);
      this.lastDir = dir;
    }
    this.flights[this.flights.length - 1] += len;
    this.bytes[dir] += len;
    return this.bytes[dir] < OPAQUE_MAX_BYTES;
  }

  /** A direction's parser was closed (its stream ended, or the flow did). */
  closed(): void {
    if (--this.open <= 0) this.report(false);
  }

  private report(complete: boolean): void {
    if (this.reported || this.firstDir < 0) return;
    this.reported = true;
    this.ctx.emit(this.flow, {
      kind: 'opaque-stream',
      firstDir: this.firstDir,
      flights: this.flights.slice(),
      bytes: [this.bytes[0], this.bytes[1]],
      first: [this.first[0], this.first[1]],
      synSeen: this.synSeen(),
      complete,
    });
  }
}

class OpaqueDirection implements DirParser {
  next: DirParser | null = null;
  private done = false;

  constructor(private readonly obs: OpaqueStream, private readonly dir: number) {}

  push(buf: Uint8Array, off: number, len: number): number {
    return this.obs.data(this.dir, buf, off, len) ? len : DIR_DONE;
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.obs.closed();
  }
}
