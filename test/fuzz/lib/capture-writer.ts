/**
 * Writes frames as a capture file (regression inputs, flood captures): classic pcap with nanosecond
 * timestamps when every frame has the same link type, else pcapng with one interface per link type.
 */
import type { CaseFrame } from './pipeline-harness.js';

export const PCAP_NSEC_MAGIC = 0xa1b23c4d;

export function pcapHeader(linktype: number, snaplen = 262144): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_NSEC_MAGIC, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(snaplen, 16);
  h.writeUInt32LE(linktype, 20);
  return h;
}

export function pcapRecord(f: CaseFrame): Buffer {
  const r = Buffer.alloc(16 + f.bytes.length);
  r.writeUInt32LE(f.tsSec >>> 0, 0);
  r.writeUInt32LE(f.tsNsec >>> 0, 4);
  r.writeUInt32LE(f.bytes.length, 8);
  r.writeUInt32LE(Math.max(f.wirelen, f.bytes.length), 12);
  r.set(f.bytes, 16);
  return r;
}

function block(type: number, body: Buffer): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

export function writeCapture(frames: readonly CaseFrame[]): { bytes: Buffer; ext: 'pcap' | 'pcapng' } {
  const types = [...new Set(frames.map((f) => f.linktype))];
  if (types.length <= 1) {
    return { bytes: Buffer.concat([pcapHeader(types[0] ?? 1), ...frames.map(pcapRecord)]), ext: 'pcap' };
  }
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const parts = [block(0x0a0d0d0a, shb)];
  for (const t of types) {
    // if_tsresol = 9 (nanoseconds), then opt_endofopt.
    const idb = Buffer.alloc(8 + 8 + 4);
    idb.writeUInt16LE(t, 0);
    idb.writeUInt32LE(262144, 4);
    idb.writeUInt16LE(9, 8);
    idb.writeUInt16LE(1, 10);
    idb[12] = 9;
    parts.push(block(1, idb));
  }
  for (const f of frames) {
    const ts = BigInt(f.tsSec) * 1_000_000_000n + BigInt(f.tsNsec);
    const body = Buffer.alloc(20 + f.bytes.length);
    body.writeUInt32LE(types.indexOf(f.linktype), 0);
    body.writeUInt32LE(Number(ts >> 32n), 4);
    body.writeUInt32LE(Number(ts & 0xffffffffn), 8);
    body.writeUInt32LE(f.bytes.length, 12);
    body.writeUInt32LE(Math.max(f.wirelen, f.bytes.length), 16);
    body.set(f.bytes, 20);
    parts.push(block(6, body));
  }
  return { bytes: Buffer.concat(parts), ext: 'pcapng' };
}
