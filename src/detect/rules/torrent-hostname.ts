import { ruleById } from '../catalog.js';
import { mayMatchTorrent, torrentHostnameMatch } from './hostname-match.js';
import { HostnameRuleDetector } from './hostname-rule.js';

/**
 * torrent-hostname (seed 003, SPEC.md): a DNS question, TLS SNI, HTTP Host or QUIC SNI containing
 * torrent, vuze or azureus (case-insensitive substring, as the seed's KQL `contains`). Also fires on a
 * connection to an address DNS resolved from such a name earlier in the capture.
 */
export class TorrentHostnameDetector extends HostnameRuleDetector {
  constructor() {
    super('torrent-hostname', ruleById('torrent-hostname')!, torrentHostnameMatch, mayMatchTorrent, 'a BitTorrent name');
  }
}
