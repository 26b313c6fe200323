import { fmix } from '../../util/hash.js';
import type { Packet } from '../../decode/packet.js';

/**
 * Which worker a decoded packet belongs to: a hash of its two addresses that is the same in either
 * direction (each address hashed alone, then combined by XOR), so both directions of a flow meet in
 * one worker. Ports are left out on purpose: an IP fragment after the first has none, and must land
 * where its flow is; tunnels are decoded first, so the hash is over the inner addresses (the flow's).
 * Keyed with a secret the merge point draws for the run and gives every worker (the same in all of
 * them), so a sender cannot choose addresses that pile onto one worker.
 */
export function shardOf(p: Packet, key: readonly number[], workers: number): number {
  const s = p.src;
  const d = p.dst;
  const h = p.ipVersion === 4
    ? addressHash4(s[3], key) ^ addressHash4(d[3], key)
    : addressHash6(s[0], s[1], s[2], s[3], key) ^ addressHash6(d[0], d[1], d[2], d[3], key);
  return fmix((h + key[2]) | 0) % workers;
}

function addressHash4(w3: number, key: readonly number[]): number {
  return fmix((fmix(key[0] ^ w3) + key[1]) | 0);
}

function addressHash6(w0: number, w1: number, w2: number, w3: number, key: readonly number[]): number {
  let h = fmix(key[0] ^ w0);
  h = fmix(((h ^ w1) + key[1]) | 0);
  h = fmix(((h ^ w2) + key[1]) | 0);
  return fmix(((h ^ w3) + key[1]) | 0);
}
