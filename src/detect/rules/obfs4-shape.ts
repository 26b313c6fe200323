import type { AppEvent } from '../../applayer/events.js';

type OpaqueStreamEvent = Extract<AppEvent, { kind: 'opaque-stream' }>;

/**
 * obfs4's handshake sizes (obfs4-spec.txt section 4; obfs4proxy's handshake_ntor.go):
 *   client: representative (32) + padding + mark (16) + MAC (16), padding chosen uniformly so the
 *           message is 141..8192 bytes (clientMinPadLength makes it at least as long as the server's
 *           shortest answer plus its inline seed frame);
 *   server: representative (32) + auth (32) + padding + mark (16) + MAC (16), then the inline
 *           PRNG-seed frame (45 bytes): 141..8192 bytes.
 * The client says nothing more until the server's handshake arrived (the mark must be found first),
 * and the server never speaks first. After the handshake both sides send framed, padded records.
 */
export const OBFS4_HANDSHAKE_MIN = 141;
export const OBFS4_HANDSHAKE_MAX = 8192;
/**
 * BitTorrent's Message Stream Encryption (MSE/PE) starts the same way, fully random from the first
 * byte: Ya + PadA (96 + 0..512 bytes), answered by Yb + PadB (96 + 0..512). A connection whose two
 * handshakes both fit that is left to the BitTorrent rules: for obfs4 both fall at or under 608
 * bytes 0.3% of the time (uniform sizes), so little is lost.
 */
export const MSE_HANDSHAKE_MAX = 96 + 512;

export type Obfs4Verdict =
  | { ok: true; clientHandshake: number; serverHandshake: number }
  | { ok: false; why: 'start-not-seen' | 'server-first' | 'not-random' | 'no-answer' | 'size' | 'mse-sizes' };

/**
 * Whether one TCP connection, as the opaque-stream fact describes it (flow-local facts only), has
 * obfs4's shape: seen from its SYN, the initiator spoke first, both directions' first data pass none of
 * Wu et al.'s exemptions (fully random), the first two flights (the handshakes) fit obfs4's sizes, and
 * the client spoke again after the server's answer (the handshake completed and data followed).
 */
export function obfs4Shape(ev: OpaqueStreamEvent): Obfs4Verdict {
  if ((ev.synSeen & 1) === 0) return { ok: false, why: 'start-not-seen' };
  if (ev.firstDir !== 0) return { ok: false, why: 'server-first' };
  const [c, s] = ev.first;
  if (!c?.fullyRandom || !s?.fullyRandom) return { ok: false, why: 'not-random' };
  if (ev.flights.length < 3) return { ok: false, why: 'no-answer' };
  const ch = ev.flights[0];
  const sh = ev.flights[1];
  if (ch < OBFS4_HANDSHAKE_MIN || ch > OBFS4_HANDSHAKE_MAX || sh < OBFS4_HANDSHAKE_MIN || sh > OBFS4_HANDSHAKE_MAX) return { ok: false, why: 'size' };
  if (ch <= MSE_HANDSHAKE_MAX && sh <= MSE_HANDSHAKE_MAX) return { ok: false, why: 'mse-sizes' };
  return { ok: true, clientHandshake: ch, serverHandshake: sh };
}
