/**
 * A compact, canonical string key for an address given as words (IPv4: w3 only): what host tables
 * key their Maps on. Not for display (see util/ip.ts formatIp).
 */
export function addressKey(v: number, w0: number, w1: number, w2: number, w3: number): string {
  return v === 4 ? (w3 >>> 0).toString(36) : `${(w0 >>> 0).toString(36)}.${(w1 >>> 0).toString(36)}.${(w2 >>> 0).toString(36)}.${(w3 >>> 0).toString(36)}`;
}

/** Key for an address and a port (a peer's contact, a bridge's address:port). */
export function endpointKey(v: number, w0: number, w1: number, w2: number, w3: number, port: number): string {
  return `${addressKey(v, w0, w1, w2, w3)}:${port}`;
}
