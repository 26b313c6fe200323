import { endpointKey } from './address-key.js';

/**
 * Per host, the servers it reached with obfs4-shaped TCP connections (rules/obfs4-shape.ts), and how
 * those connections behaved over time: the evidence tor-obfs4 decides on. A Tor client keeps one
 * long-lived channel to its bridge and reconnects to the same address:port when it restarts; a
 * per-connection proxy (Shadowsocks and its kin) opens many short connections to its server, several
 * at once. What is kept per server: counts, the last RECENT connections' times and handshake sizes
 * (whether two overlapped, how many were short), and whether the same address:port also spoke a
 * protocol torwatch reads (TLS, HTTP, QUIC) once it had obfs4-shaped connections.
 *
 * Bounded: MAX_SERVERS per host (the server touched longest ago goes), RECENT flows per server; the
 * host table itself (HostState) is bounded and ages out on the packet clock.
 */
export const MAX_SERVERS = 32;
export const RECENT = 8;

export interface Obfs4FlowRecord {
  flowId: number;
  firstMs: number;
  lastMs: number;
  open: boolean;
  /** Bytes of the first client and server flights (the handshakes, for obfs4). */
  clientHandshake: number;
  serverHandshake: number;
}

export class Obfs4Server {
  /** Connections with obfs4's shape to this address:port, and how many lasted long. */
  candidates = 0;
  longLived = 0;
  /** Connections to it that were measured (opaque) but did not have obfs4's shape. */
  otherOpaque = 0;
  /** The address:port also spoke TLS, HTTP or QUIC: a known protocol explains it. */
  explained = false;
  /** tor-obfs4 fired for it (once per host and server while the host is remembered). */
  alerted = false;
  firstMs: number;
  lastMs: number;
  readonly recent: Obfs4FlowRecord[] = [];

  constructor(nowMs: number, readonly display: string) {
    this.firstMs = nowMs;
    this.lastMs = nowMs;
  }

  add(r: Obfs4FlowRecord): void {
    this.candidates++;
    this.recent.push(r);
    if (this.recent.length > RECENT) this.recent.shift();
    if (r.firstMs < this.firstMs) this.firstMs = r.firstMs;
    if (r.lastMs > this.lastMs) this.lastMs = r.lastMs;
  }

  /**
   * At time `nowMs`: whether two of the recent connections overlapped in time (a per-connection proxy,
   * not a Tor channel), and how many were short (over within SHORT_MS and silent SHORT_MS since).
   * `lastMs` of open connections must be current.
   */
  pattern(nowMs: number, shortMs: number): { concurrent: boolean; short: number } {
    const spans = this.recent.filter((r) => r.firstMs <= nowMs).map((r) => [r.firstMs, Math.min(r.lastMs, nowMs)]);
    let concurrent = false;
    for (let i = 0; i < spans.length && !concurrent; i++) {
      for (let j = i + 1; j < spans.length; j++) {
        if (spans[i][0] < spans[j][1] && spans[j][0] < spans[i][1]) {
          concurrent = true;
          break;
        }
      }
    }
    let short = 0;
    for (const [a, b] of spans) if (b - a < shortMs && nowMs - b > shortMs) short++;
    return { concurrent, short };
  }
}

export class Obfs4Host {
  private readonly servers = new Map<string, Obfs4Server>();

  /** The record for a server endpoint (created), most recently used last. */
  server(v: number, w0: number, w1: number, w2: number, w3: number, port: number, display: string, nowMs: number): Obfs4Server {
    const key = endpointKey(v, w0, w1, w2, w3, port);
    let s = this.servers.get(key);
    if (s) {
      this.servers.delete(key);
    } else {
      s = new Obfs4Server(nowMs, display);
      if (this.servers.size >= MAX_SERVERS) this.servers.delete(this.servers.keys().next().value!);
    }
    this.servers.set(key, s);
    return s;
  }

  /** The record for a server endpoint if there is one (not created). */
  existing(v: number, w0: number, w1: number, w2: number, w3: number, port: number): Obfs4Server | undefined {
    return this.servers.get(endpointKey(v, w0, w1, w2, w3, port));
  }
}
