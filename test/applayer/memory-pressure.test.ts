/**
 * Issue 14 point 2 under real pressure: test/fixtures/hostile/memory-pressure.pcap.gz
 * (make_memory_pressure.py) has 320 TLS connections from 40 hosts each holding 4 KB of a ClientHello
 * that never completes, then a two-segment ClientHello for legit.onion. With a 256 KiB pool (2.5 MiB
 * would be needed to keep them all), the oldest holders are evicted (counted) and the legit hello is
 * still read and alerts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file/open.js';
import { RULE_IDS } from '../../src/detect/catalog.js';
import type { Detection } from '../../src/detect/detection.js';
import { createDetectors } from '../../src/detect/registry.js';
import { DEFAULT_TIMEOUTS } from '../../src/flow/table.js';
import { IntelHolder } from '../../src/intel/intel.js';
import { emptyIntel } from '../support/empty-intel.js';
import { Pipeline } from '../../src/pipeline/pipeline.js';
import { CidrSet } from '../../src/util/cidr.js';
import { ROOT } from '../support/paths.js';

describe('a full app-layer pool evicts its oldest holders', () => {
  it('the legit.onion hello after 320 memory-holding flows is read with a 256 KiB pool', async () => {
    const detections: Detection[] = [];
    const p = new Pipeline({
      homeNet: CidrSet.parse(['10.0.0.0/8']),
      maxFlows: 10_000,
      timeouts: DEFAULT_TIMEOUTS,
      detectors: createDetectors(new IntelHolder(emptyIntel())),
      enabledRules: new Set(RULE_IDS),
      onDetection: (d) => detections.push(d),
      appMemcap: 256 * 1024,
    });
    await readCaptureFile(join(ROOT, 'test/fixtures/hostile/memory-pressure.pcap.gz'), p.onFrame);
    const b = p.app.budget;
    expect(b.peak).toBeLessThanOrEqual(256 * 1024);
    // Hosts over their eighth of the pool lost their own oldest flows; the pool then its oldest.
    expect(b.evictions).toBeGreaterThan(200);
    expect(p.app.counters.count('stream.memcap_evicted')).toBe(b.evictions);
    expect(detections.filter((d) => d.hostname?.name === 'legit.onion')).toHaveLength(1);
    p.finish();
    expect(b.used).toBe(0);
  });
});
