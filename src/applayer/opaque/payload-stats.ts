/**
 * How random a payload looks, by the tests the Great Firewall of China was measured to apply to the
 * first data packet of a TCP connection (Wu et al., "How the Great Firewall of China Detects and Blocks
 * Fully Encrypted Traffic", USENIX Security 2023, section 4). A payload is *exempt* (not treated as
 * fully encrypted) when any of these holds:
 *   Ex1: the average number of set bits per byte is <= 3.4 or >= 4.6 (random bytes average 4);
 *   Ex2: the first six bytes are printable ASCII (0x20-0x7e);
 *   Ex3: more than half of the bytes are printable;
 *   Ex4: more than 20 contiguous bytes are printable;
 *   Ex5: it matches a known protocol (TLS, HTTP): the sniffer has already handed those to their
 *        parsers, so a payload measured here has passed Ex5.
 * `fullyRandom` is true when none of Ex1-Ex4 applies. These are facts; what they mean (obfs4, MSE,
 * Shadowsocks, just compressed data) is for the detectors, which look at more than one packet.
 */
export interface PayloadStats {
  /** Bytes measured (the first in-order chunk of the direction, at most STATS_MAX_BYTES). */
  len: number;
  /** Average set bits per byte (Ex1). */
  bitsPerByte: number;
  /** Fraction of printable bytes (Ex3). */
  printableFraction: number;
  /** Whether the first six bytes are printable (Ex2). */
  printablePrefix: boolean;
  /** Longest run of contiguous printable bytes (Ex4). */
  longestPrintableRun: number;
  /** None of Ex1-Ex4 applies. */
  fullyRandom: boolean;
}

/** Bytes of a first chunk measured: more than any first packet carries; keeps the cost per flow fixed. */
export const STATS_MAX_BYTES = 2048;
export const EX1_LOW = 3.4;
export const EX1_HIGH = 4.6;
export const EX4_RUN = 20;

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

function printable(b: number): boolean {
  return b >= 0x20 && b <= 0x7e;
}

export function payloadStats(buf: Uint8Array, off: number, len: number): PayloadStats {
  const n = Math.min(len, STATS_MAX_BYTES);
  let bits = 0;
  let printableCount = 0;
  let run = 0;
  let longest = 0;
  for (let i = off; i < off + n; i++) {
    const b = buf[i];
    bits += POPCOUNT[b];
    if (printable(b)) {
      printableCount++;
      if (++run > longest) longest = run;
    } else {
      run = 0;
    }
  }
  let prefix = n >= 6;
  for (let i = 0; i < 6 && prefix; i++) prefix = printable(buf[off + i]);
  const bitsPerByte = n > 0 ? bits / n : 0;
  const printableFraction = n > 0 ? printableCount / n : 0;
  const fullyRandom = n > 0 && bitsPerByte > EX1_LOW && bitsPerByte < EX1_HIGH && !prefix && printableFraction <= 0.5 && longest <= EX4_RUN;
  return {
    len: n,
    bitsPerByte: Math.round(bitsPerByte * 1000) / 1000,
    printableFraction: Math.round(printableFraction * 1000) / 1000,
    printablePrefix: prefix,
    longestPrintableRun: longest,
    fullyRandom,
  };
}
