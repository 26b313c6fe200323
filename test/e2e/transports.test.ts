import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { field, NO_AGGREGATION, PCAPS, runCli } from '../support/run-cli.js';

/**
 * The bridge and transport rules through the real CLI: --bridges (a file of the lab's bridge lines, as
 * make-obfs4.sh saved them; the config-file key), its errors, and what the alerts say. The captures'
 * own expected alerts (no options) are checked by expected-alerts.test.ts.
 */
const LAB_BRIDGES = join(PCAPS, 'expected/obfs4-bridges.pcap.bridges');
const tmp = mkdtempSync(join(tmpdir(), 'tw-e2e-bridges-'));

describe('--bridges', () => {
  it('the lab bridge lines make every connection to them tor-bridge (naming transport and list), and tor-obfs4 high', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, '--bridges', LAB_BRIDGES, join(PCAPS, 'obfs4-bridges.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    const bridge = r.alerts.filter((a) => field(a, 'rule.id') === 'tor-bridge');
    expect(bridge.map((a) => `${field(a, 'destination.ip')}:${field(a, 'destination.port')}`).sort()).toEqual(['198.51.100.40:37219', '198.51.100.40:37219', '198.51.100.41:443']);
    for (const a of bridge) {
      expect(a).toMatchObject({ event: { severity: 3, risk_score: 73 }, labels: { tor_bridge_transport: 'obfs4', tor_bridge_list: 'user' }, torwatch: { confidence: 'high', transport: { name: 'obfs4', list: LAB_BRIDGES } } });
      expect(String(a.message)).toContain(`listed in --bridges ${LAB_BRIDGES}`);
      expect(field(a, 'threat.enrichments')).toEqual([expect.objectContaining({ indicator: expect.objectContaining({ provider: 'torwatch-bridges-file', port: field(a, 'destination.port') }) })]);
    }
    const obfs4 = r.alerts.filter((a) => field(a, 'rule.id') === 'tor-obfs4');
    expect(obfs4).toHaveLength(2);
    for (const a of obfs4) {
      expect(a).toMatchObject({ event: { risk_score: 73 }, torwatch: { severity: 'high', confidence: 'high', transport: { name: 'obfs4', list: LAB_BRIDGES } } });
      expect(field(a, 'torwatch.transport.details.iat_mode')).toBe(field(a, 'destination.port') === 443 ? 1 : 0);
    }
  });

  it('the same file from the config file (bridges: key)', async () => {
    const cfg = join(tmp, 'c.yml');
    writeFileSync(cfg, `bridges:\n  - ${LAB_BRIDGES}\nrules: [tor-bridge]\n`);
    const r = await runCli(['replay', ...NO_AGGREGATION, '-c', cfg, join(PCAPS, 'obfs4-bridges.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts.map((a) => field(a, 'rule.id'))).toEqual(['tor-bridge', 'tor-bridge', 'tor-bridge']);
  });

  it('a malformed line: one line naming the file and line, exit 2, no stack trace', async () => {
    const bad = join(tmp, 'bad-bridges.txt');
    writeFileSync(bad, 'UseBridges 1\nBridge obfs4 198.51.100.40:37219 cert=x iat-mode=0\nBridge obfs4 198.51.100.41 cert=y\n');
    const r = await runCli(['replay', '--bridges', bad, join(PCAPS, 'obfs4-bridges.pcap')], { text: true });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('torwatch:'));
    expect(lines).toEqual([`torwatch: ${bad}: line 3: not a bridge line: '198.51.100.41' is not address:port`]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await runCli(['replay', '--bridges', join(tmp, 'nope.txt'), join(PCAPS, 'obfs4-bridges.pcap')], { text: true });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(tmp, 'nope.txt')}: bridge file not found`);
  });
});

describe('what the transport alerts say', () => {
  it('tor-snowflake: phases with times, the proxy, JA4 and JA4S of the DTLS handshake', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'snowflake.pcap')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.alerts).toHaveLength(1);
    const a = r.alerts[0];
    expect(a).toMatchObject({
      rule: { id: 'tor-snowflake' }, event: { risk_score: 73 },
      labels: { tor_transport: 'snowflake', tor_snowflake_phases: 'rendezvous+stun+dtls', tor_snowflake_role: 'client' },
      torwatch: { confidence: 'high', transport: { name: 'snowflake', list: 'builtin', details: { proxy: '203.0.113.80:43274', ice_server: '203.0.113.70:3478', ice_server_name: 'stun.voipgate.com', rendezvous_name: 'vuejs.org' } }, dtls: { implementation: 'pion', version: '1.2', client_groups: ['001d', '0017', '0018'] } },
    });
    expect(field(a, 'torwatch.dtls.ja4')).toMatch(/^dd2i060600_[0-9a-f]{12}_[0-9a-f]{12}$/);
    expect(field(a, 'torwatch.dtls.ja4s')).toMatch(/^dd20400_c02b_[0-9a-f]{12}$/);
    expect(String(a.message)).toMatch(/^10\.6\.6\.10 used Snowflake: rendezvous \(vuejs\.org\), STUN to ICE server stun\.voipgate\.com, pion WebRTC DTLS with 203\.0\.113\.80:\d+, within 5 minutes; a Snowflake client \(Tor\)$/);
    expect(Object.keys(field(a, 'torwatch.transport.times') as object)).toEqual(['rendezvous', 'stun', 'dtls']);
  });

  it('tor-meek: high with the polling shape, low on the SNI alone; tor-bridge on the built-in bridge', async () => {
    const m = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'meek.pcap')]);
    const byHost = Object.fromEntries(m.alerts.map((a) => [String(field(a, 'source.ip')), a]));
    expect(byHost['10.7.7.10']).toMatchObject({ event: { risk_score: 73 }, tls: { client: { server_name: 'www.phpmyadmin.net' } }, torwatch: { confidence: 'high', transport: { name: 'meek', list: 'builtin', list_status: 'current' } } });
    expect(byHost['10.7.7.11']).toMatchObject({ event: { risk_score: 21 }, torwatch: { severity: 'low', confidence: 'low' } });
    const b = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'obfs4-builtin-bridge.pcap')]);
    const bridge = b.alerts.find((a) => field(a, 'rule.id') === 'tor-bridge')!;
    expect(bridge).toMatchObject({ torwatch: { transport: { name: 'obfs4', list: 'builtin', list_status: 'current', fingerprint: 'CDF2E852BF539B82BD10E27E9115A31734E378C2' } } });
    expect(String(bridge.message)).toBe("10.5.5.10 connected to Tor bridge 192.95.36.142:443 (obfs4; Tor Browser's built-in bridges, current entry, list compiled 2026-12-06)");
  });
});
