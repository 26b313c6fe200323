import ipaddr from 'ipaddr.js';

/**
 * Addresses as the pipeline holds them: a version and four 32-bit words in network order (IPv4 in
 * word 3). ipaddr.js parses and prints text at the edges (options, lists, alerts); the per-packet path
 * only compares numbers.
 */
export interface IpWords {
  version: 4 | 6;
  words: [number, number, number, number];
}

/** Parse an IPv4 or IPv6 address (zone ids and brackets refused). Returns undefined when invalid. */
export function parseIp(text: string): IpWords | undefined {
  const t = text.trim();
  if (!ipaddr.isValid(t)) return undefined;
  // ipaddr.isValid accepts shorthand IPv4 like "10.1" or "0x0a.1"; we only take four-part dotted quads.
  if (t.includes('.') && !t.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(t)) return undefined;
  const a = ipaddr.parse(t);
  if (a.kind() === 'ipv4') {
    const b = a.toByteArray();
    return { version: 4, words: [0, 0, 0, ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0] };
  }
  const b = a.toByteArray();
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) w[i] = ((b[4 * i] << 24) | (b[4 * i + 1] << 16) | (b[4 * i + 2] << 8) | b[4 * i + 3]) >>> 0;
  return { version: 6, words: w };
}

/** Text form of an address held as words: dotted quad, or RFC 5952 compressed IPv6. */
export function formatIp(version: number, w0: number, w1: number, w2: number, w3: number): string {
  if (version === 4) return `${w3 >>> 24}.${(w3 >>> 16) & 255}.${(w3 >>> 8) & 255}.${w3 & 255}`;
  const parts = [w0 >>> 16, w0 & 0xffff, w1 >>> 16, w1 & 0xffff, w2 >>> 16, w2 & 0xffff, w3 >>> 16, w3 & 0xffff];
  return ipaddr.fromByteArray(parts.flatMap((p) => [p >>> 8, p & 255])).toString();
}

/** Write an address as network-order bytes (4 or 16) into `out` at `off`; returns bytes written. */
export function writeIpBytes(out: Buffer, off: number, version: number, w0: number, w1: number, w2: number, w3: number): number {
  if (version === 4) {
    out.writeUInt32BE(w3 >>> 0, off);
    return 4;
  }
  out.writeUInt32BE(w0 >>> 0, off);
  out.writeUInt32BE(w1 >>> 0, off + 4);
  out.writeUInt32BE(w2 >>> 0, off + 8);
  out.writeUInt32BE(w3 >>> 0, off + 12);
  return 16;
}
