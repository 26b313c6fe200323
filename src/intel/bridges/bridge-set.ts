import { AddrTable } from '../addr-table.js';
import { bridgeNames, dialsAddress, type BridgeLine, type BridgeName } from './bridge-line.js';

/** Where a bridge entry came from: the built-in list, or a --bridges file. */
export interface BridgeSource {
  /** 'builtin' or the file as the user named it. */
  name: string;
  /** Built-in: the date the list was compiled; a file: its mtime (ISO 8601). */
  date: string;
  builtin: boolean;
}

export interface BridgeEntry {
  line: BridgeLine;
  source: BridgeSource;
  /** Built-in entries: still in Tor Browser's newest list, or only in older ones. User entries: current. */
  status: 'current' | 'past';
  /** Built-in entries: the tor-browser-build files that listed it (builtin.ts names them). */
  seen?: string[];
}

/** A rendezvous name with what it is for (a name can serve several transports: ajax.aspnetcdn.com). */
export interface NameEntry {
  transport: string;
  role: BridgeName['role'];
  port?: number;
  source: BridgeSource;
  status: 'current' | 'past';
}

/**
 * The bridges torwatch knows (built-in list + --bridges): an index of the address:port pairs clients
 * dial (obfs4, vanilla, ...; looked up once per flow, by the address words, never as strings) and of
 * the names meek, Snowflake, webtunnel and conjure clients contact instead. Immutable once built; a
 * reload builds a new one.
 */
export class BridgeSet {
  private readonly endpoints = new AddrTable<BridgeEntry>();
  private readonly byName = new Map<string, NameEntry[]>();
  private readonly scratch: BridgeEntry[] = [];
  readonly sources: BridgeSource[] = [];
  /** Entries with a dialed address, and names, for logs and `relays show`-style summaries. */
  endpointCount = 0;

  add(entry: BridgeEntry): void {
    const l = entry.line;
    if (dialsAddress(l.transport)) {
      this.endpoints.add(l.version, l.words, l.version === 4 ? 32 : 128, entry);
      this.endpointCount++;
    }
    for (const n of bridgeNames(l)) this.addName(n.name, { transport: l.transport, role: n.role, port: n.port, source: entry.source, status: entry.status });
  }

  addName(name: string, e: NameEntry): void {
    const key = name.toLowerCase();
    const list = this.byName.get(key);
    if (!list) this.byName.set(key, [e]);
    else if (!list.some((x) => x.transport === e.transport && x.role === e.role && x.source === e.source)) list.push(e);
  }

  addSource(s: BridgeSource): void {
    this.sources.push(s);
  }

  get nameCount(): number {
    return this.byName.size;
  }

  /**
   * The entry for a dialed address:port (one flow's responder), preferring a user's line over the
   * built-in list and a current entry over a past one. Undefined when not listed.
   */
  lookup(version: number, w0: number, w1: number, w2: number, w3: number, port: number): BridgeEntry | undefined {
    const s = this.scratch;
    s.length = 0;
    if (this.endpoints.collect(version, w0, w1, w2, w3, s) === 0) return undefined;
    let best: BridgeEntry | undefined;
    let bestScore = -1;
    for (const e of s) {
      if (e.line.port !== port) continue;
      const score = (e.source.builtin ? 0 : 2) + (e.status === 'current' ? 1 : 0);
      if (score > bestScore) {
        best = e;
        bestScore = score;
      }
    }
    s.length = 0;
    return best;
  }

  /** What a (normalised, lower-case) host name is to the bridges known, if anything. */
  name(host: string): readonly NameEntry[] | undefined {
    return this.byName.get(host);
  }
}
