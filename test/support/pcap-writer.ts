/**
 * A classic pcap (microseconds, Ethernet) from frames made with test/decode/build.ts, for tests that
 * need traffic no capture in pcaps/ has (a real relay's address, a stream caught mid-way). Only written
 * to files: nothing is sent anywhere.
 */
export interface PcapFrame {
  /** Seconds since the epoch (fractions kept to the microsecond). */
  ts: number;
  data: Buffer;
}

export function pcapOf(frames: PcapFrame[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const recs = frames.map((f) => {
    const r = Buffer.alloc(16);
    const us = Math.round(f.ts * 1e6);
    r.writeUInt32LE(Math.floor(us / 1e6), 0);
    r.writeUInt32LE(us % 1e6, 4);
    r.writeUInt32LE(f.data.length, 8);
    r.writeUInt32LE(f.data.length, 12);
    return Buffer.concat([r, f.data]);
  });
  return Buffer.concat([header, ...recs]);
}
