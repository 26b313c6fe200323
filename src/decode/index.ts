import type { Packet } from './packet.js';
import type { AnomalyCounters } from './anomalies.js';

/**
 * Entry point of the decode stage: link layer -> (tunnels) -> IP -> transport.
 * STUB: being implemented (see DECODE helper). The API below is the contract the pipeline uses.
 */
export class PacketDecoder {
  /** Packets decoded per protocol/layer, e.g. { ethernet: 10, ipv4: 10, tcp: 7 } (Suricata's decoder.* stats). */
  readonly stats: Record<string, number> = {};

  constructor(readonly anomalies: AnomalyCounters) {}

  /**
   * Decode `p` (already `reset()` to a frame). Returns true when the packet carries an IP flow tuple
   * (ipVersion, src, dst, proto, sport, dport) that the flow table can use; false otherwise (non-IP,
   * malformed: an anomaly was counted, or a fragment whose first fragment was never seen).
   */
  decode(_p: Packet): boolean {
    return false;
  }
}
