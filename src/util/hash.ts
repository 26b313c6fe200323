/**
 * MurmurHash3's 32-bit finalizer (fmix32): spreads every input bit over the output, so numeric keys
 * (addresses, ports) can index power-of-two tables with a mask. No strings, no allocation.
 */
export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
