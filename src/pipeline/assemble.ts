import type { Logger } from 'pino';
import { Aggregator } from '../detect/aggregate/aggregator.js';
import { AlertBuilder } from '../alert/ecs-alert.js';
import { sensorIdentity, templateSensor } from '../config/sensor-identity.js';
import { enabledRules, homeNetSet, type Settings } from '../config/settings.js';
import { AllowList } from '../detect/allow.js';
import type { RuleId } from '../detect/catalog.js';
import { applyDomainIntel } from '../detect/domain-intel.js';
import { createDetectors } from '../detect/registry.js';
import { IntelHolder, loadIntel, type Intel } from '../intel/intel.js';
import { openOutputs } from '../output/open.js';
import { OutputSet } from '../output/output.js';
import type { CidrSet } from '../util/cidr.js';
import { Pipeline } from './pipeline.js';

export interface Assembled {
  pipeline: Pipeline;
  outputs: OutputSet;
  builder: AlertBuilder;
  aggregator: Aggregator;
  /** What detectors consult (relay set, indicators, bridges); swapped on reload and relay refresh. */
  intel: IntelHolder;
  /** The reloadable state in force (the daemon swaps it on SIGHUP through buildReloadable). */
  reloadable: ReloadableState;
}

/**
 * Everything derived from settings that the daemon may rebuild on SIGHUP without stopping capture or
 * losing flows: home-net, enabled rules, the --allow exclusions and the intel (relay sets, threat intel).
 */
export interface ReloadableState {
  homeNet: CidrSet;
  enabledRules: Set<RuleId>;
  /** Exclusions (--allow), checked by the detect engine when a rule fires. */
  allow: AllowList;
  intel: Intel;
}

/**
 * Build the reloadable state from settings, at start and on every SIGHUP. Throws a UserError naming the
 * file, line or key on bad input (a malformed relay list included); the daemon then keeps the previous
 * state and logs the error.
 */
export async function buildReloadable(s: Settings, log: Logger, version: string, signal?: AbortSignal): Promise<ReloadableState> {
  const intel = await loadIntel(s, { log, userAgent: `torwatch/${version}`, signal });
  return { homeNet: homeNetSet(s), enabledRules: enabledRules(s), allow: AllowList.parse(s.allow), intel };
}

/** Put a new reloadable state in force between two packets: the pipeline's part, the intel, and (through asm.reloadable) the exclusions. */
export function applyReloadable(asm: Assembled, state: ReloadableState): void {
  asm.pipeline.applyReloadable(state);
  asm.intel.swap(state.intel);
  asm.reloadable = state;
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

/** Build the whole pipeline from settings: outputs <- alert builder <- aggregation <- detectors <- flows <- decode. */
export async function assemble(o: AssembleOptions): Promise<Assembled> {
  const s = o.settings;
  // Intel first: a bad relay list or indicator file is a usage error before any output is opened.
  const reloadable = await buildReloadable(s, o.log, o.version);
  const intel = new IntelHolder(reloadable.intel);
  const targets = s.output.length ? s.output : o.defaultOutputs;
  // One identity for the alerts (observer.*) and the outputs (syslog HOSTNAME, {sensor} in keys and subjects).
  const id = sensorIdentity(s);
  const defaults = { spoolBase: s.spoolDir, spoolBytes: s.spoolSize, facility: s.syslogFacility, appName: s.syslogAppName, hostname: s.syslogHostname ?? id.hostname, sensor: templateSensor(id) };
  const opened = await openOutputs(targets, { log: o.log, version: o.version, defaults });
  const outputs = new OutputSet(opened);
  const builder = new AlertBuilder({
    observer: { hostname: id.hostname, version: o.version, name: id.name, interface: o.interfaceName },
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
    detectors: createDetectors(intel),
    enabledRules: reloadable.enabledRules,
    onDetection: (d) => aggregator.onDetection(d),
    // The exclusions in force: applyReloadable replaces asm.reloadable, and with it the list.
    exclude: (d) => asm.reloadable.allow.match(d),
    enrich: (d) => applyDomainIntel(d, (name, atMs) => intel.current.indicators.lookupDomain(name, atMs)),
    timer: aggregator,
  });
  const asm: Assembled = { pipeline, outputs, builder, aggregator, intel, reloadable };
  return asm;
}
