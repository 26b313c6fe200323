import { parseAddressOrCidr, type IpWords } from './ip.js';

/** A parsed CIDR block: network words (host bits cleared) and mask words. */
export interface Cidr extends IpWords {
  prefix: number;
  mask: [number, number, number, number];
  /** The text as given, for messages. */
  text: string;
}

function maskOf(version: 4 | 6, prefix: number): [number, number, number, number] {
  const m: [number, number, number, number] = [0, 0, 0, 0];
  const first = version === 4 ? 3 : 0;
  let left = prefix;
  for (let i = first; i < 4; i++) {
    const take = Math.min(32, Math.max(0, left));
    m[i] = take === 0 ? 0 : take === 32 ? 0xffffffff : (0xffffffff << (32 - take)) >>> 0;
    left -= take;
  }
  return m;
}

/**
 * Parse "10.0.0.0/8", "2001:db8::/32" or a bare address (a /32 or /128) with util/ip.ts's parser (the
 * one --allow, relay lists and intel use). Returns an error string instead of throwing, so callers can
 * name the option, file and line in their own message.
 */
export function parseCidr(text: string): Cidr | string {
  const t = text.trim();
  const a = parseAddressOrCidr(t);
  if (typeof a === 'string') return a;
  return { version: a.version, words: a.words, prefix: a.prefix, mask: maskOf(a.version, a.prefix), text: t };
}

/**
 * A small set of CIDR blocks tested against packet addresses (home-net, the seed's private ranges,
 * allow lists). Linear scan: these lists have tens of entries; large indicator lists use the intel
 * stage's own index.
 */
export class CidrSet {
  private readonly v4net: number[] = [];
  private readonly v4mask: number[] = [];
  private readonly v6: Cidr[] = [];
  readonly entries: Cidr[] = [];

  constructor(cidrs: Iterable<Cidr> = []) {
    for (const c of cidrs) this.add(c);
  }

  /** Build from text entries; throws Error(`'x' is not ...`) on the first bad one. */
  static parse(texts: Iterable<string>): CidrSet {
    const set = new CidrSet();
    for (const t of texts) {
      const c = parseCidr(t);
      if (typeof c === 'string') throw new Error(c);
      set.add(c);
    }
    return set;
  }

  add(c: Cidr): void {
    this.entries.push(c);
    if (c.version === 4) {
      this.v4net.push(c.words[3]);
      this.v4mask.push(c.mask[3]);
    } else this.v6.push(c);
  }

  get size(): number {
    return this.entries.length;
  }

  has4(ip: number): boolean {
    const n = this.v4net;
    const m = this.v4mask;
    for (let i = 0; i < n.length; i++) if (((ip & m[i]) >>> 0) === n[i]) return true;
    return false;
  }

  has6(w0: number, w1: number, w2: number, w3: number): boolean {
    for (const c of this.v6) {
      if (((w0 & c.mask[0]) >>> 0) === c.words[0] && ((w1 & c.mask[1]) >>> 0) === c.words[1] &&
          ((w2 & c.mask[2]) >>> 0) === c.words[2] && ((w3 & c.mask[3]) >>> 0) === c.words[3]) return true;
    }
    return false;
  }

  /** Test an address held as version + words. */
  has(version: number, w0: number, w1: number, w2: number, w3: number): boolean {
    return version === 4 ? this.has4(w3) : this.has6(w0, w1, w2, w3);
  }
}
