import type { Settings } from '../config/settings.js';

/**
 * Settings a SIGHUP cannot change, by config key: they shape the capture handles, the open outputs, the
 * flow table, the aggregator or the process identity. Everything else (home-net, rules, relays, intel, allow, log
 * level, stats interval) is reloaded in place.
 */
const RESTART_ONLY: Record<string, (s: Settings) => unknown> = {
  interface: (s) => s.capture.interfaces,
  snaplen: (s) => s.capture.snaplen,
  promisc: (s) => s.capture.promisc,
  'buffer-size': (s) => s.capture.bufferMiB,
  bpf: (s) => s.capture.bpf,
  immediate: (s) => s.capture.immediate,
  'capture-backend': (s) => s.capture.backend,
  user: (s) => s.capture.user,
  metrics: (s) => s.capture.metrics,
  output: (s) => s.output,
  'max-flows': (s) => s.maxFlows,
  workers: (s) => s.workers,
  'community-id-seed': (s) => s.communityIdSeed,
  'sensor-name': (s) => s.sensorName,
  // The aggregator and the open outputs are built once; they keep their queues and spools across HUP.
  'suppress-window': (s) => s.suppressWindow,
  'rate-limit': (s) => s.rateLimit,
  'spool-dir': (s) => s.spoolDir,
  'spool-size': (s) => s.spoolSize,
  'syslog-facility': (s) => s.syslogFacility,
  'syslog-app-name': (s) => s.syslogAppName,
  'syslog-hostname': (s) => s.syslogHostname,
};

/** Keys whose value differs between what runs and what the re-read config says. */
export function restartOnlyChanges(running: Settings, next: Settings): string[] {
  return Object.entries(RESTART_ONLY).filter(([, get]) => JSON.stringify(get(running)) !== JSON.stringify(get(next))).map(([k]) => k);
}
