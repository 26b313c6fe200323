/**
 * Issue 15 point 5: one address parser. --home-net, --allow, relay lists, `relays lookup` and
 * --metrics read addresses through util/ip.ts, so they accept the same forms and refuse them in the
 * same words (before, --home-net took `fe80::1%eth0` while --allow and the relay lists refused it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PCAPS, runCli } from '../support/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ux-addr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const capture = join(PCAPS, 'tor-port-mix.pcap');
const human = (stderr: string): string[] => stderr.split('\n').filter((l) => l.trim() && !l.startsWith('{'));

describe('one address parser for options, lists and the command line', () => {
  const zone = "'fe80::1%eth0' is not an IPv4 or IPv6 address or CIDR (zone ids such as %eth0 are not accepted: a packet carries none)";

  it('--home-net and --allow refuse a zone id in the same words', async () => {
    const home = await runCli(['replay', '--home-net', 'fe80::1%eth0', capture]);
    expect([home.code, human(home.stderr)]).toEqual([2, [`torwatch: --home-net: ${zone}`]]);
    const allow = await runCli(['replay', '--allow', 'fe80::1%eth0', capture]);
    expect([allow.code, human(allow.stderr)]).toEqual([2, [`torwatch: --allow: ${zone}`]]);
  });

  it('a relay list and `relays lookup` say it the same way', async () => {
    const list = join(tmp, 'relays.txt');
    writeFileSync(list, '# relays\n198.51.100.7\nfe80::1%eth0\n');
    const r = await runCli(['relays', 'show', '--relays', list], { text: true });
    expect([r.code, human(r.stderr)]).toEqual([2, [`torwatch: ${list}: line 3: ${zone}`]]);
    const l = await runCli(['relays', 'lookup', 'fe80::1%eth0', '--relays', list], { text: true });
    expect([l.code, human(l.stderr)]).toEqual([2, [`torwatch: ${zone.replace(' or CIDR', '')}`]]);
  });

  it('leading zeros (octal to some parsers, decimal to others) are refused everywhere', async () => {
    for (const opt of ['--home-net', '--allow']) {
      const r = await runCli(['replay', opt, '010.0.0.0/8', capture]);
      expect([r.code, human(r.stderr)]).toEqual([2, [`torwatch: ${opt}: '010.0.0.0/8' is not an IPv4 or IPv6 address or CIDR`]]);
    }
  });

  it('--metrics takes localhost (RFC 6761 loopback) and refuses other host names with a reason', async () => {
    const bad = await runCli(['capture', '-i', 'lo', '--metrics', 'metrics.example:9464'], { text: true });
    expect(bad.code).toBe(2);
    expect(human(bad.stderr)).toEqual(["torwatch: --metrics: 'metrics.example' is a host name: give an IP address (host names other than localhost could resolve to an address you did not mean; 0.0.0.0 listens on every interface)"]);
    const { parseListenAddress } = await import('../../src/metrics/address.js');
    expect(parseListenAddress('localhost:9464')).toEqual({ host: '127.0.0.1', port: 9464, loopback: true });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464, loopback: true });
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464, loopback: false });
  });
});
