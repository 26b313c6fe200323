/**
 * Limits on strings a packet sender chooses (SNI, Host, URL, DNS names, User-Agent, certificate
 * names), applied where a parser first makes the string, so nothing later (rules, aggregation keys,
 * alerts held in a suppression window, a syslog datagram) ever carries more. A cut string is exactly
 * one character longer than its limit (the CUT mark added), so the alert builder can tell a cut value
 * from a whole one by its length and list it in torwatch.truncated.
 */

/** A hostname's longest presentation form (RFC 1035: 255 octets on the wire, 253 as text). */
export const NAME_MAX = 253;
/** url.original, url.path, url.query: longer request targets are cut (browsers and servers accept about 2-8 KB; 2 KiB keeps an alert within one syslog datagram). */
export const URL_MAX = 2048;
/** Free text a client names itself with (User-Agent and the like). */
export const TEXT_MAX = 256;
/** Marks where a string was cut. */
export const CUT = '…';

/**
 * A name cut to its rightmost `max` characters: the labels that say whose name it is (`.onion`, the
 * registered domain) are the ones kept, so suffix rules and domain indicators still match.
 */
export function boundName(s: string, max = NAME_MAX): string {
  return s.length > max ? CUT + s.slice(s.length - max) : s;
}

/** Text cut to its first `max` characters. */
export function boundText(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + CUT : s;
}
