import { checkHeaderField, HEADER_LIMITS } from '../output/rfc5424.js';
import { parseFacility } from '../output/syslog-message.js';
import { parseSize } from '../output/target-params.js';
import { UserError } from '../util/errors.js';
import { checkCidrs, checkLogLevel, checkRuleIds, parseDuration, splitList, type Settings } from './settings.js';
import { checkAllowEntries } from '../detect/allow.js';
import type { RuleId } from '../detect/catalog.js';
import type { LogLevel } from '../log/logger.js';
import { checkSensorName } from './sensor-identity.js';

/**
 * The common options (SPEC.md), described once: flag, help text, and how a raw value (a CLI string or
 * a config-file value) lands in Settings. `torwatch replay`, `capture` and the config file share it.
 */
export interface OptionSpec {
  /** Long flag without dashes; also the config-file key. */
  key: string;
  flags: string;
  help: string;
  /** A list option accepts repeats and comma-separated values. */
  list: boolean;
  apply(s: Settings, values: string[]): string | undefined;
}

function intIn(min: number, max: number, set: (n: number) => void) {
  return (v: string[]): string | undefined => {
    const t = v[v.length - 1];
    if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) return `'${t}' is not a whole number from ${min} to ${max}`;
    set(Number(t));
    return undefined;
  };
}

/** A duration option's apply: the last value, parsed by parseDuration (its bounds unless given). */
function duration(set: (ms: number) => void, minMs?: number, maxMs?: number) {
  return (v: string[]): string | undefined => {
    const d = parseDuration(v[v.length - 1], minMs, maxMs);
    if (typeof d === 'string') return d;
    set(d);
    return undefined;
  };
}

export const COMMON_OPTIONS: OptionSpec[] = [
  {
    key: 'relays', flags: '--relays <path|url>', list: true,
    help: "Tor relay list: a file, a directory of dated consensuses, or an http(s) URL (consensus, microdesc consensus, Onionoo details, TorDNSEL, bulk exit list, relay CSV, IP/CIDR list; add #exit/#guard/#relay to say what a plain list holds); repeatable. Default: the lists 'relays update'/'relays import' put in the cache, else the snapshot shipped with torwatch; 'none': no relay set",
    apply: (s, v) => {
      s.relays.push(...v);
      // 'none' means no relay set at all; with a list beside it, one of the two is a mistake.
      if (s.relays.includes('none') && s.relays.length > 1) return "'none' (no relay set) cannot be combined with relay lists (a file named none: ./none)";
      return undefined;
    },
  },
  {
    key: 'intel', flags: '--intel <path>', list: true,
    help: 'threat-intel indicators (CSV, MISP CSV, STIX 2.1 bundle); repeatable',
    apply: (s, v) => { s.intel.push(...v); return undefined; },
  },
  {
    key: 'bridges', flags: '--bridges <path>', list: true,
    help: "Tor bridge lines the organisation knows (a torrc's or Tor Browser's 'Bridge [transport] IP:PORT [FINGERPRINT] [k=v...]' lines, the keyword optional; any transport, IPv4/IPv6), added to the built-in list of Tor Browser's bridges; repeatable",
    apply: (s, v) => { s.bridges.push(...v); return undefined; },
  },
  {
    key: 'home-net', flags: '--home-net <cidr,...>', list: true,
    help: 'the protected network (default: 10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7)',
    apply: (s, v) => {
      const list = splitList(v);
      const err = list.length ? checkCidrs(list) : 'needs at least one CIDR';
      if (!err) s.homeNet = list;
      return err;
    },
  },
  {
    key: 'output', flags: '-o, --output <target>', list: true,
    help: "where alerts go: '-' (stdout), a file, syslog+udp://host:port, syslog+tcp://, syslog+tls://, syslog:///dev/log, relp://host:port, redis://host:port/?key=K&mode=list|stream, nats://host:port/?subject=S; repeatable",
    apply: (s, v) => { s.output.push(...v); return undefined; },
  },
  {
    key: 'rules', flags: '--rules <id,...>', list: true,
    help: 'run only these rules (see `torwatch rules`)',
    apply: (s, v) => {
      const list = splitList(v);
      const err = checkRuleIds(list);
      if (!err) s.rules = list as RuleId[];
      return err;
    },
  },
  {
    key: 'disable-rules', flags: '--disable-rules <id,...>', list: true,
    help: 'do not run these rules',
    apply: (s, v) => {
      const list = splitList(v);
      const err = checkRuleIds(list);
      if (!err) s.disableRules = list as RuleId[];
      return err;
    },
  },
  {
    key: 'allow', flags: '--allow <entry>', list: true,
    help: 'exclusions: ADDR, CIDR, ADDR:PORT, [V6]:PORT, port:N[-M], domain:NAME, each optionally @RULE-ID; repeatable',
    apply: (s, v) => {
      const list = splitList(v);
      const err = checkAllowEntries(list);
      if (!err) s.allow.push(...list);
      return err;
    },
  },
  {
    key: 'log-level', flags: '--log-level <level>', list: false,
    help: 'log level for the JSON logs on stderr (fatal, error, warn, info, debug, trace, silent)',
    apply: (s, v) => {
      const t = v[v.length - 1];
      const err = checkLogLevel(t);
      if (!err) s.logLevel = t as LogLevel;
      return err;
    },
  },
  {
    key: 'max-flows', flags: '--max-flows <n>', list: false,
    help: 'cap on concurrent flows; beyond it the oldest are evicted and counted (default 200000)',
    apply: (s, v) => intIn(1, 50_000_000, (n) => { s.maxFlows = n; })(v),
  },
  {
    key: 'workers', flags: '--workers <n>', list: false,
    help: 'packet-processing threads for replay and capture (capture: one libpcap handle each, in a kernel fanout group; needs the pcap-batch backend); replay gives the same alerts whatever the number (default 1)',
    apply: (s, v) => intIn(1, 64, (n) => { s.workers = n; })(v),
  },
  {
    key: 'community-id-seed', flags: '--community-id-seed <n>', list: false,
    help: 'Community ID seed (default 0)',
    apply: (s, v) => intIn(0, 65535, (n) => { s.communityIdSeed = n; })(v),
  },
  {
    key: 'sensor-name', flags: '--sensor-name <name>', list: false,
    help: "this sensor's name: observer.name in alerts, {sensor} in redis:// keys and nats:// subjects (letters, digits, '.', '_', '-')",
    apply: (s, v) => {
      const err = checkSensorName(v[v.length - 1]);
      if (!err) s.sensorName = v[v.length - 1];
      return err;
    },
  },
  {
    key: 'progress', flags: '--progress <when>', list: false,
    help: 'progress bar on stderr: auto (a TTY and a large input), always, never',
    apply: (s, v) => {
      const t = v[v.length - 1];
      if (t !== 'auto' && t !== 'always' && t !== 'never') return `'${t}' is not one of auto, always, never`;
      s.progress = t;
      return undefined;
    },
  },
  {
    key: 'suppress-window', flags: '--suppress-window <seconds>', list: false,
    help: 'repeats of (rule, source, destination, port) within this window are counted into one summary alert (default 3600; 0 = send every match)',
    apply: (s, v) => intIn(0, 30 * 86400, (n) => { s.suppressWindow = n; })(v),
  },
  {
    key: 'rate-limit', flags: '--rate-limit <n>', list: false,
    help: 'at most n alerts per rule per minute of capture time; the rest are counted as held back (default 100; 0 = no limit)',
    apply: (s, v) => intIn(0, 10_000_000, (n) => { s.rateLimit = n; })(v),
  },
  {
    key: 'spool-dir', flags: '--spool-dir <dir>', list: false,
    help: 'where stream outputs (syslog+tcp/tls, relp, redis, nats) spool alerts their receiver has not confirmed yet, one subdirectory per output (default $STATE_DIRECTORY/spool, /var/lib/torwatch/spool as root, else ~/.local/state/torwatch/spool)',
    apply: (s, v) => { s.spoolDir = v[v.length - 1]; return undefined; },
  },
  {
    key: 'spool-size', flags: '--spool-size <bytes>', list: false,
    help: 'cap on each output\'s spool (e.g. 64M, 1G; default 256M); beyond it new alerts are dropped and counted',
    apply: (s, v) => {
      const n = parseSize(v[v.length - 1]);
      if (n === undefined || n < 65536) return `'${v[v.length - 1]}' is not a size of at least 64k (e.g. 64M, 1G)`;
      s.spoolSize = n;
      return undefined;
    },
  },
  {
    key: 'syslog-facility', flags: '--syslog-facility <name>', list: false,
    help: 'syslog facility for syslog outputs: user, daemon, auth, local0..local7 or 0-23 (default local0)',
    apply: (s, v) => {
      const n = parseFacility(v[v.length - 1]);
      if (n === undefined) return `'${v[v.length - 1]}' is not a facility name (user, daemon, auth, local0..local7, ...) or number 0-23`;
      s.syslogFacility = n;
      return undefined;
    },
  },
  {
    key: 'syslog-app-name', flags: '--syslog-app-name <name>', list: false,
    help: 'APP-NAME (RFC 5424) / tag (RFC 3164) of syslog messages (default torwatch)',
    apply: (s, v) => {
      const err = checkHeaderField('app-name', v[v.length - 1], HEADER_LIMITS.appName);
      if (!err) s.syslogAppName = v[v.length - 1];
      return err;
    },
  },
  {
    key: 'syslog-hostname', flags: '--syslog-hostname <name>', list: false,
    help: 'HOSTNAME of syslog messages (default: this host\'s name)',
    apply: (s, v) => {
      const err = checkHeaderField('hostname', v[v.length - 1], HEADER_LIMITS.hostname);
      if (!err) s.syslogHostname = v[v.length - 1];
      return err;
    },
  },
  {
    key: 'relays-cache', flags: '--relays-cache <dir>', list: false,
    help: 'where relay lists fetched from URLs are kept (default: $CACHE_DIRECTORY, $XDG_CACHE_HOME/torwatch or ~/.cache/torwatch)',
    apply: (s, v) => { s.relaysCache = v[v.length - 1]; return undefined; },
  },
  {
    key: 'relays-refresh', flags: '--relays-refresh <duration>', list: false,
    help: 'capture daemon: refetch --relays URLs and reread files this often (default 60m; 90s, 60m, 6h, 1d)',
    apply: (s, v) => duration((ms) => { s.relaysRefreshMs = ms; }, 10_000)(v),
  },
  {
    key: 'relays-stale-grace', flags: '--relays-stale-grace <duration>', list: false,
    help: 'use a consensus this long past its valid-until, marking matches stale (default 24h)',
    apply: (s, v) => duration((ms) => { s.relaysStaleGraceMs = ms; })(v),
  },
  {
    key: 'relays-early-grace', flags: '--relays-early-grace <duration>', list: false,
    help: 'use the earliest consensus for flows this long before its valid-after, saying so in the alert (default 1h; 0 = never)',
    apply: (s, v) => duration((ms) => { s.relaysEarlyGraceMs = ms; }, 0, 7 * 86_400_000)(v),
  },
  {
    key: 'relays-max-age', flags: '--relays-max-age <duration>', list: false,
    help: 'warn when the relay set is older than this; undated lists this far from the traffic are marked stale (default 3h)',
    apply: (s, v) => duration((ms) => { s.relaysMaxAgeMs = ms; }, 60_000)(v),
  },
  {
    key: 'relays-fetch-timeout', flags: '--relays-fetch-timeout <duration>', list: false,
    help: 'give up fetching a --relays URL after this long, and use its cached copy (default 60s)',
    apply: (s, v) => duration((ms) => { s.relaysFetchTimeoutMs = ms; }, 1000, 3_600_000)(v),
  },
  {
    key: 'relays-max-size', flags: '--relays-max-size <bytes>', list: false,
    help: 'largest relay list accepted from a URL, compressed or not (e.g. 128M; default 64M, room for any real relay list); a larger answer is refused and the cached copy used',
    apply: (s, v) => {
      const n = parseSize(v[v.length - 1]);
      if (n === undefined || n < 1024) return `'${v[v.length - 1]}' is not a size of at least 1k (e.g. 64M, 1G)`;
      s.relaysMaxBytes = n;
      return undefined;
    },
  },
];

/** Apply one option's raw values; a bad value is a usage error naming the option. */
export function applyOption(s: Settings, spec: OptionSpec, values: string[], origin: string): void {
  const err = spec.apply(s, values);
  if (err) throw new UserError(`${origin}: ${err}`);
}
