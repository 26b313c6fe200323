import { growFor } from '../grow.js';
import { readVarint, type Varint } from './varint.js';

/**
 * Frames inside a decrypted Initial packet (RFC 9000 12.4, 19): PADDING, PING, ACK (with or without
 * ECN counts), CRYPTO and CONNECTION_CLOSE are the only ones allowed there. CRYPTO data goes to a
 * CryptoStream, which puts the client's handshake bytes back in order (browsers split the ClientHello
 * across frames and packets, and send the pieces out of order on purpose).
 */
export const FrameType = { PADDING: 0x00, PING: 0x01, ACK: 0x02, ACK_ECN: 0x03, CRYPTO: 0x06, CONNECTION_CLOSE: 0x1c } as const;

const v: Varint = { value: 0, next: 0 };

/**
 * Walk the frames of `buf[off, end)`, handing CRYPTO data to `onCrypto`. Returns false on a frame that
 * is malformed or not allowed in an Initial packet.
 */
export function readFrames(buf: Uint8Array, off: number, end: number, onCrypto: (offset: number, data: Uint8Array) => boolean): boolean {
  let p = off;
  while (p < end) {
    const type = buf[p];
    if (type === FrameType.PADDING || type === FrameType.PING) {
      p++;
      continue;
    }
    if (!readVarint(buf, p, end, v)) return false;
    p = v.next;
    switch (type) {
      case FrameType.ACK:
      case FrameType.ACK_ECN: {
        // Largest Acknowledged, ACK Delay, ACK Range Count, First ACK Range, then ranges, then ECN.
        if (!vint(buf, p, end)) return false;
        if (!vint(buf, v.next, end)) return false;
        if (!readVarint(buf, v.next, end, v)) return false;
        const ranges = v.value;
        // Each range is two varints of at least one byte: more ranges than bytes is a lie.
        if (ranges > end - v.next) return false;
        if (!vint(buf, v.next, end)) return false;
        for (let i = 0; i < 2 * ranges; i++) if (!vint(buf, v.next, end)) return false;
        if (type === FrameType.ACK_ECN) for (let i = 0; i < 3; i++) if (!vint(buf, v.next, end)) return false;
        p = v.next;
        break;
      }
      case FrameType.CRYPTO: {
        if (!readVarint(buf, p, end, v)) return false;
        const offset = v.value;
        if (!readVarint(buf, v.next, end, v)) return false;
        const len = v.value;
        if (len > end - v.next) return false;
        if (!onCrypto(offset, buf.subarray(v.next, v.next + len))) return false;
        p = v.next + len;
        break;
      }
      case FrameType.CONNECTION_CLOSE: {
        if (!vint(buf, p, end) || !vint(buf, v.next, end) || !readVarint(buf, v.next, end, v)) return false;
        if (v.value > end - v.next) return false;
        p = v.next + v.value;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

function vint(buf: Uint8Array, off: number, end: number): boolean {
  return readVarint(buf, off, end, v);
}

/**
 * The CRYPTO stream of one side, reassembled into a bounded buffer. Pieces may arrive in any order
 * and overlap; a sorted list of filled ranges (at most MAX_RANGES) tells how much is contiguous from
 * offset 0. Data beyond `capacity` is refused (the caller stops and counts quic.crypto_overflow).
 */
export const MAX_RANGES = 32;

export class CryptoStream {
  /** The stream so far: grows (doubling from 1 KiB, up to `capacity`) as pieces arrive. */
  buf: Uint8Array = new Uint8Array(0);
  /** A growth the memory budget refused (add returned false for that, not for an overflow). */
  refused = false;
  /** Filled ranges [start, end), sorted and merged. */
  private ranges: number[] = [];

  /** `reserve` is asked for each growth of the buffer (the app-layer budget); without it, growth is free. */
  constructor(readonly capacity: number, private readonly reserve: (n: number) => boolean = () => true) {}

  /** Bytes the buffer holds (what was reserved). */
  get held(): number {
    return this.buf.length;
  }

  /** Add a piece; false when it lies beyond the capacity, would need too many ranges, or memory was refused. */
  add(offset: number, data: Uint8Array): boolean {
    if (data.length === 0) return true;
    if (offset + data.length > this.capacity) return false;
    const need = offset + data.length;
    // Pieces land at any offset, so the whole buffer is copied when it grows.
    const grown = growFor(this.buf, this.buf.length, need, this.capacity, this.reserve);
    if (!grown) {
      this.refused = true;
      return false;
    }
    this.buf = grown;
    this.buf.set(data, offset);
    const r = this.ranges;
    let s = offset;
    let e = offset + data.length;
    const out: number[] = [];
    let placed = false;
    for (let i = 0; i < r.length; i += 2) {
      const rs = r[i];
      const re = r[i + 1];
      if (re < s) out.push(rs, re);
      else if (rs > e) {
        if (!placed) { out.push(s, e); placed = true; }
        out.push(rs, re);
      } else {
        s = Math.min(s, rs);
        e = Math.max(e, re);
      }
    }
    if (!placed) out.push(s, e);
    if (out.length > 2 * MAX_RANGES) return false;
    this.ranges = out;
    return true;
  }

  /** Bytes available in order from offset 0. */
  get contiguous(): number {
    return this.ranges.length && this.ranges[0] === 0 ? this.ranges[1] : 0;
  }
}
