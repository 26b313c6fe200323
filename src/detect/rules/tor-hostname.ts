import { ruleById } from '../catalog.js';
import { mayMatchTor, torHostnameMatch } from './hostname-match.js';
import { HostnameRuleDetector } from './hostname-rule.js';

/**
 * tor-hostname (seed 003, SPEC.md): a DNS question, TLS SNI, HTTP Host or QUIC SNI whose final label
 * is onion, exit or tor, or that is a tor2web gateway domain (tor2web-domains.ts). Also fires on a
 * connection to an address DNS resolved from such a name earlier in the capture.
 */
export class TorHostnameDetector extends HostnameRuleDetector {
  constructor() {
    super('tor-hostname', ruleById('tor-hostname')!, torHostnameMatch, mayMatchTor, 'a Tor name');
  }
}
