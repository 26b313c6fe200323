import { latin1 } from '../../util/bytes.js';
import { boundName } from '../../util/bound.js';
import { AppAnomaly } from '../anomalies.js';

/**
 * DNS name decoding (RFC 1035 4.1.4 compression) with hard bounds, so a hostile message cannot make
 * the parser loop or allocate without limit:
 *  - a compression pointer must land inside the message and never on a place this name already
 *    jumped to or through (a loop is refused at once, not only when the jump cap is hit);
 *  - at most MAX_POINTERS jumps and MAX_LABELS labels per name;
 *  - at most 255 octets on the wire (RFC 1035 2.3.4), counted across jumps;
 *  - label types 01 and 10 (RFC 6891 extended labels, never deployed) are refused.
 * Forward pointers are accepted, like Suricata 8 does (suricata-verify dns/dns-forward-pointer: a
 * real query whose QNAME points forward, answered by a public resolver). Refusing them would let a
 * client hide a name from the sensor that its resolver still resolves. The walk stays bounded without
 * a direction rule: every jump counts against MAX_POINTERS and every label against the 255 octets.
 * The name comes out in presentation form (RFC 1035 5.1 / RFC 4343): labels joined by '.', case kept,
 * a '.' or '\' inside a label escaped with '\', other bytes outside '!'..'~' as '\DDD' (as dig prints).
 */
export const MAX_NAME_OCTETS = 255;
export const MAX_LABELS = 127;
export const MAX_POINTERS = 16;
const SEEN = new Int32Array(MAX_POINTERS + 1);

/** Result of one decode: the name, where the name ended in the original position, or an anomaly. */
export interface NameResult {
  name: string;
  /** Offset just past the name at its original position (after the first pointer, if any). */
  next: number;
  /** AppAnomaly id when decoding failed (name is then ''), else -1. */
  error: number;
}

/**
 * Decode the name at `off` in the DNS message `buf[msg, end)`. Pointers are offsets from `msg`.
 * Writes into `out` (reused by callers) and returns false on error.
 */
export function decodeName(buf: Uint8Array, msg: number, end: number, off: number, out: NameResult): boolean {
  let pos = off;
  let next = -1;
  let octets = 0;
  let labels = 0;
  let jumps = 0;
  // Offsets this name has visited (its start and every jump target): landing on one again is a loop.
  const seen = SEEN;
  seen[0] = off;
  let name = '';
  out.error = -1;
  for (;;) {
    if (pos >= end) return fail(out, AppAnomaly['dns.truncated']);
    const len = buf[pos];
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= end) return fail(out, AppAnomaly['dns.truncated']);
      const target = msg + (((len & 0x3f) << 8) | buf[pos + 1]);
      if (next < 0) next = pos + 2;
      if (target >= end) return fail(out, AppAnomaly['dns.bad_pointer']);
      if (jumps >= MAX_POINTERS) return fail(out, AppAnomaly['dns.too_many_pointers']);
      // A target at or before a visited start that reaches this pointer again would loop; the cheap
      // exact test is "same place as before" plus the jump cap for longer cycles through labels.
      for (let i = 0; i <= jumps; i++) if (seen[i] === target || target === pos) return fail(out, AppAnomaly['dns.pointer_loop']);
      seen[++jumps] = target;
      pos = target;
      continue;
    }
    if (kind !== 0) return fail(out, AppAnomaly['dns.bad_label']);
    if (len !== 0 && ++labels > MAX_LABELS) return fail(out, AppAnomaly['dns.too_many_labels']);
    octets += len + 1;
    if (octets > MAX_NAME_OCTETS) return fail(out, AppAnomaly['dns.name_too_long']);
    if (len === 0) {
      pos++;
      break;
    }
    if (pos + 1 + len > end) return fail(out, AppAnomaly['dns.truncated']);
    if (labels > 1) name += '.';
    name += labelText(buf, pos + 1, len);
    pos += 1 + len;
  }
  // 255 octets on the wire can be ~1,000 characters once bytes are escaped: bounded as text too.
  out.name = labels === 0 ? '.' : boundName(name);
  out.next = next < 0 ? pos : next;
  return true;
}

function fail(out: NameResult, id: number): boolean {
  out.name = '';
  out.next = -1;
  out.error = id;
  return false;
}

/** One label in presentation form. The common case (printable, no '.' or '\\') is one native call. */
function labelText(buf: Uint8Array, at: number, len: number): string {
  let plain = true;
  for (let i = at; i < at + len && plain; i++) {
    const c = buf[i];
    plain = c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c;
  }
  if (plain) return latin1(buf, at, len);
  let s = '';
  for (let i = at; i < at + len; i++) {
    const c = buf[i];
    if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== 0x5c) s += String.fromCharCode(c);
    else if (c === 0x2e || c === 0x5c) s += '\\' + String.fromCharCode(c);
    else s += '\\' + String(c).padStart(3, '0');
  }
  return s;
}

/** Skip a name without decoding it (for records whose owner name is not needed). */
export function skipName(buf: Uint8Array, end: number, off: number): number {
  let pos = off;
  for (let labels = 0; labels <= MAX_LABELS; labels++) {
    if (pos >= end) return -1;
    const len = buf[pos];
    if ((len & 0xc0) === 0xc0) return pos + 2 <= end ? pos + 2 : -1;
    if ((len & 0xc0) !== 0) return -1;
    if (len === 0) return pos + 1;
    pos += 1 + len;
  }
  return -1;
}
