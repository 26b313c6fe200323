import { fmix, HASH_KEY, keyedMix } from '../util/hash.js';

/**
 * The flow table's bucket hash: symmetric (both directions of a flow give the same value, as the XOR
 * of the two endpoints' hashes) and keyed with the per-process secret, so a sender cannot pick
 * addresses and ports that share a bucket (util/hash.ts). Each endpoint's words and port are absorbed
 * one after the other through keyed mixing steps: a fixed port makes the endpoint hash a bijection of
 * the address, and no two endpoints collide for every key.
 */
export function flowHash4(s3: number, sport: number, d3: number, dport: number, proto: number): number {
  const k0 = HASH_KEY[0];
  const a = keyedMix(fmix(k0 ^ s3), sport);
  const b = keyedMix(fmix(k0 ^ d3), dport);
  return fmix(((a ^ b) + proto + HASH_KEY[3]) | 0);
}

export function flowHash6(
  s0: number, s1: number, s2: number, s3: number, sport: number,
  d0: number, d1: number, d2: number, d3: number, dport: number, proto: number,
): number {
  return fmix(((endpoint6(s0, s1, s2, s3, sport) ^ endpoint6(d0, d1, d2, d3, dport)) + proto + HASH_KEY[3]) | 0);
}

function endpoint6(w0: number, w1: number, w2: number, w3: number, port: number): number {
  return keyedMix(keyedMix(keyedMix(keyedMix(fmix(HASH_KEY[0] ^ w0), w1), w2), w3), port);
}
