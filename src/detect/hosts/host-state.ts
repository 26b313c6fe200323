import { BitTorrentHosts } from './bittorrent.js';
import { DnsCache } from './dns-names.js';
import { HostTable } from './host-table.js';
import { Obfs4Host } from './obfs4-candidates.js';
import { SnowflakePhases } from './snowflake-phases.js';

/** Hosts with transport evidence remembered at once, and how long an idle host's evidence is kept. */
const TRANSPORT_HOSTS = 65_536;
const TRANSPORT_TTL_MS = 3_600_000;

/**
 * Everything torwatch knows across flows, in one place that every rule consults: what DNS answered
 * (address -> name) and, per host, the evidence that builds up over many flows (a host that did DHT or
 * a tracker announce, the peers it was told about; the phases of a pluggable transport). A flow-level
 * fact becomes host evidence here; a rule that decides per host reads it here.
 *
 * Rules that read or write HostState see facts in packet order. When the pipeline is sharded over
 * several workers, this state and the rules that use it stay in one place that receives every
 * worker's facts in the order one pipeline would have seen them; so they may use only the fields of
 * the Flow that identify and time it (addresses, ports, protocol, first/last time, id) and the
 * event's own fields, never parser internals.
 *
 * Every table is bounded in entries and ages out on the packet clock (a replay gives the same result
 * every time).
 */
export interface HostStateOptions {
  /** The DNS answer cache (default: 65536 entries). The fuzzer gives each short case a small one. */
  names?: DnsCache;
}

export class HostState {
  /** Address -> the name DNS resolved it from (destination.domain, hostname rules on connections). */
  readonly names: DnsCache;
  /** BitTorrent: what each host did, the peers it was told about, the listen ports it announced. */
  readonly bittorrent: BitTorrentHosts;
  /** Per host: servers reached with obfs4-shaped connections, and how those behaved (tor-obfs4). */
  readonly obfs4 = new HostTable<Obfs4Host>(TRANSPORT_HOSTS, TRANSPORT_TTL_MS, () => new Obfs4Host());
  /** Per host: the Snowflake phases seen (rendezvous, STUN to an ICE server, WebRTC DTLS), with times (tor-snowflake). */
  readonly snowflake = new HostTable<SnowflakePhases>(TRANSPORT_HOSTS, TRANSPORT_TTL_MS, () => new SnowflakePhases());

  constructor(opts: HostStateOptions = {}) {
    this.names = opts.names ?? new DnsCache();
    this.bittorrent = new BitTorrentHosts();
  }

  /** Counters for the run summary (`hosts` block). */
  summary(): Record<string, number> {
    const out: Record<string, number> = { dns_cache_inserts: this.names.inserts };
    if (this.names.evictions) out.dns_cache_evictions = this.names.evictions;
    if (this.obfs4.evictions) out.obfs4_host_evictions = this.obfs4.evictions;
    if (this.snowflake.evictions) out.snowflake_host_evictions = this.snowflake.evictions;
    return { ...out, ...this.bittorrent.summary() };
  }
}
