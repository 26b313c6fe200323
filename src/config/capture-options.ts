import { parseListenAddress } from '../metrics/address.js';
import type { OptionSpec } from './options.js';
import { splitList, type Settings } from './settings.js';

/** on/off switches: `--promisc off`, `--immediate` (alone = on), `promisc: false` in YAML. */
function onOff(set: (v: boolean) => void) {
  return (v: string[]): string | undefined => {
    const t = v[v.length - 1].toLowerCase();
    if (['on', 'yes', 'true', '1'].includes(t)) set(true);
    else if (['off', 'no', 'false', '0'].includes(t)) set(false);
    else return `'${v[v.length - 1]}' is not on or off`;
    return undefined;
  };
}

function intIn(min: number, max: number, unit: string, set: (n: number) => void) {
  return (v: string[]): string | undefined => {
    const t = v[v.length - 1];
    if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) return `'${t}' is not a whole number of ${unit} from ${min} to ${max}`;
    set(Number(t));
    return undefined;
  };
}

/**
 * Options of `torwatch capture`, described with the same OptionSpec as the common options, so each is
 * also a config-file key with the same validation (src/config/options.ts).
 */
export const CAPTURE_OPTIONS: OptionSpec[] = [
  {
    key: 'interface', flags: '-i, --interface <name>', list: true,
    help: 'capture on this interface (repeatable; see `torwatch interfaces`)',
    apply: (s: Settings, v) => {
      const list = splitList(v);
      const bad = list.find((n) => n.length > 15 || /[\s/]/.test(n));
      if (bad !== undefined) return `'${bad}' is not an interface name`;
      s.capture.interfaces = [...new Set([...s.capture.interfaces, ...list])];
      return undefined;
    },
  },
  {
    key: 'snaplen', flags: '--snaplen <bytes>', list: false,
    help: 'bytes captured per packet (default 262144, the whole packet)',
    apply: (s, v) => intIn(64, 262_144, 'bytes', (n) => { s.capture.snaplen = n; })(v),
  },
  {
    key: 'promisc', flags: '--promisc [on|off]', list: false,
    help: 'promiscuous mode (default on: a mirror port carries other hosts\' traffic)',
    apply: (s, v) => onOff((b) => { s.capture.promisc = b; })(v),
  },
  {
    key: 'buffer-size', flags: '--buffer-size <MiB>', list: false,
    help: 'kernel capture buffer per interface in MiB (default 32); absorbs bursts and reloads',
    apply: (s, v) => intIn(1, 2047, 'MiB', (n) => { s.capture.bufferMiB = n; })(v),
  },
  {
    key: 'bpf', flags: '--bpf <filter>', list: false,
    help: "BPF capture filter (pcap-filter(7)), e.g. 'tcp or udp'",
    apply: (s, v) => {
      const t = v[v.length - 1].trim();
      if (!t) return 'is empty';
      s.capture.bpf = t;
      return undefined;
    },
  },
  {
    key: 'immediate', flags: '--immediate [on|off]', list: false,
    help: 'immediate delivery: hand each packet over at once instead of by kernel buffer blocks (lower latency, more CPU)',
    apply: (s, v) => onOff((b) => { s.capture.immediate = b; })(v),
  },
  {
    key: 'capture-backend', flags: '--capture-backend <name>', list: false,
    help: 'auto (pcap-batch, else cap), pcap-batch (batched, with pcap_stats) or cap',
    apply: (s, v) => {
      const t = v[v.length - 1];
      if (t !== 'auto' && t !== 'pcap-batch' && t !== 'cap') return `'${t}' is not one of auto, pcap-batch, cap`;
      s.capture.backend = t;
      return undefined;
    },
  },
  {
    key: 'user', flags: '--user <user[:group]>', list: false,
    help: 'after opening the capture as root, drop to this user (and group; default the user\'s own)',
    apply: (s, v) => {
      const t = v[v.length - 1];
      if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?$/.test(t)) return `'${t}' is not user or user:group`;
      s.capture.user = t;
      return undefined;
    },
  },
  {
    key: 'metrics', flags: '--metrics <addr:port>', list: false,
    help: 'serve Prometheus metrics (and /healthz) on this address, e.g. 127.0.0.1:9464',
    apply: (s, v) => {
      const a = parseListenAddress(v[v.length - 1]);
      if (typeof a === 'string') return a;
      s.capture.metrics = a;
      return undefined;
    },
  },
  {
    key: 'stats-interval', flags: '--stats-interval <seconds>', list: false,
    help: 'log capture stats every N seconds (default 60; 0 = only on SIGUSR1 and at exit)',
    apply: (s, v) => intIn(0, 86_400, 'seconds', (n) => { s.capture.statsIntervalSec = n; })(v),
  },
];
