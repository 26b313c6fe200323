import { ruleById } from '../catalog.js';
import { HostnameRuleDetector } from './hostname-rule.js';

/**
 * The Tor Project's hosts that Tor software, or someone getting it, talks to: the wire's view of seed
 * 001's endpoint hunt for tor.exe. dist/archive serve Tor Browser and tor downloads; aus1 answers Tor
 * Browser's update check (a running Tor Browser asks it); bridges.torproject.org hands out bridges (and
 * its /moat API is Tor Browser's "request a bridge"); snowflake-broker.* are Snowflake's brokers when
 * reached without a front (a proxy's polls, or a client that is not domain fronting).
 */
const HOSTS: ReadonlyMap<string, string> = new Map([
  ['dist.torproject.org', 'download'],
  ['archive.torproject.org', 'download'],
  ['aus1.torproject.org', 'update-check'],
  ['bridges.torproject.org', 'bridge-request'],
]);
const BROKER = /^snowflake-broker\./;

/** Why a normalised name is a Tor software host ('update-check:aus1.torproject.org'), or undefined. */
export function torSoftwareMatch(n: string): string | undefined {
  const what = HOSTS.get(n);
  if (what) return `${what}:${n}`;
  return BROKER.test(n) ? `snowflake-broker:${n}` : undefined;
}

const MAYBE = /torproject\.org\.?$|snowflake-broker\./i;

/**
 * tor-software (seed 001): a DNS question, TLS/QUIC SNI, HTTP Host, or a connection to an address DNS
 * gave for one of these names. Low severity: downloading Tor or asking for bridges is not using it.
 */
export class TorSoftwareDetector extends HostnameRuleDetector {
  constructor() {
    super('tor-software', ruleById('tor-software')!, torSoftwareMatch, (raw) => MAYBE.test(raw), 'a Tor Project software or bridge host');
  }
}
