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
  /** The protected network (--home-net): RFC 1918 + fc00::/7 by default. */
  homeNet: string[];
  output: string[];
  /** Rules to run (--rules); empty = all. */
  rules: RuleId[];
  disableRules: RuleId[];
  allow: string[];
  logLevel: LogLevel;
  maxFlows: number;
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
}

export const DEFAULT_HOME_NET = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'];

export function defaultSettings(): Settings {
  return {
    relays: [],
    intel: [],
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
