import { randomBytes } from 'node:crypto';

/**
 * MurmurHash3's 32-bit finalizer (fmix32): spreads every input bit over the output, so numeric keys
 * (addresses, ports) can index power-of-two tables with a mask. No strings, no allocation. It is a
 * bijection with a public inverse: on its own it must never index a table whose keys a packet sender
 * chooses (see `keyedMix`).
 */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A per-process secret (crypto.randomBytes at start-up, never logged or written): every table indexed
 * by packet fields (flow table, DNS answers) mixes it in, so a sender who knows the code still cannot
 * choose addresses and ports that land in one bucket (hash flooding, as Suricata's and Zeek's seeded
 * hashes prevent). Four words: each absorption step and the final step use a different one.
 */
const SECRET = randomBytes(16);
export const HASH_KEY: readonly [number, number, number, number] = [
  SECRET.readUInt32LE(0),
  SECRET.readUInt32LE(4),
  SECRET.readUInt32LE(8),
  SECRET.readUInt32LE(12),
];

/**
 * One keyed absorption step of a seeded multiply-xorshift hash: the state and the next word go
 * through fmix together, after the secret was added. Chained (`h = keyedMix(keyedMix(K0 ^ a, b), c)`)
 * the words are combined non-linearly under the secret, so (unlike `fmix(a ^ b)`) no pair of inputs
 * collides for every key, and fmix's public inverse does not give an attacker a colliding input.
 */
export function keyedMix(h: number, w: number): number {
  return fmix(((h ^ w) + HASH_KEY[1]) | 0);
}

/** The keyed hash of one address (1 or 4 words), for tables over packet addresses. */
export function keyedAddressHash(version: number, w0: number, w1: number, w2: number, w3: number): number {
  if (version === 4) return keyedMix(fmix(HASH_KEY[0] ^ w3), HASH_KEY[2]);
  return keyedMix(keyedMix(keyedMix(fmix(HASH_KEY[0] ^ w0), w1), w2), w3);
}
