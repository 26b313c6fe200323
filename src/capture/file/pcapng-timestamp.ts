/**
 * pcapng 64-bit timestamps -> whole seconds + nanoseconds, exactly.
 *
 * A timestamp counts units of the interface's if_tsresol (10^-k or 2^-k s, default 10^-6). Nanosecond
 * counts are ~1.7e18, beyond 2^53, so (hi * 2^32 + lo) in a double would lose the low digits. Paths:
 * - value < 2^53 (microsecond captures until year 2255): plain float arithmetic, exact;
 * - decimal resolutions up to 10^-9 above 2^53: long division by 16-bit digits, every intermediate
 *   below 2^53 (the remainder is < 10^9 < 2^30, so remainder * 2^16 < 2^46), no BigInt;
 * - anything else (binary resolutions, decimal finer than ns): BigInt.
 * Sub-nanosecond parts are truncated (floor), as Wireshark does.
 */
import type { Frame } from '../frame.js';

export interface TsResolution {
  /** Units per second when it is 10^k with k <= 9, else 0. */
  decUnits: number;
  /** Nanoseconds per unit when decUnits is set (10^(9-k)). */
  nsPerUnit: number;
  /** Units per second as BigInt (always set). */
  bigUnits: bigint;
  /** Units per second as a float (for the < 2^53 fast path of non-decimal resolutions). */
  units: number;
}

const TWO32 = 0x1_0000_0000;
// Below this hi word, t = hi * 2^32 + lo < 2^53 - 2^48: t and sec * U (<= t + U) are exact doubles.
const FAST_HI = 0x1f_0000;

/** From the if_tsresol byte: high bit set = 2^-n, clear = 10^-n. Caller checked the exponent range. */
export function tsResolution(tsresol: number): TsResolution {
  const exp = tsresol & 0x7f;
  if (tsresol & 0x80) {
    const bigUnits = 1n << BigInt(exp);
    return { decUnits: 0, nsPerUnit: 0, bigUnits, units: Number(bigUnits) };
  }
  const bigUnits = 10n ** BigInt(exp);
  const units = Number(bigUnits);
  return exp <= 9 ? { decUnits: units, nsPerUnit: 10 ** (9 - exp), bigUnits, units } : { decUnits: 0, nsPerUnit: 0, bigUnits, units };
}

export const MICROSECONDS: TsResolution = tsResolution(6);

/** Set f.tsSec / f.tsNsec from the timestamp words; `offsetSec` is the interface's if_tsoffset. */
export function setTimestamp(f: Frame, hi: number, lo: number, r: TsResolution, offsetSec: number): void {
  const U = r.decUnits;
  if (U !== 0) {
    let sec: number;
    let rem: number;
    if (hi < FAST_HI) {
      const t = hi * TWO32 + lo; // exact
      sec = Math.floor(t / U);
      rem = t - sec * U;
      // The float quotient can round up across an integer for large t; fix the off-by-one.
      if (rem < 0) {
        sec -= 1;
        rem += U;
      } else if (rem >= U) {
        sec += 1;
        rem -= U;
      }
    } else {
      // Long division of the 64-bit value by U, 16 bits at a time.
      const digits0 = hi >>> 16;
      const digits1 = hi & 0xffff;
      const digits2 = lo >>> 16;
      const digits3 = lo & 0xffff;
      rem = digits0;
      let q = Math.floor(rem / U);
      rem -= q * U;
      sec = q;
      // rem < U <= 1e9, so rem * 2^16 + digit < 2^46 and the quotients below are exact.
      rem = rem * 0x10000 + digits1;
      q = Math.floor(rem / U);
      rem -= q * U;
      sec = sec * 0x10000 + q;
      rem = rem * 0x10000 + digits2;
      q = Math.floor(rem / U);
      rem -= q * U;
      sec = sec * 0x10000 + q;
      rem = rem * 0x10000 + digits3;
      q = Math.floor(rem / U);
      rem -= q * U;
      sec = sec * 0x10000 + q;
    }
    f.tsSec = sec + offsetSec;
    f.tsNsec = rem * r.nsPerUnit;
    return;
  }
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  const s = t / r.bigUnits;
  const rem = t - s * r.bigUnits;
  f.tsSec = Number(s) + offsetSec;
  f.tsNsec = Number((rem * 1_000_000_000n) / r.bigUnits);
}
