import type { Packet } from './packet.js';
import type { Dispatcher } from './dispatch.js';
import { Stat } from './stats.js';

/**
 * ESP (IP protocol 50): encrypted, so the flow is (addresses, protocol 50) with no ports; counted so
 * it is not an "unknown IP protocol". The SPI stays in the payload.
 */
export function decodeEsp(d: Dispatcher, p: Packet, off: number, end: number): boolean {
  d.counts[Stat.esp]++;
  p.payOff = off;
  p.payLen = end - off;
  return true;
}
