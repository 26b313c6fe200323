/**
 * What a relay list says, in torwatch's own terms, independent of the format it came from. Loaders
 * (consensus.ts, onionoo.ts, ...) produce a ParsedSource; relay-set.ts indexes them.
 */

/** Relay flags as a bit set (dir-spec "known-flags"; Onionoo uses the same names). */
export const Flag = {
  Authority: 1 << 0,
  BadExit: 1 << 1,
  Exit: 1 << 2,
  Fast: 1 << 3,
  Guard: 1 << 4,
  HSDir: 1 << 5,
  MiddleOnly: 1 << 6,
  NoEdConsensus: 1 << 7,
  Running: 1 << 8,
  Stable: 1 << 9,
  StaleDesc: 1 << 10,
  Sybil: 1 << 11,
  V2Dir: 1 << 12,
  Valid: 1 << 13,
} as const;

const FLAG_BY_NAME = new Map<string, number>(Object.entries(Flag));
export const FLAG_NAMES: readonly string[] = Object.keys(Flag);

/** Bits of the flags named (unknown names are ignored: the flag set grows over Tor versions). */
export function flagBits(names: Iterable<string>): number {
  let f = 0;
  for (const n of names) f |= FLAG_BY_NAME.get(n) ?? 0;
  return f;
}

export function flagNames(bits: number): string[] {
  return FLAG_NAMES.filter((n) => (bits & Flag[n as keyof typeof Flag]) !== 0);
}

/**
 * Roles an analyst reads in an alert, derived from flags (or from what kind of list it was):
 * guard, exit, bad-exit, authority, middle (flags known, neither guard nor exit), relay (a list that
 * says only "this is a relay").
 */
export const Role = {
  Relay: 1 << 0,
  Guard: 1 << 1,
  Exit: 1 << 2,
  BadExit: 1 << 3,
  Authority: 1 << 4,
  Middle: 1 << 5,
} as const;
export const ROLE_NAMES: readonly [number, string][] = [
  [Role.Guard, 'guard'], [Role.Exit, 'exit'], [Role.BadExit, 'bad-exit'], [Role.Authority, 'authority'], [Role.Middle, 'middle'], [Role.Relay, 'relay'],
];

export function rolesFromFlags(flags: number, flagsKnown: boolean): number {
  if (!flagsKnown) return Role.Relay;
  let r = 0;
  if (flags & Flag.Guard) r |= Role.Guard;
  if (flags & Flag.Exit) r |= Role.Exit;
  if (flags & Flag.BadExit) r |= Role.BadExit | Role.Exit;
  if (flags & Flag.Authority) r |= Role.Authority;
  if ((r & (Role.Guard | Role.Exit)) === 0) r |= Role.Middle;
  return r;
}

export function roleNames(roles: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of ROLE_NAMES) if (roles & bit) out.push(name);
  // "relay" only says something when nothing more specific is known.
  return out.length > 1 ? out.filter((n) => n !== 'relay') : out;
}

export type RelayFormat =
  | 'consensus'
  | 'microdesc-consensus'
  | 'onionoo'
  | 'tordnsel'
  | 'bulk-exit-list'
  | 'relay-csv'
  | 'ip-list';

/** One address a relay is known by. */
export interface RelayAddress {
  version: 4 | 6;
  words: [number, number, number, number];
  /** 32/128 for an address; smaller for a CIDR block from a plain list. */
  prefix: number;
  /** 0 = not known / not listening. */
  orPort: number;
  dirPort: number;
  /** Set for an exit's outgoing address that is not one of its OR addresses (Onionoo, TorDNSEL). */
  exitOnly?: boolean;
  /** When this address was last seen in this role (TorDNSEL ExitAddress time). */
  seenMs?: number;
}

export interface ParsedRelay {
  nickname?: string;
  /** 40 upper-case hex digits (SHA-1 of the identity key). */
  fingerprint?: string;
  flags: number;
  /** Whether the source gives flags; otherwise `roles` comes from the kind of list. */
  flagsKnown: boolean;
  roles: number;
  addresses: RelayAddress[];
  firstSeenMs?: number;
  lastSeenMs?: number;
  running?: boolean;
}

/** Where a set of relays came from, and when it was true. */
export interface SourceInfo {
  /** File path or URL, as given. */
  name: string;
  format: RelayFormat;
  /**
   * When the list was made: a consensus's valid-after, Onionoo's relays_published, TorDNSEL's
   * Downloaded, else the file's mtime or the fetch time. Ages are measured from here.
   */
  timeMs: number;
  /** How timeMs was found, for `relays show`. */
  timeFrom: 'valid-after' | 'published' | 'downloaded' | 'mtime' | 'fetched';
  /** Dated snapshots (consensuses) only: the validity window. */
  validAfterMs?: number;
  freshUntilMs?: number;
  validUntilMs?: number;
  /** For URLs: when it was fetched, and whether this copy came from the disk cache after a failure. */
  url?: string;
  fetchedAtMs?: number;
  fromCache?: boolean;
  /** The snapshot torwatch ships (builtin.ts), used when nothing else was given or cached. */
  builtin?: boolean;
  /** Installed by `torwatch relays import`: when (the name is the path it was imported from). */
  importedAtMs?: number;
  relays: number;
  v4: number;
  v6: number;
}

export interface ParsedSource {
  info: SourceInfo;
  /** A dated snapshot applies only inside its validity window (plus grace); others apply at any time. */
  dated: boolean;
  relays: ParsedRelay[];
  /** Things worth a log line (CRLF line ends, unknown flags, a missing footer). */
  warnings: string[];
}

/** A parsed source, its relay and address counts taken from its relays. */
export function parsedSource(info: Omit<SourceInfo, 'relays' | 'v4' | 'v6'>, dated: boolean, relays: ParsedRelay[], warnings: string[]): ParsedSource {
  let v4 = 0;
  let v6 = 0;
  for (const r of relays) for (const a of r.addresses) (a.version === 4 ? v4++ : v6++);
  return { info: { ...info, relays: relays.length, v4, v6 }, dated, relays, warnings };
}

/** Fingerprint text check: 40 hex digits, optionally with a leading '$' (Tor's notation). */
export function normalizeFingerprint(s: string): string | undefined {
  const t = s.startsWith('$') ? s.slice(1) : s;
  return /^[0-9A-Fa-f]{40}$/.test(t) ? t.toUpperCase() : undefined;
}
