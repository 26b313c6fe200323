import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { AlertBuilder } from '../alert/ecs-alert.js';
import { enabledRules, homeNetSet, type Settings } from '../config/settings.js';
import type { Detector } from '../detect/detector.js';
import { TorHostnameDetector } from '../detect/rules/tor-hostname.js';
import { TorLinkFingerprintDetector } from '../detect/rules/tor-link-fingerprint.js';
import { TorPortPrivateDetector } from '../detect/rules/tor-port-private.js';
import { TorrentHostnameDetector } from '../detect/rules/torrent-hostname.js';
import { openOutput } from '../output/open.js';
import { OutputSet } from '../output/output.js';
import { Pipeline } from './pipeline.js';

export interface Assembled {
  pipeline: Pipeline;
  outputs: OutputSet;
  builder: AlertBuilder;
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
}

/** The detectors, in the order they run. One place to add a rule's detector. */
export function createDetectors(): Detector[] {
  return [new TorPortPrivateDetector(), new TorHostnameDetector(), new TorrentHostnameDetector(), new TorLinkFingerprintDetector()];
}

/** Build the whole pipeline from settings: outputs <- alert builder <- detectors <- flows <- decode. */
export async function assemble(o: AssembleOptions): Promise<Assembled> {
  const s = o.settings;
  const targets = s.output.length ? s.output : o.defaultOutputs;
  const opened = [];
  try {
    for (const t of targets) opened.push(await openOutput(t, o.log));
  } catch (err) {
    await Promise.all(opened.map((x) => x.close()));
    throw err;
  }
  const outputs = new OutputSet(opened);
  const builder = new AlertBuilder({
    observer: { hostname: hostname(), version: o.version, name: s.sensorName, interface: o.interfaceName },
    eventIds: o.eventIds,
    communityIdSeed: s.communityIdSeed,
  });
  const pipeline = new Pipeline({
    homeNet: homeNetSet(s),
    maxFlows: s.maxFlows,
    timeouts: s.flowTimeouts,
    detectors: createDetectors(),
    enabledRules: enabledRules(s),
    onDetection: (d) => outputs.send(builder.build(d)),
  });
  return { pipeline, outputs, builder };
}
