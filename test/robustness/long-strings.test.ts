/**
 * Issue 14 point 3: attacker-sized strings. test/fixtures/hostile/long-strings.pcap (make_long_strings.py)
 * holds .onion names of 1,500 and 40,000 characters in SNIs, a 300-character Host with a 6,000-character
 * URL, and a 255-octet DNS name of escaped bytes. Before, they went into alerts whole (8.3 KB, 165 KB,
 * 9.3 KB and 6.9 KB alerts; 3 of 4 refused by the UDP syslog output, the detections lost). Now each
 * alert still fires on the name's .onion suffix, carries at most its last 253 characters (URLs their
 * first 2048), names the cut fields in torwatch.truncated, and every one fits a syslog datagram.
 */
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_AGGREGATION, ROOT, runCli } from '../support/run-cli.js';

const PCAP = join(ROOT, 'test/fixtures/hostile/long-strings.pcap');

function at(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], doc);
}

describe('attacker-sized strings are bounded and marked', () => {
  it('every long name still alerts, cut to its last 253 characters, with torwatch.truncated', async () => {
    const r = await runCli(['replay', '--relays', 'none', ...NO_AGGREGATION, PCAP]);
    expect(r.code).toBe(0);
    const hits = r.alerts.filter((a) => at(a, 'rule.id') === 'tor-hostname');
    expect(hits).toHaveLength(4);
    const fields = hits.map((a) => at(a, 'torwatch.truncated') as string[]);
    expect(fields.filter((f) => f.includes('tls.client.server_name'))).toHaveLength(2);
    expect(fields.filter((f) => f.includes('dns.question.name'))).toHaveLength(1);
    const http = hits.find((a) => at(a, 'url.original') !== undefined)!;
    expect(at(http, 'torwatch.truncated')).toEqual(expect.arrayContaining(['url.domain', 'url.original']));
    expect((at(http, 'url.original') as string).length).toBe(2049);
    for (const a of hits) {
      const name = at(a, 'torwatch.hostname.name') as string;
      expect(name.length).toBe(254);
      expect(name.startsWith('…')).toBe(true);
      expect(name.endsWith('.onion')).toBe(true);
      expect(JSON.stringify(a).length).toBeLessThan(6000);
    }
  });

  it('the UDP syslog output sends every one (before: 3 of 4 over max-size, lost)', async () => {
    const sock = createSocket('udp4');
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res));
    const port = sock.address().port;
    const r = await runCli(['replay', '--relays', 'none', ...NO_AGGREGATION, '-o', `syslog+udp://127.0.0.1:${port}`, PCAP]);
    await new Promise((res) => setTimeout(res, 300));
    sock.close();
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/not sent/);
    expect(got.filter((m) => m.includes('.onion'))).toHaveLength(4);
  });
});
