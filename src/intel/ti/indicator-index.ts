import { AddrTable } from '../addr-table.js';
import type { Indicator } from './indicator.js';

/**
 * Threat-intel indicators by address (exact or CIDR, same table as the relay index: no strings per
 * lookup) and by domain name. A lookup returns the most confident indicator valid at the flow's time.
 */
export class IndicatorIndex {
  private readonly table = new AddrTable<Indicator>();
  private readonly domains = new Map<string, Indicator[]>();
  private readonly scratch: Indicator[] = [];
  size = 0;

  add(ind: Indicator): void {
    this.size++;
    if (ind.type === 'domain-name') {
      const list = this.domains.get(ind.value);
      if (list) list.push(ind);
      else this.domains.set(ind.value, [ind]);
      return;
    }
    const ip = ind.ip!;
    this.table.add(ip.version, ip.words, ip.prefix, ind);
  }

  get counts(): { v4: number; v6: number; blocks: number; domains: number } {
    return { v4: this.table.v4Addresses, v6: this.table.v6Addresses, blocks: this.table.blockCount, domains: this.domains.size };
  }

  /**
   * Best indicator for an address and the flow's port on that side at `atMs` (highest confidence;
   * unknown confidence ranks lowest). An indicator that names a port (MISP ip-dst|port, ip-src|port)
   * matches only that port: the address alone is not what it accuses.
   */
  lookupIp(version: number, w0: number, w1: number, w2: number, w3: number, port: number, atMs: number): Indicator | undefined {
    if (this.size === 0) return undefined;
    const s = this.scratch;
    s.length = 0;
    if (this.table.collect(version, w0, w1, w2, w3, s) === 0) return undefined;
    return best(s, atMs, port);
  }

  /** Best indicator for a host name or any parent domain of it (x.y.example matches y.example). */
  lookupDomain(name: string, atMs: number): Indicator | undefined {
    if (this.domains.size === 0) return undefined;
    let n = name.toLowerCase();
    if (n.endsWith('.')) n = n.slice(0, -1);
    for (;;) {
      const list = this.domains.get(n);
      const b = list ? best(list, atMs) : undefined;
      if (b) return b;
      const dot = n.indexOf('.');
      if (dot < 0) return undefined;
      n = n.slice(dot + 1);
    }
  }
}

function best(list: readonly Indicator[], atMs: number, port?: number): Indicator | undefined {
  let out: Indicator | undefined;
  for (const ind of list) {
    if (ind.port !== undefined && ind.port !== port) continue;
    if (ind.validFromMs !== undefined && atMs < ind.validFromMs) continue;
    if (ind.validUntilMs !== undefined && atMs > ind.validUntilMs) continue;
    if (!out || (ind.confidence ?? -1) > (out.confidence ?? -1)) out = ind;
  }
  return out;
}
