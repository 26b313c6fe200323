import type { Flow } from '../flow/flow.js';
import type { AppContext } from './context.js';

/**
 * A UDP protocol the app layer reads: it claims a flow by its first datagram with payload, then gets
 * every datagram of that flow until it says it is finished. One file per protocol folder implements
 * this; `udp-protocols.ts` lists them in the order they are asked.
 */
export interface UdpProtocol {
  readonly name: string;
  /**
   * Whether the flow's first datagram with payload (`dir` 0 = from the initiator) belongs to this
   * protocol. Cheap, and true only when the bytes are this protocol's: a datagram that merely could be
   * (a uTP header is four plausible bytes) is claimed, and the session decides over more datagrams.
   */
  claims(buf: Uint8Array, off: number, len: number, flow: Flow, dir: number): boolean;
  open(flow: Flow, ctx: AppContext): UdpSession;
}

export interface UdpSession {
  /** One datagram's payload in direction `dir` (0 = initiator -> responder). */
  datagram(buf: Uint8Array, off: number, len: number, dir: number): void;
  /** True when no further datagram is wanted: the flow then costs one comparison per packet. */
  readonly finished: boolean;
  /** The flow ended or inspection stopped: report what is pending, give back memory. Idempotent (also called after `finished`). */
  finish(): void;
}
