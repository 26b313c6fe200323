/**
 * Captures with many alerting flows, for output volume and outage tests: one TCP SYN per flow from a
 * private address to a documentation address on 9001/9030 (seed 004's condition), Ethernet, classic
 * pcap (microseconds). Each SYN opens its own flow and fires tor-port-private once. Flow i comes from
 * 10.<i/65536>.<i/256>.<i> unless `repeatOf` folds flows onto fewer (source, destination) keys, so
 * the aggregation tests can make repeats.
 */
export interface CaptureSpec {
  flows: number;
  /** First packet time, seconds since the epoch. */
  startSec?: number;
  /** Time between flows, microseconds. */
  spacingUs?: number;
  /** Map flow i onto key k = keyOf(i) (same source and destination); default: every flow its own key. */
  keyOf?: (i: number) => number;
  dport?: number;
}

export interface Capture {
  /** The whole file. */
  bytes: Buffer;
  /** The 24-byte global header and each packet record, for paced feeding. */
  header: Buffer;
  records: Buffer[];
}

function ipSum(b: Buffer, off: number): number {
  let s = 0;
  for (let i = 0; i < 20; i += 2) s += b.readUInt16BE(off + i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

export function alertingCapture(spec: CaptureSpec): Capture {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  const records: Buffer[] = [];
  let tsUs = (spec.startSec ?? 1_763_870_400) * 1_000_000;
  for (let i = 0; i < spec.flows; i++) {
    const k = spec.keyOf ? spec.keyOf(i) : i;
    const src = ((10 << 24) | ((k >>> 16) & 0xff) << 16 | ((k >>> 8) & 0xff) << 8 | (k & 0xff)) >>> 0;
    const dst = (((198 << 24) | (51 << 16) | (100 << 8)) | (1 + (k % 250))) >>> 0;
    const sport = 20000 + (i % 40000);
    const len = 14 + 20 + 20;
    const rec = Buffer.alloc(16 + len);
    rec.writeUInt32LE(Math.floor(tsUs / 1e6), 0);
    rec.writeUInt32LE(tsUs % 1e6, 4);
    rec.writeUInt32LE(len, 8);
    rec.writeUInt32LE(len, 12);
    let o = 16;
    rec.writeUInt32BE(0x02000000, o); rec.writeUInt16BE(0x0001, o + 4);
    rec.writeUInt32BE(0x02000000, o + 6); rec.writeUInt16BE(0x0002, o + 10);
    rec.writeUInt16BE(0x0800, o + 12);
    o += 14;
    rec[o] = 0x45; rec.writeUInt16BE(40, o + 2); rec.writeUInt16BE(i & 0xffff, o + 4); rec.writeUInt16BE(0x4000, o + 6);
    rec[o + 8] = 64; rec[o + 9] = 6;
    rec.writeUInt32BE(src, o + 12); rec.writeUInt32BE(dst, o + 16);
    rec.writeUInt16BE(ipSum(rec, o), o + 10);
    o += 20;
    rec.writeUInt16BE(sport, o); rec.writeUInt16BE(spec.dport ?? 9001, o + 2);
    rec.writeUInt32BE(1000 + i, o + 4);
    rec[o + 12] = 0x50; rec[o + 13] = 0x02; // SYN
    rec.writeUInt16BE(64240, o + 14);
    records.push(rec);
    tsUs += spec.spacingUs ?? 1000;
  }
  return { bytes: Buffer.concat([header, ...records]), header, records };
}
