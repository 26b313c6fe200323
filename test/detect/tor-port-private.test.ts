import { describe, expect, it } from 'vitest';
import { Flow } from '../../src/flow/flow.js';
import { matchesTorPortPrivate } from '../../src/detect/rules/tor-port-private.js';
import { parseIp } from '../../src/util/ip.js';

function flow(src: string, dst: string, dport: number, proto = 6): Flow {
  const s = parseIp(src)!.words;
  const d = parseIp(dst)!.words;
  return new Flow(1, 0, parseIp(src)!.version, proto, s[0], s[1], s[2], s[3], 40000, d[0], d[1], d[2], d[3], dport, 0, 0, 0);
}

// Seed 004's query, case by case: source ranges, destination exclusions, ports, transport.
describe('tor-port-private condition (seed 004)', () => {
  it.each([
    ['10.1.2.3', '198.51.100.5', 9001],
    ['172.16.0.1', '203.0.113.9', 9030],
    ['172.31.255.254', '192.0.2.1', 9001],
    ['192.168.1.10', '8.8.8.8', 9001],
    ['10.0.0.1', '100.64.0.1', 9001], // CGNAT is not in the seed's exclusion list
    ['10.0.0.1', '172.32.0.1', 9001], // just outside 172.16/12
  ])('alerts: %s -> %s:%i', (s, d, p) => {
    expect(matchesTorPortPrivate(flow(s, d, p))).toBe(true);
  });

  it.each([
    ['10.1.2.3', '198.51.100.5', 9002, 6, 'other port'],
    ['10.1.2.3', '198.51.100.5', 9001, 17, 'UDP'],
    ['192.0.2.1', '198.51.100.5', 9001, 6, 'public source'],
    ['172.32.0.1', '198.51.100.5', 9001, 6, 'source outside 172.16/12'],
    ['100.64.0.1', '198.51.100.5', 9001, 6, 'CGNAT source'],
    ['10.1.2.3', '10.9.9.9', 9001, 6, '10/8 destination'],
    ['10.1.2.3', '127.0.0.1', 9001, 6, 'loopback'],
    ['10.1.2.3', '169.254.1.1', 9030, 6, 'link-local'],
    ['10.1.2.3', '172.20.0.1', 9001, 6, '172.16/12'],
    ['10.1.2.3', '192.168.5.5', 9001, 6, '192.168/16'],
    ['10.1.2.3', '224.0.0.251', 9001, 6, 'multicast'],
    ['10.1.2.3', '239.255.255.250', 9001, 6, 'multicast top'],
    ['fd00::2', '2001:db8::5', 9001, 6, 'IPv6 source (seed sources are IPv4 only)'],
  ])('no alert: %s -> %s:%i proto %i (%s)', (s, d, p, proto) => {
    expect(matchesTorPortPrivate(flow(s, d, p, proto))).toBe(false);
  });
});
