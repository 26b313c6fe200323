/**
 * Synthetic connections around real (mutated) application bytes: a TCP connection carrying a client
 * and a server byte stream cut into segments of chosen sizes (with optional reordering, duplicates,
 * overlapping resends and holes), or a UDP datagram exchange. Lets the fuzzer reach the app-layer
 * parsers behind reassembly with hostile bytes, whatever the original capture's segmentation was.
 */
import { eth, ipv4, tcp, udp } from '../../decode/build.js';
import type { Rng } from './mutate.js';
import type { CaseFrame } from './pipeline-harness.js';

const SYN = 2;
const ACK = 16;
const PSH = 8;
const FIN = 1;

export interface ConnSpec {
  client: string;
  server: string;
  sport: number;
  dport: number;
  clientData: Uint8Array;
  serverData?: Uint8Array;
  tsSec: number;
}

/** Build the frames of one TCP connection; `r` chooses segment sizes and disorder. */
export function tcpConnection(c: ConnSpec, r: Rng): CaseFrame[] {
  const frames: CaseFrame[] = [];
  let ns = 0;
  const push = (fromClient: boolean, seq: number, ack: number, flags: number, payload: Uint8Array = new Uint8Array(0)): void => {
    const [src, dst, sp, dp] = fromClient ? [c.client, c.server, c.sport, c.dport] : [c.server, c.client, c.dport, c.sport];
    const bytes = eth(0x0800, ipv4({ src, dst, proto: 6 }, tcp({ sport: sp, dport: dp, seq, ack, flags }, payload)));
    ns += 1_000_000;
    frames.push({ bytes, linktype: 1, tsSec: c.tsSec + Math.floor(ns / 1e9), tsNsec: ns % 1e9, wirelen: bytes.length });
  };
  const cisn = r.u32();
  const sisn = r.u32();
  push(true, cisn, 0, SYN);
  push(false, sisn, cisn + 1, SYN | ACK);
  push(true, cisn + 1, sisn + 1, ACK);
  type Seg = { fromClient: boolean; off: number; data: Uint8Array };
  const cut = (data: Uint8Array | undefined, fromClient: boolean): Seg[] => {
    const out: Seg[] = [];
    if (!data) return out;
    for (let off = 0; off < data.length; ) {
      const n = 1 + r.below(r.chance(0.3) ? 32 : 1460);
      out.push({ fromClient, off, data: data.subarray(off, off + n) });
      off += n;
    }
    return out;
  };
  // Client first, then the server's answer, as request/response protocols go.
  const segs = [...cut(c.clientData, true), ...cut(c.serverData, false)];
  // Disorder: swaps, duplicates, overlapping resends with other bytes, holes.
  const edits = r.chance(0.5) ? 0 : 1 + r.below(4);
  for (let i = 0; i < edits && segs.length > 1; i++) {
    const k = r.below(segs.length);
    const what = r.below(4);
    if (what === 0 && k + 1 < segs.length) [segs[k], segs[k + 1]] = [segs[k + 1], segs[k]];
    else if (what === 1) segs.splice(k, 0, { ...segs[k] });
    else if (what === 2) {
      const s = segs[k];
      const back = Math.min(s.off, 1 + r.below(16));
      segs.splice(k + 1, 0, { fromClient: s.fromClient, off: s.off - back, data: r.bytes(back + s.data.length) });
    } else segs.splice(k, 1);
  }
  const clientLen = c.clientData.length;
  const serverLen = c.serverData?.length ?? 0;
  for (const s of segs) {
    const seq = (s.fromClient ? cisn + 1 : sisn + 1) + s.off;
    // Acknowledge what the other side has sent "so far": everything before its first segment for a request.
    const ack = s.fromClient ? sisn + 1 : cisn + 1 + clientLen;
    push(s.fromClient, seq >>> 0, ack >>> 0, ACK | PSH, s.data);
  }
  push(true, (cisn + 1 + clientLen) >>> 0, (sisn + 1 + serverLen) >>> 0, FIN | ACK);
  push(false, (sisn + 1 + serverLen) >>> 0, (cisn + 2 + clientLen) >>> 0, FIN | ACK);
  return frames;
}

/** UDP datagrams between two endpoints (DNS, QUIC), each `[fromClient, payload]`. */
export function udpExchange(c: Omit<ConnSpec, 'clientData' | 'serverData'>, datagrams: readonly [boolean, Uint8Array][]): CaseFrame[] {
  return datagrams.map(([fromClient, payload], i) => {
    const [src, dst, sp, dp] = fromClient ? [c.client, c.server, c.sport, c.dport] : [c.server, c.client, c.dport, c.sport];
    const bytes = eth(0x0800, ipv4({ src, dst, proto: 17 }, udp(sp, dp, payload)));
    return { bytes, linktype: 1, tsSec: c.tsSec, tsNsec: (i + 1) * 1_000_000, wirelen: bytes.length };
  });
}
