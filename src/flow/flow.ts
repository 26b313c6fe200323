import { formatIp } from '../util/ip.js';

/**
 * One tracked connection. Endpoint A is the initiator (ECS `source`), B the responder (`destination`).
 * Fields are plain numbers so the hot path allocates nothing per packet; the object is created once
 * per flow. Direction index 0 = A->B, 1 = B->A.
 */
export const TcpState = {
  /** Not TCP, or TCP without any handshake packet seen (capture started mid-stream). */
  NONE: 0,
  SYN_SENT: 1,
  SYN_ACKED: 2,
  ESTABLISHED: 3,
  /** A FIN was seen from one side. */
  CLOSING: 4,
  /** FINs from both sides, or a RST. */
  CLOSED: 5,
} as const;
export type TcpStateValue = (typeof TcpState)[keyof typeof TcpState];

/**
 * How the initiator (A) was told: the SYN's sender; the receiver of a SYN-ACK seen first; the end
 * that is not on a likely server port when the first packet came from one (server-ports.ts: a TCP
 * connection caught mid-stream, a UDP answer seen first); else the first packet's sender.
 */
export const Initiator = { SYN: 0, SYN_ACK: 1, SERVER_PORT: 2, FIRST_PACKET: 3 } as const;
export type InitiatorValue = (typeof Initiator)[keyof typeof Initiator];
export const INITIATOR_NAMES = ['syn', 'syn-ack', 'server-port', 'first-packet'] as const;

export class Flow {
  /** Run-unique sequence number (1-based). */
  readonly id: number;
  readonly hash: number;
  readonly ipVersion: 4 | 6;
  readonly proto: number;
  // Initiator address words and port.
  a0: number; a1: number; a2: number; a3: number;
  aPort: number;
  // Responder address words and port.
  b0: number; b1: number; b2: number; b3: number;
  bPort: number;

  /** Whether A / B are inside --home-net (fixed at creation). */
  aHome = false;
  bHome = false;

  /** First/last packet time, pipeline clock (ms). The exact first timestamp is kept for ECS. */
  firstMs: number;
  lastMs: number;
  firstSec: number;
  firstNsec: number;
  lastSec: number;
  lastNsec: number;

  pktsAB = 0;
  pktsBA = 0;
  bytesAB = 0;
  bytesBA = 0;

  tcpState: TcpStateValue = TcpState.NONE;
  /** TCP flags ever seen per direction (OR of flag bytes). */
  tcpFlagsAB = 0;
  tcpFlagsBA = 0;

  /** How A was chosen (Initiator); TCP without SYN or SYN-ACK is a connection caught mid-stream. */
  initiator: InitiatorValue = Initiator.FIRST_PACKET;

  /** Bit i set when rule i (detect/catalog order) already alerted on this flow: one alert per flow. */
  fired = 0;
  /** 1-based number, within its input, of the packet that created the flow. */
  firstPacket = 0;
  /** Sharded runs: the run-wide number of this flow's latest packet (its place in its LRU list; pipeline/shard/). */
  lastOrdinal = 0;
  /** Sharded runs: the flow's slot in its worker (reused once it ends), which names it to the merge point. */
  shardSlot = 0;
  /** First and innermost VLAN ids seen on the first packet (0 = none). */
  vlanOuter = 0;
  vlanInner = 0;

  /** Per-flow state owned by later stages (app-layer parsers, detectors); opaque here. */
  app: unknown = undefined;
  detect: unknown = undefined;

  // Intrusive links, owned by FlowTable: hash-bucket chain and timeout (LRU) list.
  /** @internal */ bucketNext: Flow | null = null;
  /** @internal */ lruPrev: Flow | null = null;
  /** @internal */ lruNext: Flow | null = null;
  /** @internal timeout class index (FlowTable.TIMEOUT_CLASSES). */ tclass = 0;

  constructor(
    id: number, hash: number, ipVersion: 4 | 6, proto: number,
    a0: number, a1: number, a2: number, a3: number, aPort: number,
    b0: number, b1: number, b2: number, b3: number, bPort: number,
    tsSec: number, tsNsec: number, ms: number,
  ) {
    this.id = id;
    this.hash = hash;
    this.ipVersion = ipVersion;
    this.proto = proto;
    this.a0 = a0; this.a1 = a1; this.a2 = a2; this.a3 = a3; this.aPort = aPort;
    this.b0 = b0; this.b1 = b1; this.b2 = b2; this.b3 = b3; this.bPort = bPort;
    this.firstMs = ms;
    this.lastMs = ms;
    this.firstSec = tsSec;
    this.firstNsec = tsNsec;
    this.lastSec = tsSec;
    this.lastNsec = tsNsec;
  }

  get packets(): number {
    return this.pktsAB + this.pktsBA;
  }

  get bytes(): number {
    return this.bytesAB + this.bytesBA;
  }

  /** The initiator's address as text (ECS source.ip), for alerts and messages; never per packet. */
  srcIp(): string {
    return formatIp(this.ipVersion, this.a0, this.a1, this.a2, this.a3);
  }

  /** The responder's address as text (ECS destination.ip). */
  dstIp(): string {
    return formatIp(this.ipVersion, this.b0, this.b1, this.b2, this.b3);
  }
}

/**
 * One packet's share of a flow's counters (direction 0: initiator to responder), and its time: the
 * flow table does this for every packet it places, and a sharded run's merge point does the same on
 * its stand-in flows (pipeline/shard/merge.ts), so both count alike.
 */
export function countPacket(f: Flow, dir: number, wirelen: number, tsSec: number, tsNsec: number, nowMs: number): void {
  if (dir === 0) {
    f.pktsAB++;
    f.bytesAB += wirelen;
  } else {
    f.pktsBA++;
    f.bytesBA += wirelen;
  }
  if (tsSec > f.lastSec || (tsSec === f.lastSec && tsNsec > f.lastNsec)) {
    f.lastSec = tsSec;
    f.lastNsec = tsNsec;
  }
  f.lastMs = nowMs;
}
