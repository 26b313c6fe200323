import { maskWords } from './addr.js';

/**
 * Address -> items, for the per-flow lookups of relay sets and threat-intel indicators. No strings:
 * keys are the pipeline's address words. Exact addresses live in open-addressing hash tables (one for
 * IPv4 keyed on the 32-bit number, one for IPv6 keyed on the four words); CIDR blocks live in one such
 * table per prefix length present, so a lookup costs one probe for the address plus one per distinct
 * prefix length (usually none). Several items may share an address (relays on one IP with different
 * ORPorts): they are chained in insertion order.
 */
class ExactTable {
  private keys: Uint32Array;
  /** Index of the first item for a slot; -1 = empty. */
  private heads: Int32Array;
  private bits: number;
  size = 0;

  constructor(private readonly stride: 1 | 4) {
    this.bits = 4;
    this.keys = new Uint32Array(16 * stride);
    this.heads = new Int32Array(16).fill(-1);
  }

  private slot(w0: number, w1: number, w2: number, w3: number): number {
    const h = this.stride === 1
      ? Math.imul(w3, 0x9e3779b1)
      : Math.imul(w0 ^ Math.imul(w1, 0x85ebca6b) ^ Math.imul(w2, 0xc2b2ae35) ^ Math.imul(w3, 0x27d4eb2f), 0x9e3779b1);
    return h >>> (32 - this.bits);
  }

  /** Make room for `n` keys at once (no rehashing while a known-size list is indexed). */
  reserve(n: number): void {
    let bits = this.bits;
    while ((this.size + n) * 2 > 1 << bits) bits++;
    if (bits === this.bits) return;
    this.bits = bits - 1;
    this.grow();
  }

  /** Head item index for the key, or -1. */
  find(w0: number, w1: number, w2: number, w3: number): number {
    const mask = (1 << this.bits) - 1;
    const keys = this.keys;
    const heads = this.heads;
    let i = this.slot(w0, w1, w2, w3);
    if (this.stride === 1) {
      for (;;) {
        const h = heads[i];
        if (h < 0) return -1;
        if (keys[i] === w3) return h;
        i = (i + 1) & mask;
      }
    }
    for (;;) {
      const h = heads[i];
      if (h < 0) return -1;
      const k = i << 2;
      if (keys[k] === w0 && keys[k + 1] === w1 && keys[k + 2] === w2 && keys[k + 3] === w3) return h;
      i = (i + 1) & mask;
    }
  }

  /** Set the head for a key that is not in the table yet. */
  insert(w0: number, w1: number, w2: number, w3: number, head: number): void {
    if ((this.size + 1) * 2 > 1 << this.bits) this.grow();
    this.place(w0 >>> 0, w1 >>> 0, w2 >>> 0, w3 >>> 0, head);
    this.size++;
  }

  private place(w0: number, w1: number, w2: number, w3: number, head: number): void {
    const mask = (1 << this.bits) - 1;
    let i = this.slot(w0, w1, w2, w3);
    while (this.heads[i] >= 0) i = (i + 1) & mask;
    this.heads[i] = head;
    if (this.stride === 1) this.keys[i] = w3;
    else {
      const k = i << 2;
      this.keys[k] = w0;
      this.keys[k + 1] = w1;
      this.keys[k + 2] = w2;
      this.keys[k + 3] = w3;
    }
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldHeads = this.heads;
    const s = this.stride;
    this.bits++;
    this.keys = new Uint32Array((1 << this.bits) * s);
    this.heads = new Int32Array(1 << this.bits).fill(-1);
    for (let i = 0; i < oldHeads.length; i++) {
      if (oldHeads[i] < 0) continue;
      if (s === 1) this.place(0, 0, 0, oldKeys[i], oldHeads[i]);
      else this.place(oldKeys[i * 4], oldKeys[i * 4 + 1], oldKeys[i * 4 + 2], oldKeys[i * 4 + 3], oldHeads[i]);
    }
  }
}

export class AddrTable<T> {
  readonly items: T[] = [];
  private readonly next: number[] = [];
  private readonly exact4 = new ExactTable(1);
  private readonly exact6 = new ExactTable(4);
  /** CIDR blocks by prefix length, most specific first. */
  private readonly blocks4: { prefix: number; table: ExactTable }[] = [];
  private readonly blocks6: { prefix: number; table: ExactTable }[] = [];

  /** Distinct exact IPv4 / IPv6 addresses, and CIDR blocks. */
  get v4Addresses(): number { return this.exact4.size; }
  get v6Addresses(): number { return this.exact6.size; }
  get blockCount(): number {
    let n = 0;
    for (const b of this.blocks4) n += b.table.size;
    for (const b of this.blocks6) n += b.table.size;
    return n;
  }

  /** Expected numbers of exact addresses (an upper bound is fine). */
  reserve(v4: number, v6: number): void {
    this.exact4.reserve(v4);
    this.exact6.reserve(v6);
  }

  /** Add an item for an address (prefix 32/128) or a CIDR block (words already masked or not). */
  add(version: 4 | 6, words: readonly number[], prefix: number, item: T): void {
    const idx = this.items.length;
    this.items.push(item);
    this.next.push(-1);
    const full = version === 4 ? 32 : 128;
    let table: ExactTable;
    let w = words;
    if (prefix >= full) table = version === 4 ? this.exact4 : this.exact6;
    else {
      w = maskWords(words, version, prefix);
      table = this.blockTable(version, prefix);
    }
    const head = table.find(w[0], w[1], w[2], w[3]);
    if (head < 0) {
      table.insert(w[0], w[1], w[2], w[3], idx);
      return;
    }
    let i = head;
    while (this.next[i] >= 0) i = this.next[i];
    this.next[i] = idx;
  }

  private blockTable(version: 4 | 6, prefix: number): ExactTable {
    const list = version === 4 ? this.blocks4 : this.blocks6;
    let b = list.find((x) => x.prefix === prefix);
    if (!b) {
      b = { prefix, table: new ExactTable(version === 4 ? 1 : 4) };
      list.push(b);
      list.sort((x, y) => y.prefix - x.prefix);
    }
    return b.table;
  }

  /**
   * Push every item whose address equals, or whose block contains, the given address onto `out`
   * (exact matches first, then blocks from the most specific). Returns how many were pushed. The caller
   * reuses `out`, so a lookup allocates nothing.
   */
  collect(version: number, w0: number, w1: number, w2: number, w3: number, out: T[]): number {
    const before = out.length;
    const v4 = version === 4;
    this.pushChain((v4 ? this.exact4 : this.exact6).find(v4 ? 0 : w0, v4 ? 0 : w1, v4 ? 0 : w2, w3), out);
    const blocks = v4 ? this.blocks4 : this.blocks6;
    for (let b = 0; b < blocks.length; b++) {
      const { prefix, table } = blocks[b];
      if (v4) {
        const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        this.pushChain(table.find(0, 0, 0, (w3 & m) >>> 0), out);
      } else {
        const m = maskWords([w0, w1, w2, w3], 6, prefix);
        this.pushChain(table.find(m[0], m[1], m[2], m[3]), out);
      }
    }
    return out.length - before;
  }

  /** Whether anything matches (no collection). */
  has(version: number, w0: number, w1: number, w2: number, w3: number): boolean {
    const v4 = version === 4;
    if ((v4 ? this.exact4 : this.exact6).find(v4 ? 0 : w0, v4 ? 0 : w1, v4 ? 0 : w2, w3) >= 0) return true;
    const scratch: T[] = [];
    return (v4 ? this.blocks4 : this.blocks6).length > 0 && this.collect(version, w0, w1, w2, w3, scratch) > 0;
  }

  private pushChain(head: number, out: T[]): void {
    for (let i = head; i >= 0; i = this.next[i]) out.push(this.items[i]);
  }
}
