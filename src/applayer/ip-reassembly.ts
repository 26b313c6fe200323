import { IpProto, Packet } from '../decode/packet.js';
import type { MemoryBudget } from './memory.js';

/** Most partial datagrams one flow reassembles at once (a new one replaces the oldest). */
export const MAX_DATAGRAMS_PER_FLOW = 4;
/** Largest reassembled IP payload (an IPv4 datagram's limit; jumbograms are not followed). */
export const MAX_DATAGRAM = 65_535;
/** Most fragments one datagram may be cut into (Suricata's defrag keeps a similar bound). */
export const MAX_FRAGMENTS = 64;

/** One datagram being put back together: pieces at their offsets in the IP payload. */
interface Datagram {
  id: number;
  /** IP-payload bytes the pieces cover, and their total once the last fragment (MF clear) came. */
  pieces: { off: number; data: Uint8Array }[];
  total: number;
  held: number;
  /** From the first fragment: transport header length, and what the transport header said. */
  hdrLen: number;
  tcpSeq: number;
  tcpAck: number;
  tcpFlags: number;
}

/**
 * IP fragments of one flow put back together so the app layer reads their payload (issue 14 point 5:
 * a ClientHello, HTTP request or DNS message sent in fragments must not escape inspection). The
 * decode stage already joins every fragment to its flow (decode/fragments.ts, within its table's
 * bounds and 60 s timeout); here the bytes are kept, reserved from the app-layer budget as they
 * arrive, until the pieces cover the datagram from 0 to its end. Overlapping pieces are refused (the
 * datagram is dropped: an overlap is an evasion attempt, not something to choose a side in).
 */
export class FlowReassembly {
  private readonly datagrams: Datagram[] = [];
  /** The reassembled packet handed to the parsers (reused). */
  private readonly out = new Packet();

  constructor(private readonly budget: MemoryBudget) {}

  /**
   * One fragment `p` of the flow. Returns the whole datagram as a packet (transport payload in
   * buf[payOff, payOff + payLen), TCP fields from the first fragment), or undefined while pieces are
   * missing. `dropped` is set when a datagram had to be given up (overlap, bounds, memory).
   */
  add(p: Packet): Packet | undefined {
    this.dropped = false;
    let d = this.datagrams.find((x) => x.id === p.fragId);
    if (!d) {
      if (this.datagrams.length >= MAX_DATAGRAMS_PER_FLOW) this.drop(this.datagrams[0]);
      d = { id: p.fragId, pieces: [], total: -1, held: 0, hdrLen: -1, tcpSeq: 0, tcpAck: 0, tcpFlags: 0 };
      this.datagrams.push(d);
    }
    // Where this piece starts in the IP payload: a first fragment's payload follows its transport header.
    let off: number;
    let start: number;
    if (p.fragOffset === 0) {
      if (p.l4Off < 0) return this.fail(d);
      d.hdrLen = p.payOff - p.l4Off;
      d.tcpSeq = p.tcpSeq;
      d.tcpAck = p.tcpAck;
      d.tcpFlags = p.tcpFlags;
      off = d.hdrLen;
      start = p.payOff;
    } else {
      off = p.fragOffset;
      start = p.payOff;
    }
    const len = p.payLen;
    if (off + len > MAX_DATAGRAM || d.pieces.length >= MAX_FRAGMENTS) return this.fail(d);
    if (!p.moreFragments) {
      if (d.total >= 0 && d.total !== off + len) return this.fail(d);
      d.total = off + len;
    }
    for (const x of d.pieces) if (off < x.off + x.data.length && x.off < off + len) return this.fail(d);
    if (len > 0) {
      if (!this.budget.reserve(len)) return this.fail(d);
      d.held += len;
      d.pieces.push({ off, data: Uint8Array.from(p.buf.subarray(start, start + len)) });
    }
    if (d.total < 0 || d.hdrLen < 0) return undefined;
    // Complete when the pieces cover [hdrLen, total) without a hole.
    d.pieces.sort((a, b) => a.off - b.off);
    let at = d.hdrLen;
    for (const x of d.pieces) {
      if (x.off > at) return undefined;
      at = Math.max(at, x.off + x.data.length);
    }
    if (at < d.total) return undefined;
    const payload = Buffer.alloc(d.total - d.hdrLen);
    for (const x of d.pieces) payload.set(x.data, x.off - d.hdrLen);
    const o = this.out;
    o.reset(p.frame);
    o.ipVersion = p.ipVersion;
    o.src.set(p.src);
    o.dst.set(p.dst);
    o.proto = p.proto;
    o.sport = p.sport;
    o.dport = p.dport;
    o.encap = p.encap;
    o.tcpSeq = d.tcpSeq;
    o.tcpAck = d.tcpAck;
    o.tcpFlags = p.proto === IpProto.TCP ? d.tcpFlags : 0;
    o.buf = payload;
    o.payOff = 0;
    o.payLen = payload.length;
    o.isFragment = false;
    this.drop(d);
    return o;
  }

  /** Set by add(): a datagram was given up. */
  dropped = false;

  /** Give back everything (the flow ended). */
  close(): void {
    while (this.datagrams.length) this.drop(this.datagrams[0]);
  }

  get pending(): number {
    return this.datagrams.length;
  }

  private fail(d: Datagram): undefined {
    this.dropped = true;
    this.drop(d);
    return undefined;
  }

  private drop(d: Datagram): void {
    const i = this.datagrams.indexOf(d);
    if (i >= 0) this.datagrams.splice(i, 1);
    if (d.held) this.budget.release(d.held);
    d.held = 0;
  }
}
