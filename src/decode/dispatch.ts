import type { Packet } from './packet.js';
import { AnomalyId, type AnomalyCounters } from './anomalies.js';
import { DecodeStats, Stat } from './stats.js';
import { FragmentTracker, type FragmentOptions } from './fragments.js';

/**
 * A decoder for one protocol layer. It reads `p.buf[off, end)` (already clamped by the enclosing
 * layers: captured length, then IP total length, UDP length...), fills Packet fields, and hands the
 * payload on through the Dispatcher by number (ethertype, IP protocol, UDP port), never by importing
 * the next decoder. Returns false when it recorded a fatal anomaly (the packet has no usable tuple).
 */
export type LayerDecoder = (d: Dispatcher, p: Packet, off: number, end: number) => boolean;

/** Suricata's decoder.max-layers default: deep enough for ERSPAN-in-GRE carrying VXLAN with QinQ. */
export const DEFAULT_MAX_LAYERS = 16;

/**
 * The one dispatch module: tables from link type / ethertype / IP protocol / UDP port to decoders,
 * the layer-depth cap, the counters, and the little per-packet state layers pass to each other.
 *
 * Every hand-on costs one layer; past `maxLayers` the packet is dropped with
 * decoder.too_many_layers, which bounds recursion through hostile chains (GRE in GRE in GRE...,
 * MPLS pseudowire loops). Unknown numbers are counted (unknown_ethertype, unknown_ip_protocol), not
 * errors: the packet keeps whatever tuple the enclosing layers gave it.
 */
export class Dispatcher {
  readonly stats = new DecodeStats();
  /** Same array as stats.counts, for `d.counts[Stat.x]++` in decoders. */
  readonly counts: Float64Array = this.stats.counts;

  private readonly linkTable = new Map<number, LayerDecoder>();
  private readonly etherTable = new Map<number, LayerDecoder>();
  private readonly ipTable: Array<LayerDecoder | undefined> = new Array<LayerDecoder | undefined>(256).fill(undefined);
  private readonly udpDstTable = new Map<number, LayerDecoder>();
  private readonly udpSrcTable = new Map<number, LayerDecoder>();
  private udpHeuristic: LayerDecoder | undefined;

  // ---- per-packet state, reset by begin() ----
  /**
   * True when the bytes of this packet are known to be cut short: the frame was snapped
   * (caplen < wirelen) or we are inside the first fragment of a fragmented IP datagram. Length
   * fields that point past the captured bytes are then expected, not lies.
   */
  partial = false;
  /** Set by the GRE decoder right before it hands on; consumed by that one etherType() call. */
  greFlags = -1;
  /**
   * The flags word of the GRE header directly below the layer being decoded, -1 when the layer below
   * is not GRE. ERSPAN needs its S bit (type I vs II).
   */
  greFlagsBelow = -1;

  readonly frags: FragmentTracker;
  readonly maxLayers: number;

  constructor(
    readonly anomalies: AnomalyCounters,
    opts: { maxLayers?: number; fragments?: FragmentOptions } = {},
  ) {
    this.maxLayers = opts.maxLayers ?? DEFAULT_MAX_LAYERS;
    this.frags = new FragmentTracker(this.counts, opts.fragments);
  }

  // ---- registration (start-up only) ----

  registerLinkType(linktype: number, fn: LayerDecoder): void {
    this.linkTable.set(linktype, fn);
  }

  registerEtherType(type: number, fn: LayerDecoder): void {
    this.etherTable.set(type, fn);
  }

  registerIpProto(proto: number, fn: LayerDecoder): void {
    this.ipTable[proto & 0xff] = fn;
  }

  /**
   * UDP tunnels by destination port; `alsoSource` also matches the source port (Teredo replies come
   * from 3544, GTP-U uses 2152 both ways, some VXLAN encapsulators send from 4789).
   */
  registerUdpPort(port: number, fn: LayerDecoder, alsoSource = false): void {
    this.udpDstTable.set(port, fn);
    if (alsoSource) this.udpSrcTable.set(port, fn);
  }

  /**
   * A decoder tried on UDP payloads no port claimed. It must recognize its protocol from the bytes
   * alone, return true without touching the packet when they are not its, and be cheap to reject.
   */
  registerUdpHeuristic(fn: LayerDecoder): void {
    this.udpHeuristic = fn;
  }

  // ---- per packet ----

  begin(p: Packet): void {
    this.partial = p.frame.caplen < p.frame.wirelen;
    this.greFlags = -1;
    this.greFlagsBelow = -1;
    this.frags.begin();
  }

  /** Count a fatal anomaly; decoders `return d.fail(...)`. */
  fail(id: number): false {
    this.anomalies.add(id);
    return false;
  }

  /** Count an anomaly that does not stop decoding (the packet is odd but its tuple is still right). */
  note(id: number): void {
    this.anomalies.add(id);
  }

  private enter(p: Packet): boolean {
    if (++p.layers > this.maxLayers) {
      this.counts[Stat.too_many_layers]++;
      this.anomalies.add(AnomalyId['decoder.too_many_layers']);
      return false;
    }
    return true;
  }

  // ---- hand-on ----

  link(p: Packet, linktype: number, off: number, end: number): boolean {
    const fn = this.linkTable.get(linktype);
    if (fn === undefined) return this.fail(AnomalyId['link.unsupported_linktype']);
    return this.enter(p) && fn(this, p, off, end);
  }

  etherType(p: Packet, type: number, off: number, end: number): boolean {
    this.greFlagsBelow = this.greFlags;
    this.greFlags = -1;
    const fn = this.etherTable.get(type);
    if (fn === undefined) {
      this.counts[Stat.unknown_ethertype]++;
      return true;
    }
    return this.enter(p) && fn(this, p, off, end);
  }

  ipProto(p: Packet, proto: number, off: number, end: number): boolean {
    const fn = this.ipTable[proto & 0xff];
    if (fn === undefined) {
      this.counts[Stat.unknown_ip_protocol]++;
      return true;
    }
    return this.enter(p) && fn(this, p, off, end);
  }

  /**
   * Offer a UDP payload to a tunnel decoder: by destination port, else by source port, else the
   * heuristic. Plain UDP (nobody claims it) is fine as it is.
   */
  udpPayload(p: Packet, sport: number, dport: number, off: number, end: number): boolean {
    let fn = this.udpDstTable.get(dport);
    if (fn === undefined) fn = this.udpSrcTable.get(sport);
    if (fn === undefined) fn = this.udpHeuristic;
    if (fn === undefined) return true;
    return this.enter(p) && fn(this, p, off, end);
  }
}
