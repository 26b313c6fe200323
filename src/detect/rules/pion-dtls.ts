import type { AppEvent } from '../../applayer/events.js';
import { isGrease } from '../../applayer/tls/grease.js';

/**
 * pion/dtls (Go), the DTLS of every Snowflake client and of the standalone Snowflake proxy, recognised
 * by its hellos (pion/dtls config.go and flight handlers; checked on Debian's snowflake 2.5.1, whose
 * ClientHello is ciphers c02b,c02f,c00a,c014,c02c,c030, extensions 13,65281,10,11,14,23, groups
 * X25519,P-256,P-384, and whose ServerHello carries extensions 65281,23,14,11 in that order):
 *
 *   ClientHello: DTLS 1.2, no GREASE, supported groups exactly X25519, P-256, P-384 (pion's curve
 *     list), every cipher suite one pion implements (3..12 of them), every extension one pion sends.
 *     Browsers differ: Chrome offers CBC-SHA and RSA suites pion lacks (0x009c, 0x002f...), Firefox
 *     also offers FFDHE groups and P-521.
 *   ServerHello: DTLS 1.2, a cipher pion implements, extensions in pion's order (renegotiation_info,
 *     extended_master_secret, use_srtp, ec_point_formats, then ALPN), each at most once.
 *
 * Snowflake 2.9+ can make its DTLS imitate a browser's (the covert-dtls library); such a client does
 * not match this and is found by the other phases only.
 */
const PION_CIPHERS: ReadonlySet<number> = new Set([
  0xc02b, 0xc02f, 0xc02c, 0xc030, 0xc00a, 0xc014, 0xcca9, 0xcca8, 0xc0ac, 0xc0ae, 0xc0a8, 0xc0a4, 0xc0a5, 0x00a8, 0xc0ab, 0xc037,
]);
const PION_CLIENT_EXTENSIONS: ReadonlySet<number> = new Set([13, 65281, 10, 11, 14, 23, 16, 0]);
/** The order pion's server writes its extensions in. */
const PION_SERVER_ORDER: readonly number[] = [65281, 23, 14, 11, 16];
const PION_GROUPS: readonly number[] = [0x001d, 0x0017, 0x0018];
const DTLS12 = 0xfefd;

type ClientHello = Extract<AppEvent, { kind: 'dtls-client-hello' }>;
type ServerHello = Extract<AppEvent, { kind: 'dtls-server-hello' }>;

export function isPionClientHello(h: ClientHello): boolean {
  if (h.version !== DTLS12 || h.ciphers.length < 3 || h.ciphers.length > 12) return false;
  if (h.groups.length !== PION_GROUPS.length || h.groups.some((g, i) => g !== PION_GROUPS[i])) return false;
  for (const c of h.ciphers) if (isGrease(c) || !PION_CIPHERS.has(c)) return false;
  for (const e of h.extensions) if (isGrease(e) || !PION_CLIENT_EXTENSIONS.has(e)) return false;
  return true;
}

export function isPionServerHello(h: ServerHello): boolean {
  if (h.version !== DTLS12 || !PION_CIPHERS.has(h.cipher) || h.extensions.length === 0) return false;
  let at = 0;
  for (const e of h.extensions) {
    const i = PION_SERVER_ORDER.indexOf(e, at);
    if (i < 0) return false;
    at = i + 1;
  }
  return true;
}

/** 4-digit hex, as the alert lists cipher suites and groups. */
export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
