/**
 * The peer-wire protocol (BEP 3) read from one connection's two byte streams, whatever carries them
 * (TCP, uTP, or the plaintext after an MSE key exchange): each direction's handshake (protocol string,
 * reserved bits, info_hash, peer_id), then its messages, checked against their ids' lengths (see
 * peer-messages.ts). Extended messages (BEP 10) are read for the extension handshake (client name,
 * listen port) and peer exchange (BEP 11: the peers another peer gave); every other message's payload
 * is skipped, never buffered.
 *
 * Facts: one summary per connection (both sides' handshakes) handed to the owner when both sides are
 * known (a side is known when its handshake came and, if it announced the extension protocol, its
 * extension handshake or a few other messages followed; or its direction ended), and a `bt-pex` event
 * per PEX message. Memory: at most one partial handshake (68 bytes) and one extended message
 * (MAX_EXT_BUFFER) per direction, reserved from the app-layer budget as the bytes arrive.
 */
import type { Flow } from '../../flow/flow.js';
import { AppAnomaly, AppStat } from '../anomalies.js';
import type { AppContext } from '../context.js';
import type { BtPeerSide, BtStamp } from './events.js';
import { parseExtHandshake, parsePex } from './extension.js';
import { HANDSHAKE_LEN, HANDSHAKE_NO_PEER_ID, MsgId, PROTOCOL, validMessage } from './peer-messages.js';
import { stampOf } from './stamp.js';
import { hex, peerIdText } from './text.js';

/** Extended messages buffered to be read (handshakes and PEX are well under this). */
export const MAX_EXT_BUFFER = 16 * 1024;
/** Messages read per direction after the handshake; later ones are not looked at. */
export const MAX_MESSAGES = 64;
/** Messages after the handshake that settle a side whose extension handshake has not come. */
const SETTLE_AFTER = 4;

interface Side {
  hs: BtPeerSide | null;
  /** The direction ended (or gave up): nothing more will be learned from it. */
  closed: boolean;
  extSeen: boolean;
  /** The extended id this side wants ut_pex sent under (0: none announced). */
  pexId: number;
}

/** Hands the connection's facts to the owner; `false`: not now (asked again on the next progress). */
export type PeerWireReport = (sides: [BtPeerSide | null, BtPeerSide | null], firstAt: BtStamp) => boolean | void;

/** Both directions of one peer connection. */
export class PeerWire {
  readonly sides: [Side, Side] = [
    { hs: null, closed: false, extSeen: false, pexId: 0 },
    { hs: null, closed: false, extSeen: false, pexId: 0 },
  ];
  firstAt: BtStamp | undefined;
  reported = false;
  private readonly streams: [PeerWireStream | null, PeerWireStream | null] = [null, null];

  constructor(
    readonly ctx: AppContext,
    readonly flow: Flow,
    private readonly report: PeerWireReport,
  ) {}

  /** The reader for direction `dir` (made once); `offset`: where in that direction's stream it starts. */
  stream(dir: number, offset = 0): PeerWireStream {
    return (this.streams[dir] ??= new PeerWireStream(this, dir, offset));
  }

  /** Whether every side is known (see the file comment). */
  settled(): boolean {
    return this.sides.every((s) => (s.hs === null ? s.closed : !s.hs.ltep || s.extSeen || s.closed || s.hs.messages >= SETTLE_AFTER));
  }

  /** Something changed: report once every side is known. */
  progress(): void {
    if (!this.reported && this.firstAt !== undefined && this.settled()) this.flush();
  }

  /** Report now if any handshake was seen (the connection or inspection ended). */
  flush(): void {
    if (this.reported || this.firstAt === undefined) return;
    this.reported = this.report([this.sides[0].hs, this.sides[1].hs], this.firstAt) !== false;
  }

  /** Give back memory; report what is known. Idempotent. */
  close(): void {
    for (let d = 0; d < 2; d++) {
      this.streams[d]?.close();
      this.sides[d].closed = true;
    }
    this.flush();
  }
}

const S_HANDSHAKE = 0;
const S_LENGTH = 1;
const S_ID = 2;
const S_EXT_ID = 3;
const S_SKIP = 4;
const S_BUFFER = 5;
const S_DONE = 6;

/** One direction: a handshake, then messages. `push` returns false once it wants no more bytes. */
export class PeerWireStream {
  private state = S_HANDSHAKE;
  /** A handshake that arrived in pieces (allocated only then). */
  private hsBuf: Uint8Array | null = null;
  private hsFill = 0;
  /** Message framing: the length being read, bytes of it so far, bytes of the body left. */
  private len = 0;
  private lenBytes = 0;
  private left = 0;
  private id = 0;
  private extId = 0;
  /** An extended message being buffered, as copied chunks (reserved from the budget). */
  private parts: Uint8Array[] = [];
  private held = 0;
  private messages = 0;

  constructor(private readonly wire: PeerWire, readonly dir: number, private readonly offset: number) {}

  get done(): boolean {
    return this.state === S_DONE;
  }

  push(buf: Uint8Array, off: number, len: number): boolean {
    const end = off + len;
    let p = off;
    while (p < end && this.state !== S_DONE) {
      switch (this.state) {
        case S_HANDSHAKE:
          p = this.handshake(buf, p, end);
          break;
        case S_LENGTH:
          while (p < end && this.lenBytes < 4) {
            this.len = (this.len * 256 + buf[p++]) >>> 0;
            this.lenBytes++;
          }
          if (this.lenBytes === 4) this.lengthRead();
          break;
        case S_ID:
          this.id = buf[p++];
          this.idRead();
          break;
        case S_EXT_ID:
          this.extId = buf[p++];
          this.left--;
          this.startBody();
          break;
        case S_SKIP: {
          const n = Math.min(this.left, end - p);
          this.left -= n;
          p += n;
          if (this.left === 0) this.messageDone();
          break;
        }
        case S_BUFFER: {
          const n = Math.min(this.left, end - p);
          if (!this.wire.ctx.budget.reserve(n)) {
            this.wire.ctx.counters.anomaly(AppAnomaly['stream.memcap']);
            this.finish();
            break;
          }
          this.parts.push(buf.slice(p, p + n));
          this.held += n;
          this.left -= n;
          p += n;
          if (this.left === 0) this.extendedRead();
          break;
        }
      }
    }
    return this.state !== S_DONE;
  }

  /** The direction ended: a handshake cut after the info_hash still counts (some peers send the peer id late). */
  close(): void {
    if (this.state === S_HANDSHAKE && this.hsBuf && this.hsFill >= HANDSHAKE_NO_PEER_ID) this.accept(this.hsBuf, 0, this.hsFill);
    this.finish();
  }

  private finish(): void {
    if (this.hsBuf) {
      this.wire.ctx.budget.release(HANDSHAKE_LEN);
      this.hsBuf = null;
    }
    this.dropParts();
    if (this.state !== S_DONE) {
      this.state = S_DONE;
      this.wire.sides[this.dir].closed = true;
      this.wire.progress();
    }
  }

  private dropParts(): void {
    if (this.held) this.wire.ctx.budget.release(this.held);
    this.parts = [];
    this.held = 0;
  }

  private handshake(buf: Uint8Array, p: number, end: number): number {
    if (this.hsBuf === null && end - p >= HANDSHAKE_LEN) {
      if (!this.checkProtocol(buf, p, HANDSHAKE_LEN)) return end;
      this.accept(buf, p, HANDSHAKE_LEN);
      return p + HANDSHAKE_LEN;
    }
    if (this.hsBuf === null) {
      if (!this.wire.ctx.budget.reserve(HANDSHAKE_LEN)) {
        this.wire.ctx.counters.anomaly(AppAnomaly['stream.memcap']);
        this.finish();
        return end;
      }
      this.hsBuf = new Uint8Array(HANDSHAKE_LEN);
    }
    const n = Math.min(HANDSHAKE_LEN - this.hsFill, end - p);
    this.hsBuf.set(buf.subarray(p, p + n), this.hsFill);
    this.hsFill += n;
    if (!this.checkProtocol(this.hsBuf, 0, this.hsFill)) return end;
    if (this.hsFill === HANDSHAKE_LEN) {
      this.accept(this.hsBuf, 0, HANDSHAKE_LEN);
      this.wire.ctx.budget.release(HANDSHAKE_LEN);
      this.hsBuf = null;
    }
    return p + n;
  }

  /** The protocol string so far; a mismatch ends the direction with an anomaly. */
  private checkProtocol(b: Uint8Array, off: number, n: number): boolean {
    const m = Math.min(n, PROTOCOL.length);
    for (let i = 0; i < m; i++) {
      if (b[off + i] !== PROTOCOL[i]) {
        this.wire.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_handshake']);
        this.finish();
        return false;
      }
    }
    return true;
  }

  private accept(b: Uint8Array, off: number, n: number): void {
    const r = off + 20;
    const side: BtPeerSide = {
      infoHash: hex(b, r + 8, 20),
      reserved: hex(b, r, 8),
      ltep: (b[r + 5] & 0x10) !== 0,
      dht: (b[r + 7] & 0x01) !== 0,
      fast: (b[r + 7] & 0x04) !== 0,
      v2: (b[r + 7] & 0x10) !== 0,
      offset: this.offset,
      messages: 0,
    };
    if (n >= HANDSHAKE_LEN) side.peerId = peerIdText(b, off + 48, 20);
    const w = this.wire;
    w.sides[this.dir].hs = side;
    w.firstAt ??= stampOf(w.ctx);
    w.ctx.counters.stat(AppStat.bt_handshakes);
    this.state = S_LENGTH;
    w.progress();
  }

  private lengthRead(): void {
    this.lenBytes = 0;
    if (this.len === 0) {
      this.messageDone(); // keep-alive
      return;
    }
    this.state = S_ID;
  }

  private idRead(): void {
    if (!validMessage(this.id, this.len)) {
      this.wire.ctx.counters.anomaly(AppAnomaly['bittorrent.bad_message']);
      this.finish();
      return;
    }
    this.left = this.len - 1;
    this.state = this.id === MsgId.extended ? S_EXT_ID : S_SKIP;
    if (this.state === S_SKIP && this.left === 0) this.messageDone();
  }

  /** After an extended message's id byte: buffer the ones worth reading, skip the rest. */
  private startBody(): void {
    const other = this.wire.sides[1 - this.dir];
    const wanted = this.extId === 0 || (other.pexId !== 0 ? this.extId === other.pexId : !other.extSeen);
    this.state = wanted && this.left > 0 && this.left <= MAX_EXT_BUFFER ? S_BUFFER : S_SKIP;
    if (this.left === 0) this.messageDone();
  }

  private extendedRead(): void {
    // Several chunks are joined to be read: the joined copy is reserved too, while it lives.
    const joined = this.parts.length > 1 ? this.held : 0;
    if (joined && !this.wire.ctx.budget.reserve(joined)) {
      this.wire.ctx.counters.anomaly(AppAnomaly['stream.memcap']);
      this.finish();
      return;
    }
    const body = joined ? Buffer.concat(this.parts, this.held) : this.parts[0];
    const w = this.wire;
    const side = w.sides[this.dir];
    if (this.extId === 0) {
      const h = parseExtHandshake(body, 0, body.length);
      if (h && side.hs) {
        side.extSeen = true;
        side.pexId = h.pexId ?? 0;
        if (h.client !== undefined) side.hs.extClient = h.client;
        if (h.port !== undefined) side.hs.extPort = h.port;
        side.hs.extNames = h.names;
      }
    } else {
      const peers = parsePex(body, 0, body.length);
      if (peers?.length) w.ctx.emit(w.flow, { kind: 'bt-pex', dir: this.dir, peers });
    }
    if (joined) w.ctx.budget.release(joined);
    this.dropParts();
    this.messageDone();
  }

  private messageDone(): void {
    this.state = S_LENGTH;
    this.len = 0;
    const side = this.wire.sides[this.dir];
    if (side.hs) side.hs.messages++;
    this.wire.progress();
    if (++this.messages >= MAX_MESSAGES) this.finish();
  }
}
