import type { Flow } from '../../flow/flow.js';
import { u24 } from '../../util/bytes.js';
import { AppAnomaly, AppStat } from '../anomalies.js';
import type { AppContext } from '../context.js';
import type { UdpSession } from '../udp-session.js';
import { parseClientHello } from '../tls/client-hello.js';
import { QuicClientHelloEvent } from '../tls/facts.js';
import { HandshakeType } from '../tls/grease.js';
import { CryptoStream, readFrames } from './crypto-frames.js';
import { initialKeys, isKnownVersion, type PacketKeys } from './initial-keys.js';
import { decryptLongPacket, LongType, parseLongHeader } from './initial-packet.js';

/** CRYPTO bytes reassembled per flow (a ClientHello with a post-quantum key share is ~2 KB). */
export const CRYPTO_CAPACITY = 16 * 1024;
/** Client datagrams read before giving up on finding a whole ClientHello. */
export const MAX_CLIENT_DATAGRAMS = 8;
/** Long header packets read per datagram (Initial + 0-RTT + Handshake is the most seen). */
const MAX_COALESCED = 4;
/** RFC 9000 7.2: the client's first Destination Connection ID is at least 8 bytes. */
const MIN_FIRST_DCID = 8;

/**
 * Whether a UDP payload starts like a QUIC client's first flight, of a version torwatch reads: an
 * Initial, or a 0-RTT packet (captures show 0-RTT datagrams ahead of the Initial they follow).
 */
export function looksLikeQuicInitial(buf: Uint8Array, off: number, len: number): boolean {
  const h = parseLongHeader(buf, off, off + len);
  return h !== undefined && (h.type === LongType.INITIAL || h.type === LongType.ZERO_RTT) && isKnownVersion(h.version) && h.dcid.length >= MIN_FIRST_DCID;
}

/**
 * One QUIC connection's client Initials: keys from the first Destination Connection ID, header
 * protection removed, payload decrypted, CRYPTO frames put in order until the ClientHello is whole,
 * which is then parsed like TLS's. Server packets are not read (the SNI is the client's).
 */
export class QuicSession implements UdpSession {
  finished = false;
  private clientDir = -1;
  private keys: PacketKeys | undefined;
  private keysDcid: Uint8Array | undefined;
  private crypto: CryptoStream | null = null;
  private datagrams = 0;

  constructor(private readonly flow: Flow, private readonly ctx: AppContext) {}

  /** One UDP datagram payload in direction `dir`. */
  datagram(buf: Uint8Array, off: number, len: number, dir: number): void {
    if (this.finished) return;
    if (this.clientDir < 0) this.clientDir = dir;
    if (dir !== this.clientDir) return;
    if (++this.datagrams > MAX_CLIENT_DATAGRAMS) return this.finish();
    let p = off;
    const end = off + len;
    for (let i = 0; i < MAX_COALESCED && p < end && !this.finished; i++) {
      const h = parseLongHeader(buf, p, end);
      if (!h || h.end > end) {
        // Short header packets and padding after the last long header are not ours to read.
        if (i === 0) this.ctx.counters.anomaly(AppAnomaly['quic.bad_header']);
        return;
      }
      if (h.type === LongType.INITIAL && isKnownVersion(h.version)) this.initial(buf, h);
      p = h.end;
      if (h.type === LongType.RETRY) return;
    }
  }

  private initial(buf: Uint8Array, h: NonNullable<ReturnType<typeof parseLongHeader>>): void {
    const c = this.ctx.counters;
    if (!this.keys) {
      this.keys = initialKeys(h.version, h.dcid);
      this.keysDcid = Uint8Array.from(h.dcid);
    }
    let plain = this.keys ? decryptLongPacket(buf, h, this.keys) : undefined;
    if (!plain && this.keysDcid && !sameBytes(this.keysDcid, h.dcid)) {
      // After a Retry the client derives new Initial keys from the Retry's connection id.
      const k = initialKeys(h.version, h.dcid);
      plain = k ? decryptLongPacket(buf, h, k) : undefined;
      if (plain) {
        this.keys = k;
        this.keysDcid = Uint8Array.from(h.dcid);
      }
    }
    if (!plain) {
      c.anomaly(AppAnomaly['quic.decrypt_failed']);
      return;
    }
    c.stat(AppStat.quic_initials_decrypted);
    // The CRYPTO buffer grows as data arrives, each growth reserved (not 16 KiB up front per flow).
    this.crypto ??= new CryptoStream(CRYPTO_CAPACITY, (n) => this.ctx.budget.reserve(n));
    const crypto = this.crypto;
    let overflow = false;
    const ok = readFrames(plain, 0, plain.length, (offset, data) => {
      if (crypto.add(offset, data)) return true;
      overflow = true;
      return false;
    });
    if (overflow) {
      c.anomaly(crypto.refused ? AppAnomaly['stream.memcap'] : AppAnomaly['quic.crypto_overflow']);
      return this.finish();
    }
    if (!ok) c.anomaly(AppAnomaly['quic.bad_frame']);
    this.tryClientHello(h.version);
  }

  private tryClientHello(version: number): void {
    const cs = this.crypto!;
    const have = cs.contiguous;
    if (have < 4) return;
    const b = cs.buf;
    if (b[0] !== HandshakeType.CLIENT_HELLO) {
      this.ctx.counters.anomaly(AppAnomaly['quic.bad_client_hello']);
      return this.finish();
    }
    const len = u24(b, 1);
    if (4 + len > cs.capacity) {
      this.ctx.counters.anomaly(AppAnomaly['quic.crypto_overflow']);
      return this.finish();
    }
    if (have < 4 + len) return;
    const hello = parseClientHello(b, 4, 4 + len);
    if (!hello) {
      this.ctx.counters.anomaly(AppAnomaly['quic.bad_client_hello']);
      return this.finish();
    }
    if (hello.malformed) this.ctx.counters.anomaly(AppAnomaly['quic.bad_client_hello']);
    this.ctx.counters.stat(AppStat.quic_client_hellos);
    this.ctx.emit(this.flow, new QuicClientHelloEvent(hello, version));
    this.finish();
  }

  finish(): void {
    if (this.crypto && this.crypto.held) this.ctx.budget.release(this.crypto.held);
    this.crypto = null;
    this.finished = true;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
