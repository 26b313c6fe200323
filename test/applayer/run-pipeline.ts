/**
 * Runs the real pipeline (capture reader -> decode -> flow table -> app layer -> detectors) over a
 * capture file in-process, and records every app-layer event and detection, for oracle tests that
 * compare parser output with other engines' results.
 */
import { fileURLToPath } from 'node:url';
import type { AppEvent } from '../../src/applayer/events.js';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { RULE_IDS } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/detection.js';
import type { Detector } from '../../src/detect/detector.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { emptyIntel } from '../support/empty-intel.js';
import { createDetectors } from '../../src/detect/registry.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { DEFAULT_TIMEOUTS } from '../../src/flow/table.js';
import { CidrSet } from '../../src/util/cidr.js';
import { formatIp } from '../../src/util/ip.js';

export const DATA = fileURLToPath(new URL('../../../shared/data', import.meta.url));

export interface SeenEvent {
  ev: AppEvent;
  /** "proto src:sport -> dst:dport" of the flow (initiator first). */
  flow: string;
  flowId: number;
  packet: number;
}

export interface PipelineRun {
  events: SeenEvent[];
  detections: Detection[];
  pipeline: Pipeline;
}

export function flowText(f: { proto: number; ipVersion: number; a0: number; a1: number; a2: number; a3: number; aPort: number; b0: number; b1: number; b2: number; b3: number; bPort: number }): string {
  const t = f.proto === 6 ? 'tcp' : f.proto === 17 ? 'udp' : String(f.proto);
  return `${t} ${formatIp(f.ipVersion, f.a0, f.a1, f.a2, f.a3)}:${f.aPort} -> ${formatIp(f.ipVersion, f.b0, f.b1, f.b2, f.b3)}:${f.bPort}`;
}

/**
 * Run the pipeline over `file`. A capture that is malformed part-way (some nDPI fuzz files end in a
 * truncated record) keeps what was read before the error unless `stopOnError` is true.
 */
export async function runPipeline(file: string, opts: { stopOnError?: boolean; detectors?: Detector[] } = {}): Promise<PipelineRun> {
  const events: SeenEvent[] = [];
  const detections: Detection[] = [];
  const pipeline = new Pipeline({
    homeNet: CidrSet.parse(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']),
    maxFlows: 100_000,
    timeouts: DEFAULT_TIMEOUTS,
    detectors: opts.detectors ?? createDetectors(new IntelHolder(emptyIntel())),
    enabledRules: new Set(RULE_IDS),
    onDetection: (d) => detections.push(d),
  });
  const detect = pipeline.detect;
  const orig = detect.onAppEvent.bind(detect);
  detect.onAppEvent = (flow, ev, at) => {
    events.push({ ev: JSON.parse(JSON.stringify(ev)) as AppEvent, flow: flowText(flow), flowId: flow.id, packet: at.packet });
    orig(flow, ev, at);
  };
  try {
    await readCaptureFile(file, pipeline.onFrame);
  } catch (err) {
    if (opts.stopOnError !== false) throw err;
  }
  pipeline.finish();
  return { events, detections, pipeline };
}

/** Events of one kind. */
export function ofKind<K extends AppEvent['kind']>(run: PipelineRun, kind: K): (SeenEvent & { ev: Extract<AppEvent, { kind: K }> })[] {
  return run.events.filter((e) => e.ev.kind === kind) as (SeenEvent & { ev: Extract<AppEvent, { kind: K }> })[];
}
