import type { Flow } from '../flow/flow.js';
import { BtOpaqueScan } from './bittorrent/opaque-scan.js';
import { BITTORRENT_TCP } from './bittorrent/peer-wire-protocol.js';
import type { AppContext } from './context.js';
import type { DirParser } from './parser.js';

/**
 * A TCP protocol recognised by fixed first bytes on any port, beside TLS and HTTP (which sniff.ts knows
 * itself). One protocol folder implements this; the list below is the order they are asked.
 */
export interface TcpProtocol {
  readonly name: string;
  /** The most bytes `sniff` needs to answer 'yes' or 'no'. */
  readonly sniffBytes: number;
  /** From a direction's first bytes: 'yes', 'no', or 'more' (a prefix of this protocol's first bytes). */
  sniff(buf: Uint8Array, off: number, len: number): 'yes' | 'no' | 'more';
  /**
   * Parsers once direction `dir` was recognised: `parser` for it, and `other` for the opposite
   * direction when that one has not been recognised yet (null: it needs no bytes; undefined: let it
   * sniff on its own).
   */
  open(session: TcpSessionHandle, dir: number): { parser: DirParser; other?: DirParser | null };
}

/** What a TCP protocol's parsers may use of the session they belong to. */
export interface TcpSessionHandle {
  readonly flow: Flow;
  readonly ctx: AppContext;
  /** Bit i set when direction i's SYN was seen (its stream starts at the beginning). */
  readonly synSeen: number;
}

export const TCP_PROTOCOLS: readonly TcpProtocol[] = [BITTORRENT_TCP];

/**
 * A reader of streams that no protocol claimed, beside the opaque-stream observer (which measures
 * their shape): for protocols whose bytes appear later in the stream (BitTorrent's handshake after an
 * MSE key exchange) or that are picked up mid-stream.
 */
export interface OpaqueScan {
  direction(dir: number): DirParser;
  /** A direction that will never be read (it spoke a known protocol, or nothing). */
  closed(): void;
}

export const OPAQUE_SCANS: readonly ((session: TcpSessionHandle) => OpaqueScan)[] = [
  (s) => new BtOpaqueScan(s.ctx, s.flow, () => s.synSeen),
];
