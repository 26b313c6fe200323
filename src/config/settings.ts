import { DEFAULT_TIMEOUTS, type FlowTimeouts } from '../flow/table.js';
import { isRuleId, RULE_IDS, type RuleId } from '../detect/catalog.js';
import { LOG_LEVELS, type LogLevel } from '../log/logger.js';
import { CidrSet, parseCidr } from '../util/cidr.js';
import { defaultCaptureSettings, type CaptureSettings } from './capture-settings.js';

/**
 * Every setting torwatch has, with its default. The CLI and the config file (--config) fill the same
 * structure through the same validators (src/config/options.ts), so a key means the same thing in both.
 */
export interface Settings {
  relays: string[];
  intel: string[];
  /** Bridge lines the organisation knows (--bridges), added to the built-in list. */
  bridges: string[];
  /** The protected network (--home-net): RFC 1918 + fc00::/7 by default. */
  homeNet: string[];
  output: string[];
  /** Rules to run (--rules); empty = all. */
  rules: RuleId[];
  disableRules: RuleId[];
  allow: string[];
  logLevel: LogLevel;
  maxFlows: number;
  /** Packet-processing threads for replay and capture (--workers); undefined: one (cli/replay-sharded.ts says why). */
  workers?: number;
  flowTimeouts: FlowTimeouts;
  communityIdSeed: number;
  sensorName?: string;
  progress: 'auto' | 'always' | 'never';
  /** Aggregation: suppression window in seconds (0 = off) and alerts per rule per minute (0 = off). */
  suppressWindow: number;
  rateLimit: number;
  /** Stream outputs: parent of the per-output spool directories (default: see output/target.ts), and each spool's cap. */
  spoolDir?: string;
  spoolSize: number;
  /** Syslog header defaults for every syslog output (URL parameters override them). */
  syslogFacility: number;
  syslogAppName: string;
  syslogHostname?: string;
  /** Live capture and daemon settings (`torwatch capture`; src/config/capture-options.ts). */
  capture: CaptureSettings;
  /** Where relay lists fetched from URLs are cached (--relays-cache); undefined = the default. */
  relaysCache?: string;
  /** How often the daemon refetches --relays URLs and rereads files (--relays-refresh). */
  relaysRefreshMs: number;
  /** How long past valid-until a consensus still applies, marked stale (--relays-stale-grace). */
  relaysStaleGraceMs: number;
  /** How long before the first consensus's valid-after it already applies, marked early (--relays-early-grace). */
  relaysEarlyGraceMs: number;
  /** A relay set older than this draws a warning; undated lists this far from the traffic are stale (--relays-max-age). */
  relaysMaxAgeMs: number;
  /** Whole-request deadline of one relay-list fetch (--relays-fetch-timeout). */
  relaysFetchTimeoutMs: number;
  /** Largest relay list accepted from a URL, compressed and decompressed (--relays-max-size). */
  relaysMaxBytes: number;
}

export const DEFAULT_HOME_NET = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

export function defaultSettings(): Settings {
  return {
    relays: [],
    intel: [],
    bridges: [],
    homeNet: [...DEFAULT_HOME_NET],
    output: [],
    rules: [],
    disableRules: [],
    allow: [],
    logLevel: 'info',
    maxFlows: 200_000,
    flowTimeouts: { ...DEFAULT_TIMEOUTS },
    communityIdSeed: 0,
    progress: 'auto',
    suppressWindow: 3600,
    rateLimit: 100,
    spoolSize: 256 * 1024 * 1024,
    syslogFacility: 16,
    syslogAppName: 'torwatch',
    capture: defaultCaptureSettings(),
    relaysRefreshMs: 60 * 60_000,
    // Tor clients keep using a consensus up to 24 h past valid-until ("reasonably live").
    relaysStaleGraceMs: 24 * 3600_000,
    // A consensus lists relays that were running when it was voted: one consensus period (an hour)
    // before the first snapshot given, it still describes the network.
    relaysEarlyGraceMs: 3600_000,
    // A consensus is valid for 3 h; an hourly-refreshed set older than that has missed refreshes.
    relaysMaxAgeMs: 3 * 3600_000,
    relaysFetchTimeoutMs: 60_000,
    relaysMaxBytes: 64 * 1024 * 1024,
  };
}

/** Split "a,b , c" lists (options may also repeat). */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Validators return an error phrase (no key name; the caller adds "--home-net: ..."). */
export function checkCidrs(list: readonly string[]): string | undefined {
  for (const c of list) {
    const r = parseCidr(c);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

export function checkRuleIds(list: readonly string[]): string | undefined {
  const bad = list.filter((r) => !isRuleId(r));
  return bad.length ? `unknown rule id '${bad[0]}' (known: ${RULE_IDS.join(', ')})` : undefined;
}

export function checkLogLevel(v: string): string | undefined {
  return (LOG_LEVELS as readonly string[]).includes(v) ? undefined : `'${v}' is not a log level (${LOG_LEVELS.join(', ')})`;
}

/** Rules that will run: --rules (or all) minus --disable-rules. */
export function enabledRules(s: Settings): Set<RuleId> {
  const base: readonly RuleId[] = s.rules.length ? s.rules : RULE_IDS;
  const off = new Set(s.disableRules);
  return new Set(base.filter((r) => !off.has(r)));
}

export function homeNetSet(s: Settings): CidrSet {
  return CidrSet.parse(s.homeNet);
}

/**
 * A duration: a number with a unit s, m, h or d ("90s", "60m", "6h", "1d"); a bare number is minutes.
 * Returns milliseconds, or an error phrase.
 */
export function parseDuration(text: string, minMs = 0, maxMs = 365 * 86_400_000): number | string {
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return `'${text}' is not a duration (e.g. 90s, 60m, 6h, 1d; a bare number is minutes)`;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'm') as 's' | 'm' | 'h' | 'd'];
  const ms = Math.round(Number(m[1]) * unit);
  if (ms < minMs || ms > maxMs) return `'${text}' is out of range (${minMs / 1000} s to ${maxMs / 86_400_000} days)`;
  return ms;
}
