import { TcpFlag } from '../decode/packet.js';
import { type Flow, TcpState } from './flow.js';

/**
 * Just enough TCP state to know when a connection started and ended (for timeouts and event.end):
 * handshake, established, closing, closed. No sequence tracking; this is not a reassembler.
 *
 * @param dir 0 when the packet goes initiator -> responder, 1 otherwise.
 */
export function updateTcpState(flow: Flow, dir: number, flags: number): void {
  if (dir === 0) flow.tcpFlagsAB |= flags;
  else flow.tcpFlagsBA |= flags;

  if (flags & TcpFlag.RST) {
    flow.tcpState = TcpState.CLOSED;
    return;
  }
  switch (flow.tcpState) {
    case TcpState.NONE:
      if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN) flow.tcpState = TcpState.SYN_SENT;
      else if ((flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) flow.tcpState = TcpState.SYN_ACKED;
      else if (flags & TcpFlag.ACK) flow.tcpState = TcpState.ESTABLISHED; // picked up mid-stream
      break;
    case TcpState.SYN_SENT:
      if (dir === 1 && (flags & (TcpFlag.SYN | TcpFlag.ACK)) === (TcpFlag.SYN | TcpFlag.ACK)) flow.tcpState = TcpState.SYN_ACKED;
      break;
    case TcpState.SYN_ACKED:
      if (dir === 0 && (flags & TcpFlag.ACK) && !(flags & TcpFlag.SYN)) flow.tcpState = TcpState.ESTABLISHED;
      break;
    default:
      break;
  }
  if (flags & TcpFlag.FIN) {
    const finBoth = (flow.tcpFlagsAB & TcpFlag.FIN) !== 0 && (flow.tcpFlagsBA & TcpFlag.FIN) !== 0;
    flow.tcpState = finBoth ? TcpState.CLOSED : TcpState.CLOSING;
  }
}
