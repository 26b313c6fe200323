/**
 * Issue 15 point 9: a connection caught mid-stream gets its direction from the server's well-known or
 * listening port, as Zeek (likely_server_ports) and Suricata do, and the alert says it was a guess.
 * pcaps/tcp-midstream.pcap: tshark shows the 9001 connection's first packet coming FROM the server
 * (198.51.100.5:9001); before, that made the server the source and the rule missed the connection.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { field, NO_AGGREGATION, PCAPS, runCli } from '../support/run-cli.js';

const cap = join(PCAPS, 'tcp-midstream.pcap');

describe('direction of a connection caught mid-stream', () => {
  it('the server is told by its port; the alert marks the direction a guess (midstream, initiator_from)', async () => {
    // tshark, independently: the first packet of the 9001 connection and whether any SYN is in the file.
    const first = execFileSync('tshark', ['-n', '-r', cap, '-Y', 'tcp.port == 9001', '-c', '1', '-T', 'fields', '-e', 'ip.src', '-e', 'tcp.srcport', '-e', 'tcp.flags.syn'], { encoding: 'utf8' }).trim().split('\t');
    expect(first.slice(0, 2)).toEqual(['198.51.100.5', '9001']);
    expect(['0', 'False']).toContain(first[2]);
    expect(execFileSync('tshark', ['-n', '-r', cap, '-Y', 'tcp.flags.syn == 1'], { encoding: 'utf8' }).trim()).toBe('');

    const r = await runCli(['replay', ...NO_AGGREGATION, cap]);
    expect(r.code, r.stderr).toBe(0);
    const a9001 = r.alerts.find((a) => field(a, 'destination.port') === 9001)!;
    expect(a9001).toBeDefined();
    expect([field(a9001, 'source.ip'), field(a9001, 'destination.ip'), field(a9001, 'rule.id')]).toEqual(['10.1.1.10', '198.51.100.5', 'tor-port-private']);
    expect(field(a9001, 'torwatch.flow')).toMatchObject({ initiator_from: 'server-port', midstream: true });
    expect(String(field(a9001, 'message'))).toMatch(/\(handshake not seen; 198\.51\.100\.5:9001 taken as the server by its port\)$/);
    const a9030 = r.alerts.find((a) => field(a, 'destination.port') === 9030)!;
    expect(field(a9030, 'torwatch.flow')).toMatchObject({ initiator_from: 'first-packet', midstream: true });
  });

  it('a connection whose SYN was seen says so, and is not marked', async () => {
    const r = await runCli(['replay', ...NO_AGGREGATION, join(PCAPS, 'tor-port-mix.pcap')]);
    // The mix's 192.168.1.10 -> :9030 connection started before the capture (pcaps/README.md).
    const withSyn = r.alerts.filter((a) => field(a, 'source.ip') !== '192.168.1.10');
    expect(withSyn).toHaveLength(3);
    for (const a of withSyn) {
      expect(field(a, 'torwatch.flow.initiator_from')).toBe('syn');
      expect(field(a, 'torwatch.flow.midstream')).toBeUndefined();
      expect(String(field(a, 'message'))).toMatch(/ opened TCP to /);
    }
  });
});
