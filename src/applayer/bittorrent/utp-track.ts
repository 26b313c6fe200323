/**
 * Deciding that a UDP flow carries uTP (BEP 29), over several packets, and reading the peer wire
 * inside it. A connection is set up like this:
 *
 *   initiator: recv_id = random, send_id = recv_id + 1; sends ST_SYN with connection_id = recv_id
 *   responder: recv_id = SYN.connection_id + 1, send_id = SYN.connection_id; answers ST_STATE with
 *              connection_id = send_id and ack_nr = the SYN's seq_nr
 *
 * so after the SYN the two directions use connection ids that differ by exactly one, and each side's
 * ack_nr trails the other side's seq_nr. A connection is proven when it has MIN_PACKETS packets, in
 * both directions, with paired ids, and an ack_nr that acknowledges a seq_nr the other side sent
 * (within ACK_WINDOW). A capture that starts mid-connection pairs the ids from the first packets
 * either way. One packet never proves anything: a DNS query whose id starts 0x41 has a plausible
 * header, but its answer does not pair with it.
 *
 * Each connection's ST_DATA payloads are fed in sequence order to a PeerWire (the handshake and
 * extension handshake inside); a packet out of order stops that direction (nothing is held).
 */
import type { Flow } from '../../flow/flow.js';
import type { AppContext } from '../context.js';
import type { BtPeerSide, BtStamp } from './events.js';
import { PeerWire } from './peer-wire.js';
import { stampOf } from './stamp.js';
import { UtpType, type UtpHeader } from './utp.js';

export const MAX_CONNECTIONS = 8;
export const MIN_PACKETS = 3;
/** How far (in sequence numbers) an ack may trail the other side's latest seq_nr. */
export const ACK_WINDOW = 1024;

interface Conn {
  /** The connection id each direction sends with (-1 not known yet); the SYN's own id. */
  ids: [number, number];
  synId: number;
  lastSeq: [number, number];
  /** Next ST_DATA seq_nr expected per direction (-1: none seen); a direction stops at a gap. */
  nextSeq: [number, number];
  gap: [boolean, boolean];
  dirs: number;
  packets: number;
  acked: boolean;
  firstAt: BtStamp;
  wire: PeerWire | null;
}

export type UtpReport = (sides: [BtPeerSide | null, BtPeerSide | null], at: BtStamp) => void;

export class UtpTrack {
  private readonly conns: Conn[] = [];
  /** The first proven connection (its time stamps a uTP-only report). */
  proven: Conn | null = null;
  provenCount = 0;
  packets = 0;

  constructor(private readonly ctx: AppContext, private readonly flow: Flow, private readonly onWire: UtpReport) {}

  /** One well-formed uTP packet in direction `dir`. */
  packet(h: UtpHeader, buf: Uint8Array, dir: number): void {
    this.packets++;
    const c = this.connOf(h, dir);
    if (!c) return;
    const was = proven(c);
    c.packets++;
    c.dirs |= 1 << dir;
    const other = c.lastSeq[1 - dir];
    if (other >= 0 && ((other - h.ack) & 0xffff) < ACK_WINDOW) c.acked = true;
    c.lastSeq[dir] = h.seq;
    if (h.type === UtpType.DATA) this.data(c, h, buf, dir);
    if (!was && proven(c)) this.prove(c);
  }

  /** Give back memory; report what each connection's peer wire knows. */
  finish(): void {
    for (const c of this.conns) c.wire?.close();
  }

  private prove(c: Conn): void {
    this.provenCount++;
    if (!this.proven) this.proven = c;
    c.wire?.progress();
  }

  private connOf(h: UtpHeader, dir: number): Conn | undefined {
    const id = h.connId;
    if (h.type === UtpType.SYN) {
      const again = this.conns.find((c) => c.synId === id && c.ids[dir] === ((id + 1) & 0xffff));
      if (again) return again;
      const ids: [number, number] = [-1, -1];
      ids[dir] = (id + 1) & 0xffff;
      ids[1 - dir] = id;
      return this.add(ids, id);
    }
    const known = this.conns.find((c) => c.ids[dir] === id || (c.synId === id && c.ids[dir] === ((id + 1) & 0xffff)));
    if (known) return known;
    // The other direction of a connection picked up without its SYN: ids one apart, either way.
    const pair = this.conns.find((c) => c.ids[dir] < 0 && c.ids[1 - dir] >= 0 && (((c.ids[1 - dir] - id) & 0xffff) === 1 || ((id - c.ids[1 - dir]) & 0xffff) === 1));
    if (pair) {
      pair.ids[dir] = id;
      return pair;
    }
    const ids: [number, number] = [-1, -1];
    ids[dir] = id;
    return this.add(ids, -1);
  }

  private add(ids: [number, number], synId: number): Conn | undefined {
    if (this.conns.length >= MAX_CONNECTIONS) return undefined;
    const c: Conn = { ids, synId, lastSeq: [-1, -1], nextSeq: [-1, -1], gap: [false, false], dirs: 0, packets: 0, acked: false, firstAt: stampOf(this.ctx), wire: null };
    this.conns.push(c);
    return c;
  }

  private data(c: Conn, h: UtpHeader, buf: Uint8Array, dir: number): void {
    if (c.gap[dir]) return;
    const next = c.nextSeq[dir];
    if (next >= 0 && h.seq !== next) {
      // A resend of what was read is skipped; anything ahead is a gap that ends this direction.
      if (((next - h.seq) & 0xffff) < ACK_WINDOW) return;
      c.gap[dir] = true;
      return;
    }
    c.nextSeq[dir] = (h.seq + 1) & 0xffff;
    // The report is held until the connection is proven; a connection never proven reports nothing.
    const wire = (c.wire ??= new PeerWire(this.ctx, this.flow, (sides, at) => proven(c) && (this.onWire(sides, at), true)));
    if (!wire.stream(dir).push(buf, h.payOff, h.payLen)) c.gap[dir] = true;
  }
}

function proven(c: Conn): boolean {
  return c.packets >= MIN_PACKETS && c.dirs === 3 && c.ids[0] >= 0 && c.ids[1] >= 0 && c.acked;
}
