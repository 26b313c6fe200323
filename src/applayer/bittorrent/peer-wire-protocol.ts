/**
 * BitTorrent's peer wire as a TCP protocol recognised by its first bytes (tcp-protocols.ts): a stream
 * that starts with the handshake's 0x13 "BitTorrent protocol", in either direction. Both directions
 * are read by one PeerWire, which reports the connection as a `bt-peer-wire` fact.
 */
import { DIR_DONE, type DirParser } from '../parser.js';
import type { TcpProtocol, TcpSessionHandle } from '../tcp-protocols.js';
import { PROTOCOL, startsLikeHandshake } from './peer-messages.js';
import { PeerWire } from './peer-wire.js';

export const BITTORRENT_TCP: TcpProtocol = {
  name: 'bittorrent',
  sniffBytes: PROTOCOL.length,
  sniff(buf, off, len) {
    if (!startsLikeHandshake(buf, off, len)) return 'no';
    return len >= PROTOCOL.length ? 'yes' : 'more';
  },
  open(session: TcpSessionHandle, dir: number) {
    const { ctx, flow } = session;
    const wire = new PeerWire(ctx, flow, (sides, at) => ctx.emit(flow, { kind: 'bt-peer-wire', transport: 'tcp', via: 'handshake', sides, at }));
    return { parser: new PeerWireDirection(wire, dir, true), other: new PeerWireDirection(wire, 1 - dir, false) };
  },
};

/**
 * One direction of a TCP peer connection. The direction whose handshake was recognised owns the
 * connection: when it closes, the connection's facts are reported whatever the other side did.
 */
export class PeerWireDirection implements DirParser {
  next: DirParser | null = null;

  constructor(private readonly wire: PeerWire, private readonly dir: number, private readonly owner: boolean) {}

  push(buf: Uint8Array, off: number, len: number): number {
    return this.wire.stream(this.dir).push(buf, off, len) ? len : DIR_DONE;
  }

  close(): void {
    this.wire.sides[this.dir].closed = true;
    this.wire.stream(this.dir).close();
    if (this.owner) this.wire.close();
  }
}
