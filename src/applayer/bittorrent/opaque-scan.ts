/**
 * BitTorrent inside TCP streams that no sniffer recognised (they go to the opaque-stream observer; this
 * scan reads the same bytes beside it, see ../tee.ts). Two things are looked for:
 *
 *  - The handshake after an MSE/PE key exchange that chose plaintext (crypto_select 0x01): the stream
 *    opens with random bytes (the Diffie-Hellman keys, padding, the encrypted VC) and the peer-wire
 *    handshake follows in the clear, within the first SCAN_BYTES of either direction. From there the
 *    direction is read as peer wire (via 'mse-plaintext').
 *  - A direction picked up mid-stream (its SYN was not seen), whose bytes read as peer-wire messages:
 *    a chain of MIN_CHAIN length-prefixed messages, MIN_REAL of them not keep-alives, every id valid
 *    with a length its id allows (peer-messages.ts). A capture rarely starts on a message boundary, so
 *    the chain is tried from the start of each of the first MAX_SYNC chunks (segments of small
 *    messages usually start on one). Reported as a `bt-peer-messages` fact; a host-level rule decides,
 *    since the chain alone is weak evidence.
 *
 * Cost: a byte comparison over at most SCAN_BYTES per direction, the chain's headers over at most
 * CHAIN_BYTES; nothing is buffered (the handshake string is known, so a match split over two chunks
 * needs no copy).
 */
import type { Flow } from '../../flow/flow.js';
import type { AppContext } from '../context.js';
import { DIR_DONE, type DirParser } from '../parser.js';
import { PROTOCOL, validMessage } from './peer-messages.js';
import { PeerWire, type PeerWireStream } from './peer-wire.js';

export const SCAN_BYTES = 2048;
export const CHAIN_BYTES = 64 * 1024;
export const MAX_SYNC = 16;
export const MIN_CHAIN = 4;
export const MIN_REAL = 3;

export class BtOpaqueScan {
  private wire: PeerWire | null = null;
  private closedDirs = 0;

  constructor(
    readonly ctx: AppContext,
    readonly flow: Flow,
    /** Bit i set when direction i's SYN was seen. */
    private readonly synSeen: () => number,
  ) {}

  direction(dir: number): DirParser {
    return new ScanDirection(this, dir);
  }

  /** The connection's peer wire, made when the first plaintext handshake is found. */
  peerWire(): PeerWire {
    return (this.wire ??= new PeerWire(this.ctx, this.flow, (sides, at) =>
      this.ctx.emit(this.flow, { kind: 'bt-peer-wire', transport: 'tcp', via: 'mse-plaintext', sides, at })));
  }

  midStream(dir: number): boolean {
    return (this.synSeen() & (1 << dir)) === 0;
  }

  /** A direction closed: once both have, what the peer wire knows is reported. */
  closed(): void {
    if (++this.closedDirs >= 2) this.wire?.close();
    else this.wire?.progress();
  }
}

class ScanDirection implements DirParser {
  next: DirParser | null = null;
  private seen = 0;
  private matched = 0;
  private wire: PeerWireStream | null = null;
  private chain: Chain | null;
  private syncs = 0;
  private reported = false;
  private closedOnce = false;

  constructor(private readonly scan: BtOpaqueScan, private readonly dir: number) {
    this.chain = scan.midStream(dir) ? new Chain() : null;
  }

  push(buf: Uint8Array, off: number, len: number): number {
    if (this.wire) return this.wire.push(buf, off, len) ? len : DIR_DONE;
    const start = this.seen;
    this.seen += len;
    if (this.chain && !this.reported) this.feedChain(buf, off, len);
    if (start < SCAN_BYTES) {
      const end = off + Math.min(len, SCAN_BYTES - start);
      for (let p = off; p < end; p++) {
        const b = buf[p];
        if (b === PROTOCOL[this.matched]) {
          if (++this.matched === PROTOCOL.length) return this.found(buf, p + 1, off + len, start + (p + 1 - off) - PROTOCOL.length) ? len : DIR_DONE;
        } else {
          this.matched = b === PROTOCOL[0] ? 1 : 0;
        }
      }
    }
    const chainActive = this.chain !== null && !this.reported && this.seen < CHAIN_BYTES && this.syncs <= MAX_SYNC;
    return this.seen < SCAN_BYTES || chainActive ? len : DIR_DONE;
  }

  close(): void {
    if (this.closedOnce) return;
    this.closedOnce = true;
    this.wire?.close();
    this.scan.closed();
  }

  /** The protocol string ended just before `p` and began at stream offset `at`: peer wire from there on. */
  private found(buf: Uint8Array, p: number, end: number, at: number): boolean {
    this.wire = this.scan.peerWire().stream(this.dir, at);
    this.chain = null;
    // The protocol string may have been split over chunks; it is known, so it is fed from the constant.
    if (!this.wire.push(PROTOCOL, 0, PROTOCOL.length)) return false;
    return p >= end || this.wire.push(buf, p, end - p);
  }

  private feedChain(buf: Uint8Array, off: number, len: number): void {
    const c = this.chain!;
    // Each chunk start is a chance to sync when no chain is running.
    if (!c.running) {
      if (++this.syncs > MAX_SYNC) return;
      c.restart();
    }
    if (c.feed(buf, off, len) && c.messages >= MIN_CHAIN && c.real >= MIN_REAL) {
      this.reported = true;
      const s = this.scan;
      s.ctx.emit(s.flow, { kind: 'bt-peer-messages', dir: this.dir, messages: c.messages, ids: [...c.ids].sort((a, b) => a - b) });
    }
  }
}

/**
 * Peer-wire message framing followed across chunks without buffering: lengths and ids only. A chain
 * counts when it holds to the end of the chunk that completed it.
 */
class Chain {
  running = false;
  messages = 0;
  real = 0;
  readonly ids = new Set<number>();
  private lenBytes = 0;
  private len = 0;
  private wantId = false;
  private skip = 0;

  restart(): void {
    this.running = true;
    this.messages = 0;
    this.real = 0;
    this.ids.clear();
    this.lenBytes = 0;
    this.len = 0;
    this.wantId = false;
    this.skip = 0;
  }

  /** Returns false (and stops) at the first byte that breaks the chain. */
  feed(buf: Uint8Array, off: number, len: number): boolean {
    let p = off;
    const end = off + len;
    while (p < end) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, end - p);
        this.skip -= n;
        p += n;
        continue;
      }
      if (this.wantId) {
        const id = buf[p++];
        this.wantId = false;
        if (!validMessage(id, this.len)) {
          this.running = false;
          return false;
        }
        this.messages++;
        this.real++;
        this.ids.add(id);
        this.skip = this.len - 1;
        this.len = 0;
        continue;
      }
      this.len = (this.len * 256 + buf[p++]) >>> 0;
      if (++this.lenBytes < 4) continue;
      this.lenBytes = 0;
      if (this.len === 0) this.messages++; // keep-alive
      else this.wantId = true;
    }
    return true;
  }
}
