/**
 * The detect engine hands an app-layer event only to the detectors that list its kind
 * (Detector.appEvents); a detector that lists none hears every kind. The second test is the promise
 * that makes the shortcut safe: on every regression capture, the registered rules find exactly what
 * they find when every detector hears every event.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppEvent, AppEventKind, EventTime } from '../../src/applayer/events.js';
import { RULE_IDS } from '../../src/detect/catalog.js';
import type { Detector } from '../../src/detect/detector.js';
import { DetectEngine } from '../../src/detect/engine.js';
import { createDetectors } from '../../src/detect/registry.js';
import { Flow } from '../../src/flow/flow.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { runPipeline } from '../applayer/run-pipeline.js';
import { emptyIntel } from '../support/empty-intel.js';
import { PCAPS } from '../support/run-cli.js';

function listener(name: string, heard: string[], appEvents?: readonly AppEventKind[]): Detector {
  return { name, appEvents, onAppEvent: (_f, ev) => void heard.push(`${name}:${ev.kind}`) };
}

describe('app-event dispatch by kind', () => {
  it('a detector hears only the kinds it lists; one that lists none hears all, in registry order', () => {
    const heard: string[] = [];
    const e = new DetectEngine({
      detectors: [listener('tls', heard, ['tls-client-hello', 'tls-done']), listener('all', heard), listener('dns', heard, ['dns-query'])],
      enabled: new Set(RULE_IDS),
      onDetection: () => {},
    });
    const flow = new Flow(1, 0, 4, 6, 0, 0, 0, 0x0a000001, 40000, 0, 0, 0, 0xc0000201, 443, 0, 0, 0);
    const at: EventTime = { tsSec: 0, tsNsec: 0, packet: 1 };
    const events: AppEvent[] = [
      { kind: 'dns-query', names: ['example.com'], qtypes: [1], response: false, id: 1, transport: 'udp' },
      { kind: 'tls-done', clientHello: true, serverHello: false, certificate: false },
      { kind: 'stun-message', dir: 0, cls: 0, method: 1, ice: false },
      { kind: 'dns-query', names: ['example.org'], qtypes: [1], response: false, id: 2, transport: 'udp' },
    ];
    for (const ev of events) e.onAppEvent(flow, ev, at);
    expect(heard).toEqual(['all:dns-query', 'dns:dns-query', 'tls:tls-done', 'all:tls-done', 'all:stun-message', 'all:dns-query', 'dns:dns-query']);
  });

  let compared = 0;
  const captures = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
  it.each(captures)('%s: the registered rules find the same with dispatch by kind as when every detector hears every event', async (name) => {
    const file = join(PCAPS, name);
    const byKind = await runPipeline(file);
    const everyone = createDetectors(new IntelHolder(emptyIntel()));
    for (const d of everyone) Object.defineProperty(d, 'appEvents', { value: undefined });
    const all = await runPipeline(file, { detectors: everyone });
    const text = (ds: typeof byKind.detections) => ds.map((d) => `${d.rule.id} flow=${d.flow.id} packet=${d.packet} ${d.message}`);
    expect(text(byKind.detections)).toEqual(text(all.detections));
    compared += byKind.detections.length;
  });

  it('the comparison covered real detections (the captures alert)', () => {
    expect(compared).toBeGreaterThan(100);
  });
});
