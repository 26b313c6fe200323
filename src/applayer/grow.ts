/**
 * Growing a parser's buffer as bytes arrive, each growth reserved from the app-layer budget first:
 * doubling from 1 KiB up to the most the parser may hold. A message that claims a large length and
 * sends a few bytes holds about a kilobyte, not what it claimed (issue 14: reserve as bytes arrive).
 * Returns the grown buffer (the old bytes copied), or null when the budget refused the growth.
 */
export function growFor(buf: Uint8Array | null, fill: number, need: number, max: number, reserve: (n: number) => boolean): Uint8Array | null {
  const have = buf?.length ?? 0;
  if (need <= have) return buf;
  const size = Math.min(max, Math.max(need, have * 2, 1024));
  if (!reserve(size - have)) return null;
  const next = new Uint8Array(size);
  if (buf && fill > 0) next.set(buf.subarray(0, fill));
  return next;
}
