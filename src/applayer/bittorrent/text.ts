/**
 * Bytes a peer chose, made safe to store and emit: hashes and ids as hex, names as bounded printable
 * text. Every string a BitTorrent event carries went through one of these.
 */

import { Buffer } from 'node:buffer';

const HEX = '0123456789abcdef';

/**
 * `n` bytes at `off` as lowercase hex (the caller has checked the bounds). Node's encoder over a view
 * of the same memory: one flat string, where concatenating two characters a byte left a chain of
 * intermediate strings per info hash (a tenth of a BitTorrent-heavy replay's allocations).
 */
export function hex(b: Uint8Array, off = 0, n = b.length - off): string {
  // Clamped to the view: a view into a larger buffer must never show its neighbour's bytes.
  const len = Math.max(0, Math.min(n, b.length - off));
  return Buffer.from(b.buffer, b.byteOffset + off, len).toString('hex');
}

/**
 * A peer id as people read it: printable ASCII kept, any other byte as %XX (the tracker URL form), so
 * `-TR3000-` and a Shadow-style prefix stay readable and random tails stay exact. 20 bytes give at
 * most 60 characters.
 */
export function peerIdText(b: Uint8Array, off: number, n: number): string {
  let s = '';
  for (let i = off; i < off + n; i++) {
    const c = b[i];
    s += c > 0x20 && c < 0x7f && c !== 0x25 ? String.fromCharCode(c) : '%' + HEX[c >> 4].toUpperCase() + HEX[c & 15].toUpperCase();
  }
  return s;
}

/** Marks a string that was cut to its bound. */
export const TRUNCATED = '…';

/**
 * Bytes as UTF-8 text for a name or message: at most `max` bytes are read (a cut adds TRUNCATED), and
 * control characters become U+FFFD, so the result is one bounded line whatever the peer sent.
 */
export function boundedText(b: Uint8Array, off: number, n: number, max: number): string {
  const take = Math.min(n, max);
  let s = Buffer.from(b.buffer, b.byteOffset + off, take).toString('utf8');
  s = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '\ufffd');
  return take < n ? s + TRUNCATED : s;
}

/** A string already in memory (an HTTP header value), cut to `max` characters with TRUNCATED. */
export function boundString(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + TRUNCATED : s;
}
