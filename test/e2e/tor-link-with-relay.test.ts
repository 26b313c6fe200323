import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { field, NO_AGGREGATION, PCAPS, runCli } from '../support/run-cli.js';

/**
 * SPEC/issue 4: a Tor link handshake to an address the relay list knows says both. The private Tor
 * network capture (made by scripts/pcaps/make-tor-private.sh) with the consensus in force then.
 */
describe('tor-link-fingerprint combined with a relay-list hit', () => {
  it('names the relay in threat.enrichments, on the same flow as tor-relay', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--relays', join(PCAPS, 'tor-private-net.consensus'), join(PCAPS, 'tor-private-net.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    // Every ClientHello tshark sees in the capture (independent count).
    const hellos = execFileSync('tshark', ['-r', join(PCAPS, 'tor-private-net.pcap'), '-d', 'tcp.port==9001,tls', '-Y', 'tls.handshake.type==1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name'], { encoding: 'utf8' })
      .split('\n').filter((l) => l.trim());
    const link = r.alerts.filter((a) => field(a, 'rule.id') === 'tor-link-fingerprint');
    expect(link.map((a) => field(a, 'tls.client.server_name')).sort()).toEqual(hellos.sort());
    for (const a of link) {
      const enr = field(a, 'threat.enrichments') as { indicator: { ip: string; provider: string; port: number }; matched: { field: string } }[];
      expect(enr).toHaveLength(1);
      expect(enr[0].indicator).toMatchObject({ ip: field(a, 'destination.ip'), provider: 'tor-consensus', port: 9001 });
      expect(enr[0].matched.field).toBe('destination.ip');
      expect(field(a, 'torwatch.confidence')).toBe('high');
      const relayAlert = r.alerts.find((x) => field(x, 'rule.id') === 'tor-relay' && field(x, 'network.community_id') === field(a, 'network.community_id'));
      expect(relayAlert, 'the same flow also raised tor-relay').toBeDefined();
    }
  });
});
