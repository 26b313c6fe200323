import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Aggregator } from '../aggregate/aggregator.js';
import { AlertBuilder } from '../alert/ecs-alert.js';
import { enabledRules, homeNetSet, type Settings } from '../config/settings.js';
import type { RuleId } from '../detect/catalog.js';
import type { Detector } from '../detect/detector.js';
import { TorPortPrivateDetector } from '../detect/rules/tor-port-private.js';
import { openOutputs } from '../output/open.js';
import { OutputSet } from '../output/output.js';
import type { CidrSet } from '../util/cidr.js';
import { Pipeline } from './pipeline.js';

export interface Assembled {
  pipeline: Pipeline;
  outputs: OutputSet;
  builder: AlertBuilder;
  aggregator: Aggregator;
  /** The reloadable state in force (the daemon swaps it on SIGHUP through buildReloadable). */
  reloadable: ReloadableState;
}

/**
 * Everything derived from settings that the daemon may rebuild on SIGHUP without stopping capture or
 * losing flows. Relay sets, threat intel and --allow exclusions belong here too (their loaders plug into
 * buildReloadable); the pipeline takes a new state through Pipeline.applyReloadable.
 */
export interface ReloadableState {
  homeNet: CidrSet;
  enabledRules: Set<RuleId>;
  /** When the relay set in force was published or fetched (ms since the epoch): the relay-set age metric. */
  relaySetTimeMs?: number;
}

/**
 * Build the reloadable state from settings, at start and on every SIGHUP. Throws a UserError naming the
 * file, line or key on bad input; the daemon then keeps the previous state and logs the error.
 */
export async function buildReloadable(s: Settings, _log: Logger): Promise<ReloadableState> {
  return { homeNet: homeNetSet(s), enabledRules: enabledRules(s) };
}

export interface AssembleOptions {
  settings: Settings;
  log: Logger;
  version: string;
  /** Outputs when none is configured (replay: stdout). */
  defaultOutputs: string[];
  eventIds: 'deterministic' | 'random';
  /** Capture interface name for observer.ingress.interface.name (live capture). */
  interfaceName?: string;
  /** Live capture on several interfaces: each alert names the interface its packet came from. */
  ingressFromInput?: boolean;
}

/** The detectors, in the order they run. One place to add a rule's detector. */
export function createDetectors(): Detector[] {
  return [new TorPortPrivateDetector()];
}

/** Build the whole pipeline from settings: outputs <- alert builder <- detectors <- flows <- decode. */
export async function assemble(o: AssembleOptions): Promise<Assembled> {
  const s = o.settings;
  const reloadable = await buildReloadable(s, o.log);
  const targets = s.output.length ? s.output : o.defaultOutputs;
  const defaults = { spoolBase: s.spoolDir, spoolBytes: s.spoolSize, facility: s.syslogFacility, appName: s.syslogAppName, hostname: s.syslogHostname };
  const opened = await openOutputs(targets, { log: o.log, version: o.version, defaults });
  const outputs = new OutputSet(opened);
  const builder = new AlertBuilder({
    observer: { hostname: hostname(), version: o.version, name: s.sensorName, interface: o.interfaceName },
    eventIds: o.eventIds,
    communityIdSeed: s.communityIdSeed,
    ingressFromInput: o.ingressFromInput,
  });
  // Detections -> aggregation (suppression windows, rate limit) -> alert builder -> outputs.
  const aggregator = new Aggregator({
    windowSec: s.suppressWindow,
    ratePerMinute: s.rateLimit,
    emitAlert: (d) => {
      outputs.send(builder.build(d));
      return builder.lastEventId;
    },
    emitSummary: (sum) => outputs.send(builder.buildSummary(sum)),
    log: o.log,
  });
  const pipeline = new Pipeline({
    homeNet: reloadable.homeNet,
    maxFlows: s.maxFlows,
    timeouts: s.flowTimeouts,
    detectors: createDetectors(),
    enabledRules: reloadable.enabledRules,
    onDetection: (d) => aggregator.onDetection(d),
    timer: aggregator,
  });
  return { pipeline, outputs, builder, aggregator, reloadable };
}
