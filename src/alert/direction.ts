import type { Flow } from '../flow/flow.js';

export type NetworkDirection = 'outbound' | 'inbound' | 'internal' | 'external';

/** ECS network.direction from the perimeter's point of view (--home-net), initiator first. */
export function flowDirection(f: Flow): NetworkDirection {
  if (f.aHome) return f.bHome ? 'internal' : 'outbound';
  return f.bHome ? 'inbound' : 'external';
}
