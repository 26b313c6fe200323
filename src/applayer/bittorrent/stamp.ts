import type { AppContext } from '../context.js';
import type { BtStamp } from './events.js';

/** A copy of the app layer's current event time (zeros when the context keeps no clock). */
export function stampOf(ctx: AppContext): BtStamp {
  const at = ctx.at;
  return at ? { tsSec: at.tsSec, tsNsec: at.tsNsec, packet: at.packet } : { tsSec: 0, tsNsec: 0, packet: 0 };
}
