/**
 * Tiny capture writers for tests that need a structure no tool here writes (binary if_tsresol,
 * if_tsoffset, obsolete Packet Blocks, big-endian sections, deliberate corruption). What they write is
 * checked against tshark where it matters, so the reader is not only tested against itself.
 */

export interface IdbSpec {
  linktype: number;
  snaplen?: number;
  /** if_tsresol byte (e.g. 6, 9, 0x80 | 10). */
  tsresol?: number;
  /** if_tsoffset seconds. */
  tsoffset?: bigint;
}

export type BlockSpec =
  | { kind: 'shb'; le: boolean; major?: number; minor?: number }
  | ({ kind: 'idb' } & IdbSpec)
  | { kind: 'epb'; ifId: number; ts: bigint; data: Buffer; wirelen?: number; caplen?: number }
  | { kind: 'pb'; ifId: number; ts: bigint; data: Buffer; wirelen?: number }
  | { kind: 'spb'; data: Buffer; wirelen?: number }
  | { kind: 'raw'; type: number; body: Buffer };

function pad4(b: Buffer): Buffer {
  const p = (4 - (b.length % 4)) % 4;
  return p ? Buffer.concat([b, Buffer.alloc(p)]) : b;
}

class W {
  constructor(readonly le: boolean) {}
  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }
  i64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.le) b.writeBigInt64LE(v);
    else b.writeBigInt64BE(v);
    return b;
  }
  block(type: number, body: Buffer): Buffer {
    const len = 12 + body.length;
    return Buffer.concat([this.u32(type), this.u32(len), body, this.u32(len)]);
  }
  option(code: number, value: Buffer): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), pad4(value)]);
  }
}

/** A pcapng file from a block list; each SHB switches the byte order of what follows. */
export function buildPcapng(blocks: BlockSpec[]): Buffer {
  let w = new W(true);
  const out: Buffer[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'shb': {
        w = new W(b.le);
        const body = Buffer.concat([w.u32(0x1a2b3c4d), w.u16(b.major ?? 1), w.u16(b.minor ?? 0), w.i64(-1n)]);
        out.push(w.block(0x0a0d0d0a, body));
        break;
      }
      case 'idb': {
        const opts: Buffer[] = [];
        if (b.tsresol !== undefined) opts.push(w.option(9, Buffer.from([b.tsresol])));
        if (b.tsoffset !== undefined) opts.push(w.option(14, w.i64(b.tsoffset)));
        if (opts.length) opts.push(w.option(0, Buffer.alloc(0)));
        out.push(w.block(1, Buffer.concat([w.u16(b.linktype), w.u16(0), w.u32(b.snaplen ?? 0), ...opts])));
        break;
      }
      case 'epb': {
        const body = Buffer.concat([
          w.u32(b.ifId),
          w.u32(Number(b.ts >> 32n)),
          w.u32(Number(b.ts & 0xffffffffn)),
          w.u32(b.caplen ?? b.data.length),
          w.u32(b.wirelen ?? b.data.length),
          pad4(b.data),
        ]);
        out.push(w.block(6, body));
        break;
      }
      case 'pb': {
        const body = Buffer.concat([
          w.u16(b.ifId),
          w.u16(0),
          w.u32(Number(b.ts >> 32n)),
          w.u32(Number(b.ts & 0xffffffffn)),
          w.u32(b.data.length),
          w.u32(b.wirelen ?? b.data.length),
          pad4(b.data),
        ]);
        out.push(w.block(2, body));
        break;
      }
      case 'spb':
        out.push(w.block(3, Buffer.concat([w.u32(b.wirelen ?? b.data.length), pad4(b.data)])));
        break;
      case 'raw':
        out.push(w.block(b.type, b.body));
        break;
    }
  }
  return Buffer.concat(out);
}

export interface PcapRecordSpec {
  sec: number;
  frac: number;
  data: Buffer;
  caplen?: number;
  wirelen?: number;
}

/** A classic pcap. */
export function buildPcap(opts: { le: boolean; nano?: boolean; linktype?: number; snaplen?: number; major?: number; minor?: number }, recs: PcapRecordSpec[]): Buffer {
  const w = new W(opts.le);
  const magic = opts.nano ? 0xa1b23c4d : 0xa1b2c3d4;
  const parts = [w.u32(magic), w.u16(opts.major ?? 2), w.u16(opts.minor ?? 4), w.u32(0), w.u32(0), w.u32(opts.snaplen ?? 262144), w.u32(opts.linktype ?? 1)];
  for (const r of recs) {
    parts.push(w.u32(r.sec), w.u32(r.frac), w.u32(r.caplen ?? r.data.length), w.u32(r.wirelen ?? r.data.length), r.data);
  }
  return Buffer.concat(parts);
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A plausible Ethernet/IPv4/UDP frame of `n` bytes (n >= 42), documentation addresses. */
export function udpFrame(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  const r = prng(seed);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(n - 14, 16);
  b[23] = 17;
  Buffer.from([192, 0, 2, 1, 198, 51, 100, 2]).copy(b, 26);
  return b;
}
