import type { Flow } from '../flow/flow.js';
import type { IntelHolder } from '../intel/intel.js';
import type { Detector } from './detector.js';
import { relayIndicator } from './rules/relay-facts.js';
import { TorBridgeDetector } from './rules/tor-bridge.js';
import { TorMeekDetector } from './rules/tor-meek.js';
import { TorObfs4Detector } from './rules/tor-obfs4.js';
import { TorSnowflakeDetector } from './rules/tor-snowflake.js';
import { TorSoftwareDetector } from './rules/tor-software.js';
import { TorExitDetector } from './rules/tor-exit.js';
import { TorHostnameDetector } from './rules/tor-hostname.js';
import { TorLinkFingerprintDetector } from './rules/tor-link-fingerprint.js';
import { TorPortPrivateDetector } from './rules/tor-port-private.js';
import { TorRelayDetector } from './rules/tor-relay.js';
import { TorrentAssociationDetector } from './rules/torrent-association.js';
import { TorrentDhtDetector } from './rules/torrent-dht.js';
import { TorrentEvidenceRecorder } from './rules/torrent-evidence.js';
import { TorrentHostnameDetector } from './rules/torrent-hostname.js';
import { TorrentLsdDetector } from './rules/torrent-lsd.js';
import { TorrentPeerDetector } from './rules/torrent-peer.js';
import { TorrentTrackerDetector } from './rules/torrent-tracker.js';

/**
 * The detectors, in the order they run: the one place to add a rule's detector (its definition is in
 * catalog.ts, its code in rules/). Adding a rule touches only src/detect/.
 */
export function createDetectors(intel: IntelHolder): Detector[] {
  // A Tor-shaped TLS handshake to a listed relay says both: the responder's relay entry goes into the
  // fingerprint alert's threat.enrichments (one lookup per flow, shared with tor-relay/tor-exit).
  const responderRelay = (flow: Flow) => {
    const b = intel.flowFacts(flow).b;
    return b ? relayIndicator(flow, 'b', b) : undefined;
  };
  return [
    new TorPortPrivateDetector(),
    new TorRelayDetector(intel),
    new TorExitDetector(intel),
    new TorHostnameDetector(),
    new TorrentHostnameDetector(),
    new TorLinkFingerprintDetector(responderRelay),
    // BitTorrent: host evidence is filed before any rule reads it.
    new TorrentEvidenceRecorder(),
    new TorrentPeerDetector(),
    new TorrentDhtDetector(),
    new TorrentTrackerDetector(),
    new TorrentLsdDetector(),
    new TorrentAssociationDetector(),
    new TorBridgeDetector(intel),
    new TorMeekDetector(intel),
    new TorSoftwareDetector(),
    // Host-level (scope 'host'): decided across a host's flows through ctx.hosts.
    new TorObfs4Detector(intel),
    new TorSnowflakeDetector(intel),
  ];
}
