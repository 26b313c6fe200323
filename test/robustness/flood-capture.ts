/**
 * A flood capture, written fast (4 MiB chunks, bytes set in place, seeded): SYNs from random private
 * sources to port 9001 of random "public" hosts (a scan, and the tor-port-private rule's worst case:
 * every packet a new flow and a match), random 5-tuples (TCP SYNs and UDP datagrams between random
 * endpoints and ports), and real frames from another capture retimed into the middle of it.
 * Addresses stay in private and documentation ranges (10/8, 172.16/12, 192.168/16; 192.0.2/24,
 * 198.51.100/24, 203.0.113/24).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { Rng } from '../fuzz/lib/mutate.js';
import type { RealFrame } from '../fuzz/lib/corpus.js';

export interface FloodSpec {
  /** SYNs to port 9001 from random private sources. */
  scanSyns: number;
  /** Packets with random 5-tuples (TCP SYN or UDP). */
  randomTuples: number;
  /** Packet time of the first packet, seconds since 1970. */
  startSec: number;
  /** The flood spans this many seconds of packet time. */
  spanSec: number;
  /** Real frames placed in the middle of the flood, keeping their own spacing. */
  hidden: RealFrame[];
  seed: number;
}

const CHUNK = 4 << 20;
const PUBLIC = [0xc0000200, 0xc6336400, 0xcb007100]; // 192.0.2.0, 198.51.100.0, 203.0.113.0

function privateAddr(r: Rng): number {
  const k = r.below(3);
  if (k === 0) return (0x0a000000 | (r.u32() & 0x00ffffff)) >>> 0;
  if (k === 1) return (0xac100000 | (r.u32() & 0x000fffff)) >>> 0;
  return (0xc0a80000 | (r.u32() & 0x0000ffff)) >>> 0;
}

function publicAddr(r: Rng): number {
  return (PUBLIC[r.below(3)] | (1 + r.below(254))) >>> 0;
}

export function writeFlood(path: string, spec: FloodSpec): { packets: number; bytes: number } {
  const r = new Rng(spec.seed);
  const fd = openSync(path, 'w');
  let buf = Buffer.alloc(CHUNK);
  let pos = 0;
  let bytes = 0;
  let packets = 0;
  const flush = (): void => {
    writeSync(fd, buf, 0, pos);
    bytes += pos;
    pos = 0;
  };
  // pcap header: microsecond, little-endian, Ethernet.
  buf.writeUInt32LE(0xa1b2c3d4, 0);
  buf.writeUInt16LE(2, 4);
  buf.writeUInt16LE(4, 6);
  buf.writeUInt32LE(262144, 16);
  buf.writeUInt32LE(1, 20);
  pos = 24;

  const record = (tsUs: number, len: number): number => {
    if (pos + 16 + len > CHUNK) flush();
    buf.writeUInt32LE(Math.floor(tsUs / 1e6), pos);
    buf.writeUInt32LE(tsUs % 1e6, pos + 4);
    buf.writeUInt32LE(len, pos + 8);
    buf.writeUInt32LE(len, pos + 12);
    packets++;
    const at = pos + 16;
    pos = at + len;
    return at;
  };

  const synthetic = (tsUs: number, src: number, dst: number, udp: boolean, sport: number, dport: number): void => {
    const l4 = udp ? 8 : 20;
    const len = 14 + 20 + l4;
    const o = record(tsUs, len);
    // Ethernet: locally administered MACs, IPv4.
    buf.writeUInt32BE(0x02000000, o);
    buf.writeUInt16BE(0x0002, o + 4);
    buf.writeUInt32BE(0x02000000, o + 6);
    buf.writeUInt16BE(0x0001, o + 10);
    buf.writeUInt16BE(0x0800, o + 12);
    const ip = o + 14;
    buf[ip] = 0x45;
    buf[ip + 1] = 0;
    buf.writeUInt16BE(20 + l4, ip + 2);
    buf.writeUInt16BE(packets & 0xffff, ip + 4);
    buf.writeUInt16BE(0x4000, ip + 6);
    buf[ip + 8] = 64;
    buf[ip + 9] = udp ? 17 : 6;
    buf.writeUInt16BE(0, ip + 10);
    buf.writeUInt32BE(src, ip + 12);
    buf.writeUInt32BE(dst, ip + 16);
    const t = ip + 20;
    buf.writeUInt16BE(sport, t);
    buf.writeUInt16BE(dport, t + 2);
    if (udp) {
      buf.writeUInt16BE(8, t + 4);
      buf.writeUInt16BE(0, t + 6);
    } else {
      buf.writeUInt32BE(r.u32(), t + 4);
      buf.writeUInt32BE(0, t + 8);
      buf[t + 12] = 0x50;
      buf[t + 13] = 0x02; // SYN
      buf.writeUInt16BE(64240, t + 14);
      buf.writeUInt32BE(0, t + 16);
    }
  };

  const total = spec.scanSyns + spec.randomTuples;
  const startUs = spec.startSec * 1e6;
  const stepUs = (spec.spanSec * 1e6) / total;
  // The hidden frames start in the middle, keeping their own spacing.
  const hidden = spec.hidden;
  const shiftUs = hidden.length ? startUs + (spec.spanSec * 1e6) / 2 - (hidden[0].tsSec * 1e6 + Math.floor(hidden[0].tsNsec / 1000)) : 0;
  let h = 0;
  let scanLeft = spec.scanSyns;
  let randomLeft = spec.randomTuples;
  for (let i = 0; i < total; i++) {
    const ts = Math.floor(startUs + i * stepUs);
    while (h < hidden.length) {
      const f = hidden[h];
      const hts = Math.floor(f.tsSec * 1e6 + Math.floor(f.tsNsec / 1000) + shiftUs);
      if (hts > ts) break;
      const o = record(hts, f.bytes.length);
      buf.set(f.bytes, o);
      h++;
    }
    if (randomLeft === 0 || (scanLeft > 0 && r.below(total) < spec.scanSyns)) {
      scanLeft--;
      synthetic(ts, privateAddr(r), publicAddr(r), false, 1024 + r.below(64512), 9001);
    } else {
      randomLeft--;
      const out = r.chance(0.5);
      const a = r.chance(0.5) ? privateAddr(r) : publicAddr(r);
      const b = r.chance(0.5) ? privateAddr(r) : publicAddr(r);
      synthetic(ts, out ? a : b, out ? b : a, r.chance(0.3), 1 + r.below(65535), 1 + r.below(65535));
    }
  }
  flush();
  closeSync(fd);
  return { packets, bytes };
}
