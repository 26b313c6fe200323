/**
 * The intel's own options: the few settings that say which relay lists, indicator files and bridge
 * lines to load and how to judge their age. Intel is an early stage and does not know the whole
 * Settings (config/ is built on top of every stage); Settings has these fields, so callers pass it
 * as it is.
 */
export interface IntelOptions {
  /** --relays: files, directories, URLs, or ['none']; empty = the relay cache or the built-in snapshot. */
  relays: readonly string[];
  /** --intel: threat-intel indicator files. */
  intel: readonly string[];
  /** --bridges: bridge lines added to Tor Browser's built-in list. */
  bridges: readonly string[];
  /** --relays-cache; undefined = the default cache directory. */
  relaysCache?: string;
  relaysFetchTimeoutMs: number;
  relaysMaxBytes: number;
  relaysStaleGraceMs: number;
  relaysEarlyGraceMs: number;
  relaysMaxAgeMs: number;
}

/** What the daemon's relay refresh needs on top: how often to rebuild. */
export interface IntelRefreshOptions extends IntelOptions {
  relaysRefreshMs: number;
}
