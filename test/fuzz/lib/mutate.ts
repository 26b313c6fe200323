/**
 * Byte mutations of real inputs, shared by the property tests (through fast-check arbitraries in
 * arb.ts) and by the `npm run fuzz` driver (through its own fast PRNG). A mutation is plain data, so
 * a failing case can be printed, shrunk and replayed.
 *
 * Positions are raw unsigned numbers, taken modulo the current length when applied: the same mutation
 * list applies to any input, which is what lets fast-check shrink the input and the edits separately.
 */
export type Mutation =
  /** Flip one bit. */
  | { op: 'flip'; at: number; bit: number }
  /** Overwrite one byte. */
  | { op: 'set'; at: number; value: number }
  /** Cut the input at a position. */
  | { op: 'truncate'; at: number }
  /** Insert bytes. */
  | { op: 'insert'; at: number; bytes: Uint8Array }
  /** Delete up to n bytes. */
  | { op: 'delete'; at: number; n: number }
  /** Overwrite with bytes copied from another input of the corpus (a splice of two real inputs). */
  | { op: 'splice'; at: number; donor: number; from: number; n: number }
  /** Rewrite a 1-, 2- or 4-byte big- or little-endian field with a value that tends to break length checks. */
  | { op: 'length'; at: number; width: 1 | 2 | 4; le: boolean; how: LengthEdit }
  /** Repeat a region (a duplicated header, record or option). */
  | { op: 'repeat'; at: number; n: number; times: number };

/** What a length edit writes: edge values, off-by-one around the current value, or what is left of the input. */
export const LENGTH_EDITS = ['zero', 'one', 'max', 'half', 'plus1', 'minus1', 'double', 'rest', 'rest+1', 'rest-1'] as const;
export type LengthEdit = (typeof LENGTH_EDITS)[number];

/** Cap on how large a mutation may make an input (inserted or repeated bytes). */
export const MAX_GROWTH = 4096;

function readField(b: Uint8Array, at: number, width: number, le: boolean): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + b[le ? at + width - 1 - i : at + i];
  return v;
}

function writeField(b: Uint8Array, at: number, width: number, le: boolean, value: number): void {
  let v = value;
  for (let i = width - 1; i >= 0; i--) {
    b[le ? at + width - 1 - i : at + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
}

/** Apply one mutation; returns a new array (the input is never modified). */
export function applyMutation(input: Uint8Array, m: Mutation, donors: readonly Uint8Array[] = []): Uint8Array {
  const len = input.length;
  switch (m.op) {
    case 'flip': {
      if (len === 0) return input;
      const out = Uint8Array.from(input);
      out[m.at % len] ^= 1 << (m.bit & 7);
      return out;
    }
    case 'set': {
      if (len === 0) return input;
      const out = Uint8Array.from(input);
      out[m.at % len] = m.value & 0xff;
      return out;
    }
    case 'truncate':
      return input.subarray(0, m.at % (len + 1)).slice();
    case 'insert': {
      const at = m.at % (len + 1);
      const ins = m.bytes.subarray(0, MAX_GROWTH);
      const out = new Uint8Array(len + ins.length);
      out.set(input.subarray(0, at), 0);
      out.set(ins, at);
      out.set(input.subarray(at), at + ins.length);
      return out;
    }
    case 'delete': {
      if (len === 0) return input;
      const at = m.at % len;
      const n = Math.min(m.n, len - at);
      const out = new Uint8Array(len - n);
      out.set(input.subarray(0, at), 0);
      out.set(input.subarray(at + n), at);
      return out;
    }
    case 'splice': {
      if (len === 0 || donors.length === 0) return input;
      const d = donors[m.donor % donors.length];
      if (d.length === 0) return input;
      const from = m.from % d.length;
      const at = m.at % len;
      const n = Math.min(m.n, d.length - from, len - at);
      const out = Uint8Array.from(input);
      out.set(d.subarray(from, from + n), at);
      return out;
    }
    case 'length': {
      if (len < m.width) return input;
      const at = m.at % (len - m.width + 1);
      const max = m.width === 4 ? 0xffffffff : m.width === 2 ? 0xffff : 0xff;
      const cur = readField(input, at, m.width, m.le);
      const rest = len - at - m.width;
      const v = { zero: 0, one: 1, max, half: Math.floor(max / 2) + 1, plus1: cur + 1, minus1: cur - 1, double: cur * 2, rest, 'rest+1': rest + 1, 'rest-1': rest - 1 }[m.how];
      const out = Uint8Array.from(input);
      writeField(out, at, m.width, m.le, ((v % (max + 1)) + (max + 1)) % (max + 1));
      return out;
    }
    case 'repeat': {
      if (len === 0) return input;
      const at = m.at % len;
      const n = Math.max(1, Math.min(m.n, len - at));
      const times = Math.max(1, Math.min(m.times, Math.floor(MAX_GROWTH / n)));
      const out = new Uint8Array(len + n * times);
      out.set(input.subarray(0, at + n), 0);
      for (let t = 1; t <= times; t++) out.set(input.subarray(at, at + n), at + n * t);
      out.set(input.subarray(at + n), at + n * (times + 1));
      return out;
    }
  }
}

export function applyMutations(input: Uint8Array, ms: readonly Mutation[], donors: readonly Uint8Array[] = []): Uint8Array {
  let b = input;
  for (const m of ms) b = applyMutation(b, m, donors);
  return b;
}

/** A small fast PRNG (xorshift32), for the fuzz driver and seeded helpers. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (seed >>> 0) || 0x9e3779b9;
  }
  /** Uniform 32-bit unsigned. */
  u32(): number {
    let s = this.s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.s = s >>> 0;
    return this.s;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
}

/**
 * A random mutation, with positions biased towards the front (headers live there) for `headerBias`
 * of the picks. Used by the fuzz driver; the property tests draw the same shapes with fast-check.
 */
export function randomMutation(r: Rng, len: number, donors: number, headerBias = 0.5): Mutation {
  const span = Math.max(1, len);
  const at = r.chance(headerBias) ? r.below(Math.min(span, 64)) : r.below(span);
  const k = r.below(100);
  if (k < 30) return { op: 'flip', at, bit: r.below(8) };
  if (k < 45) return { op: 'set', at, value: r.chance(0.5) ? [0, 0xff, 0x7f, 0x80, 1][r.below(5)] : r.below(256) };
  if (k < 53) return { op: 'truncate', at: r.below(span + 1) };
  if (k < 61) return { op: 'insert', at, bytes: r.bytes(1 + r.below(r.chance(0.8) ? 8 : 256)) };
  if (k < 69) return { op: 'delete', at, n: 1 + r.below(r.chance(0.8) ? 8 : 256) };
  if (k < 77) return { op: 'splice', at, donor: r.u32(), from: r.u32(), n: 1 + r.below(128) };
  if (k < 95) return { op: 'length', at, width: ([1, 2, 2, 2, 4] as const)[r.below(5)], le: r.chance(0.2), how: LENGTH_EDITS[r.below(LENGTH_EDITS.length)] };
  return { op: 'repeat', at, n: 1 + r.below(64), times: 1 + r.below(8) };
}

/** Printable form of a mutation list (for regression notes). */
export function describeMutations(ms: readonly Mutation[]): string {
  return ms
    .map((m) => {
      const { op, ...rest } = m;
      const fields = Object.entries(rest).map(([k, v]) => `${k}=${v instanceof Uint8Array ? Buffer.from(v).toString('hex') : String(v)}`);
      return `${op}(${fields.join(',')})`;
    })
    .join(' ');
}
