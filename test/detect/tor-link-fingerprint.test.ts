import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AlertBuilder } from '../../src/alert/ecs-alert.js';
import type { IndicatorMatch } from '../../src/detect/detection.js';
import { TorLinkFingerprintDetector } from '../../src/detect/rules/tor-link-fingerprint.js';
import type { Flow } from '../../src/flow/flow.js';
import { formatIp } from '../../src/util/ip.js';
import { ecsProblems } from '../support/ecs-schema.js';
import { PCAPS } from '../support/run-cli.js';
import { DATA, runPipeline } from '../applayer/run-pipeline.js';

/**
 * The relay-list extension point of tor-link-fingerprint: the relay index (issue 3) hands the detector
 * a lookup; when the remote endpoint is a listed relay, the alert says both. Here the lookup answers
 * from a two-address list, as the relay index would for a relay set holding them.
 */
const listed = new Map<string, IndicatorMatch>([
  ['38.229.70.53', { type: 'ipv4-addr', value: '38.229.70.53', on: 'responder-address', port: 443, provider: 'test relay list', details: { nickname: 'example' } }],
]);
const lookup = (f: Flow): IndicatorMatch | undefined => listed.get(formatIp(f.ipVersion, f.b0, f.b1, f.b2, f.b3));

describe('tor-link-fingerprint with a relay lookup', () => {
  it('a Tor handshake to a listed relay says both; the others only the handshake', async () => {
    const run = await runPipeline(join(DATA, 'ndpi/pcap/tor.pcap'), { detectors: [new TorLinkFingerprintDetector(lookup)] });
    const dets = run.detections.filter((d) => d.rule.id === 'tor-link-fingerprint');
    expect(dets.length).toBe(7);
    const toRelay = dets.filter((d) => d.indicators?.length);
    expect(toRelay.length).toBe(2); // two connections to 38.229.70.53 in the capture
    for (const d of toRelay) {
      expect(d.message).toMatch(/Tor link TLS handshake .* 38\.229\.70\.53 is a listed Tor relay$/);
      expect(d.labels?.tor_link_evidence).toBe('sni+certificate+relay-list');
      expect(d.confidence).toBe('high');
    }
    const builder = new AlertBuilder({ observer: { hostname: 'test', version: '0' }, eventIds: 'deterministic' });
    const doc = builder.build(toRelay[0]) as Record<string, any>;
    expect(ecsProblems(doc)).toEqual([]);
    expect(doc.threat.enrichments[0].matched).toEqual({ atomic: '38.229.70.53', field: 'destination.ip', type: 'indicator_match_rule' });
    expect(doc.tls.server.x509.subject.common_name[0]).toMatch(/^www\.[a-z2-7]+\.net$/);
  });

  it('TLS 1.3 (SNI only) from a real tor client: confidence medium, timed at the ClientHello', async () => {
    const run = await runPipeline(join(PCAPS, 'tor-link-tls13.pcap'), { detectors: [new TorLinkFingerprintDetector()] });
    const [d] = run.detections;
    expect(d.confidence).toBe('medium');
    expect(d.labels?.tor_link_evidence).toBe('sni');
    const hello = run.events.find((e) => e.ev.kind === 'tls-client-hello')!;
    expect(d.packet).toBe(hello.packet);
    expect(d.tls?.version).toBe('1.3');
  });
});
