/**
 * Tor2web gateways: public web proxies that fetch .onion sites for ordinary browsers, so the client
 * never runs Tor. A name equal to one of these domains, or under it (abcdef234567.onion.to), is a
 * tor-hostname match (seed 003 / SPEC.md: "or is a tor2web domain").
 *
 * This is the one place the list lives. It was compiled from public reporting (written here from the
 * sources' published names; no network was available to re-check which gateways still answer):
 *  - the Tor2web project (tor2web.org, github.com/tor2web/Tor2web) and the gateways its operators
 *    ran or listed (tor2web.org, tor2web.fi, tor2web.io, onion.to, onion.city, onion.cab, onion.direct,
 *    onion.link, onion.nu);
 *  - threat reporting on ransomware payment portals reached through tor2web (Proofpoint 2017-2018,
 *    abuse.ch ransomware tracker) and the Emerging Threats "ET POLICY" tor2web DNS/TLS rules, which
 *    name further gateways (onion.casa, onion.rip, onion.plus, onion.top, onion.sh, onion.ws, onion.pet,
 *    onion.lu, onion.ly, onion.si, onion.in.net, onion.ink, onion.gq, onion.dog, onion.moe, onion.mn,
 *    onion.re, onion.glass, onion.foundation, onion.onl, onion.guide, onion.network, onion.pw, onion.ms,
 *    darknet.to, tor2web.com, tor2web.xyz).
 * Gateways come and go; entries stay because old captures and logs still contain them. Add new ones
 * here (and to test/detect/hostname-rules.test.ts).
 * Matching is by whole labels: "notonion.to" and "onion.tools" do not match "onion.to".
 */
export const TOR2WEB_DOMAINS: readonly string[] = [
  'tor2web.org', 'tor2web.fi', 'tor2web.io', 'tor2web.com', 'tor2web.xyz',
  'onion.to', 'onion.city', 'onion.cab', 'onion.direct', 'onion.link', 'onion.nu', 'onion.casa',
  'onion.rip', 'onion.plus', 'onion.top', 'onion.sh', 'onion.ws', 'onion.pet', 'onion.lu', 'onion.ly',
  'onion.si', 'onion.in.net', 'onion.ink', 'onion.gq', 'onion.dog', 'onion.moe', 'onion.mn', 'onion.re',
  'onion.glass', 'onion.foundation', 'onion.onl', 'onion.guide', 'onion.network', 'onion.pw', 'onion.ms',
  'darknet.to',
];

const SET: ReadonlySet<string> = new Set(TOR2WEB_DOMAINS);
/** Every listed domain's second-to-last label (onion, tor2web, darknet, in): a name whose own
 * second-to-last label is not one of these cannot match, which rejects almost every name at once. */
const SECOND_LEVEL: ReadonlySet<string> = new Set(TOR2WEB_DOMAINS.map((d) => d.split('.').slice(-2)[0]));

/** The tor2web domain `name` (lowercase, no trailing dot) is or sits under, if any. */
export function tor2webDomain(name: string): string | undefined {
  const last = name.lastIndexOf('.');
  if (last <= 0 || !SECOND_LEVEL.has(name.slice(name.lastIndexOf('.', last - 1) + 1, last))) return undefined;
  // Every suffix that starts at a label boundary: a.b.onion.to, b.onion.to, onion.to, to.
  for (let i = 0; ; ) {
    const suffix = name.slice(i);
    if (SET.has(suffix)) return suffix;
    const dot = name.indexOf('.', i);
    if (dot < 0) return undefined;
    i = dot + 1;
  }
}
