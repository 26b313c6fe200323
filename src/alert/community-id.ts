import { createHash } from 'node:crypto';
import { icmpPorts, type IcmpPorts } from '../flow/icmp-ports.js';
import { writeIpBytes } from '../util/ip.js';

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): SHA-1 over
 * seed(2) . saddr . daddr . proto(1) . 0(1) . sport(2) . dport(2), endpoints ordered so the smaller
 * (address, port) comes first, base64, prefixed "1:". ICMP/ICMPv6 use Zeek's type/counterpart mapping
 * and one-way messages are not reordered. Protocols without ports hash the addresses and protocol only.
 * Computed once per alert, never per packet.
 */
export interface CommunityIdTuple {
  version: number;
  /** Source and destination address words (IPv4 in word 3). */
  src: ArrayLike<number>;
  dst: ArrayLike<number>;
  proto: number;
  /** Ports; for ICMP/ICMPv6 the raw type (sport) and code (dport). */
  sport: number;
  dport: number;
}

const PORT_PROTOS = new Set([6, 17, 132, 1, 58]);

function compareEndpoints(t: CommunityIdTuple, sport: number, dport: number): number {
  const n = t.version === 4 ? 3 : 0;
  for (let i = n; i < 4; i++) {
    const a = t.src[i] >>> 0;
    const b = t.dst[i] >>> 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return sport === dport ? 0 : sport < dport ? -1 : 1;
}

export function communityId(t: CommunityIdTuple, seed = 0, base64 = true): string {
  let sport = t.sport;
  let dport = t.dport;
  let oneWay = false;
  if (t.proto === 1 || t.proto === 58) {
    const m: IcmpPorts = icmpPorts(t.proto === 58, sport, dport, { sport: 0, dport: 0, oneWay: false });
    sport = m.sport;
    dport = m.dport;
    oneWay = m.oneWay;
  }
  const hasPorts = PORT_PROTOS.has(t.proto);
  const swap = !oneWay && compareEndpoints(t, hasPorts ? sport : 0, hasPorts ? dport : 0) > 0;
  const first = swap ? t.dst : t.src;
  const second = swap ? t.src : t.dst;
  const buf = Buffer.alloc(2 + 32 + 2 + 4);
  let o = 0;
  buf.writeUInt16BE(seed & 0xffff, o);
  o += 2;
  o += writeIpBytes(buf, o, t.version, first[0], first[1], first[2], first[3]);
  o += writeIpBytes(buf, o, t.version, second[0], second[1], second[2], second[3]);
  buf[o++] = t.proto;
  buf[o++] = 0;
  if (hasPorts) {
    buf.writeUInt16BE((swap ? dport : sport) & 0xffff, o);
    buf.writeUInt16BE((swap ? sport : dport) & 0xffff, o + 2);
    o += 4;
  }
  const digest = createHash('sha1').update(buf.subarray(0, o)).digest();
  return '1:' + (base64 ? digest.toString('base64') : digest.toString('hex'));
}
