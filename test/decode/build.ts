/**
 * Hand-rolled packet builders for decoder unit tests. Each returns a fresh Buffer; lengths are
 * computed unless a test overrides them to lie. Checksums are left zero (decoders do not verify).
 */
import { parseIp } from '../../src/util/ip.js';

export const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export function addr(text: string): Buffer {
  const a = parseIp(text);
  if (!a) throw new Error(`bad address ${text}`);
  return a.version === 4 ? u32(a.words[3]) : cat(...a.words.map(u32));
}

const MAC_A = Buffer.from('020000000001', 'hex');
const MAC_B = Buffer.from('020000000002', 'hex');

export function eth(type: number, payload: Uint8Array): Buffer {
  return cat(MAC_B, MAC_A, u16(type), payload);
}

export function vlanTag(id: number, type: number, payload: Uint8Array, pcp = 0): Buffer {
  return cat(u16((pcp << 13) | id), u16(type), payload);
}

export interface V4 {
  src?: string;
  dst?: string;
  proto?: number;
  id?: number;
  ttl?: number;
  mf?: boolean;
  df?: boolean;
  /** Fragment offset in BYTES (multiple of 8). */
  fragOffset?: number;
  options?: Uint8Array;
  /** Override the total length field (lying lengths). */
  totalLength?: number;
  /** Override the IHL nibble. */
  ihl?: number;
  version?: number;
}

export function ipv4(o: V4, payload: Uint8Array): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  if (opts.length % 4) throw new Error('options must be padded to 4');
  const hlen = 20 + opts.length;
  const h = Buffer.alloc(20);
  h[0] = ((o.version ?? 4) << 4) | (o.ihl ?? hlen / 4);
  h.writeUInt16BE(o.totalLength ?? hlen + payload.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  h.writeUInt16BE((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | ((o.fragOffset ?? 0) >> 3), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto ?? 6;
  addr(o.src ?? '192.0.2.1').copy(h, 12);
  addr(o.dst ?? '198.51.100.2').copy(h, 16);
  return cat(h, opts, payload);
}

export interface V6 {
  src?: string;
  dst?: string;
  nh?: number;
  hlim?: number;
  plen?: number;
  version?: number;
}

export function ipv6(o: V6, payload: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h[0] = (o.version ?? 6) << 4;
  h.writeUInt16BE(o.plen ?? payload.length, 4);
  h[6] = o.nh ?? 6;
  h[7] = o.hlim ?? 64;
  return cat(h, addr(o.src ?? '2001:db8::1'), addr(o.dst ?? '2001:db8::2'), payload);
}

/** A generic IPv6 extension header ((len + 1) * 8 bytes) with next header `nh`. */
export function ext6(nh: number, body: Uint8Array = Buffer.alloc(6)): Buffer {
  const total = Math.ceil((2 + body.length) / 8) * 8;
  const b = Buffer.alloc(total);
  b[0] = nh;
  b[1] = total / 8 - 1;
  Buffer.from(body).copy(b, 2);
  return b;
}

/** IPv6 authentication header: (len + 2) * 4 bytes. */
export function ah6(nh: number, icvWords = 1): Buffer {
  const b = Buffer.alloc(12 + icvWords * 4);
  b[0] = nh;
  b[1] = (b.length >> 2) - 2;
  return b;
}

/** IPv6 fragment header; offset in bytes. */
export function frag6(nh: number, offset: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = nh;
  b.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 2);
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

export interface Tcp {
  sport?: number;
  dport?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  win?: number;
  options?: Uint8Array;
  /** Override the data-offset nibble. */
  doff?: number;
}

export function tcp(o: Tcp, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const opts = o.options ?? Buffer.alloc(0);
  const h = Buffer.alloc(20);
  h.writeUInt16BE(o.sport ?? 40000, 0);
  h.writeUInt16BE(o.dport ?? 443, 2);
  h.writeUInt32BE((o.seq ?? 1000) >>> 0, 4);
  h.writeUInt32BE((o.ack ?? 0) >>> 0, 8);
  h[12] = (o.doff ?? (20 + opts.length) / 4) << 4;
  h[13] = o.flags ?? 0x02;
  h.writeUInt16BE(o.win ?? 65535, 14);
  return cat(h, opts, payload);
}

export function udp(sport: number, dport: number, payload: Uint8Array = Buffer.alloc(0), length?: number): Buffer {
  return cat(u16(sport), u16(dport), u16(length ?? 8 + payload.length), u16(0), payload);
}

export function icmp(type: number, code: number, rest: Uint8Array = Buffer.alloc(4)): Buffer {
  return cat(Buffer.from([type, code, 0, 0]), rest);
}

export function sctp(sport: number, dport: number, chunks: Uint8Array = Buffer.alloc(0)): Buffer {
  return cat(u16(sport), u16(dport), u32(0xdeadbeef), u32(0), chunks);
}

export interface Gre {
  proto: number;
  checksum?: boolean;
  key?: number;
  seq?: number;
  version?: number;
  /** Extra raw flag bits OR-ed in (routing, recursion...). */
  extraFlags?: number;
  ack?: number;
}

export function gre(o: Gre, payload: Uint8Array): Buffer {
  let flags = (o.version ?? 0) | (o.extraFlags ?? 0);
  const parts: Buffer[] = [];
  if (o.checksum) {
    flags |= 0x8000;
    parts.push(u32(0));
  }
  if (o.key !== undefined) {
    flags |= 0x2000;
    parts.push(u32(o.key));
  }
  if (o.seq !== undefined) {
    flags |= 0x1000;
    parts.push(u32(o.seq));
  }
  if (o.ack !== undefined) {
    flags |= 0x0080;
    parts.push(u32(o.ack));
  }
  return cat(u16(flags), u16(o.proto), ...parts, payload);
}

export function mplsLabel(label: number, bottom: boolean, ttl = 64): Buffer {
  return u32(((label & 0xfffff) << 12) | (bottom ? 0x100 : 0) | ttl);
}

export function vxlan(vni: number, payload: Uint8Array, flags = 0x08): Buffer {
  return cat(Buffer.from([flags, 0, 0, 0]), u32(vni << 8), payload);
}

export function geneve(proto: number, vni: number, payload: Uint8Array, options: Uint8Array = Buffer.alloc(0), version = 0): Buffer {
  return cat(Buffer.from([(version << 6) | (options.length / 4), 0]), u16(proto), u32(vni << 8), options, payload);
}

export function erspanII(payload: Uint8Array, vlan = 0, session = 1): Buffer {
  return cat(u16((1 << 12) | vlan), u16(session), u32(0), payload);
}

export function erspanIII(payload: Uint8Array, o: { ft?: number; platform?: boolean } = {}): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE((2 << 12) | 0, 0);
  h.writeUInt16BE(1, 2);
  h[10] = ((o.ft ?? 0) & 0x1f) << 2;
  h[11] = o.platform ? 1 : 0;
  return cat(h, o.platform ? Buffer.alloc(8) : Buffer.alloc(0), payload);
}

export function gtpU(payload: Uint8Array, ext?: Uint8Array[]): Buffer {
  const hasExt = ext !== undefined && ext.length > 0;
  const opt = hasExt ? cat(Buffer.from([0, 0, 0]), Buffer.from([0x85])) : Buffer.alloc(0);
  const exts = hasExt ? cat(...ext) : Buffer.alloc(0);
  const body = cat(opt, exts, payload);
  return cat(Buffer.from([0x30 | (hasExt ? 0x04 : 0), 0xff]), u16(body.length), u32(1), body);
}

export function pppoe(payload: Uint8Array, length?: number, session = 0x1234): Buffer {
  return cat(Buffer.from([0x11, 0x00]), u16(session), u16(length ?? payload.length), payload);
}

export const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export { u16 as be16, u32 as be32 };
