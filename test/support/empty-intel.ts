import { loadBridges } from '../../src/intel/bridges/load.js';
import type { Intel } from '../../src/intel/intel.js';
import { RelaySet } from '../../src/intel/relays/relay-set.js';
import { IndicatorIndex } from '../../src/intel/ti/indicator-index.js';

/** No relays, no indicators, the built-in bridges: intel for detector tests. */
export function emptyIntel(): Intel {
  return { relays: RelaySet.empty(), indicators: new IndicatorIndex(), bridges: loadBridges([]), builtAtMs: Date.now(), loadMs: 0 };
}
