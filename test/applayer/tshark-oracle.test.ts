/**
 * tshark (Wireshark 4.0, an independent dissector) against the app-layer parsers, per capture: the
 * DNS question names, TLS/QUIC SNIs and HTTP Hosts both see, and the JA3 of every TLS ClientHello
 * (Wireshark's tls.handshake.ja3). Captures: torwatch's own pcaps/ and the MANIFEST.md "DNS parsing"
 * and "TLS SNI parsing" oracle files.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PCAPS } from '../support/run-cli.js';
import { formatIp, parseIp } from '../../src/util/ip.js';
import { DATA, runPipeline } from './run-pipeline.js';

const ORACLES = [
  'suricata-verify/dns/dns-udp-eve-dig/input.pcap', 'suricata-verify/dns/dns-tcp-www-google-com/dns.pcap',
  'suricata-verify/dns/dns-forward-pointer/input.pcap', 'suricata-verify/tls/tls-client-hello-frag-01/dump_mtu300.pcap',
  'suricata-verify/bug-7264-tcp-3whs-ack-data-tls-01/input.pcap', 'suricata-verify/community-id-ipv4/input.pcap',
  'suricata-verify/community-id-ipv6/input.pcap', 'suricata-verify/quic-ietf/input.pcap', 'suricata-verify/quic-v2/input.pcap',
  'suricata-verify/quic-frag/input.pcap', 'arkime/tests/pcap/dns-udp.pcap', 'arkime/tests/pcap/dns-tcp.pcap',
  'arkime/tests/pcap/dns-punycode.pcap', 'arkime/tests/pcap/dns-wiresharkrepo.pcap', 'arkime/tests/pcap/tls-split-client-hello.pcap',
  'arkime/tests/pcap/tls13.pcap', 'arkime/tests/pcap/curl-enabled-tls13.pcap', 'arkime/tests/pcap/quicietf.pcap',
  'arkime/tests/pcap/quicietfooo.pcap', 'arkime/tests/pcap/tls-alpn-h2.pcap', 'arkime/tests/pcap/v6.pcap',
  'zeek/Traces/dns_original_case.pcap', 'zeek/Traces/pppoe-over-qinq.pcap', 'zeek/Traces/tls/tls-fragmented-handshake.pcap.gz',
  'zeek/Traces/tls/chrome-1250-tls-x25519-kyber.pcap', 'zeek/Traces/tls/tls-conn-with-extensions.pcap',
  'tcpdump/tests/dns_udp.pcap', 'tcpdump/tests/dns_tcp.pcap', 'ndpi/pcap/dns.pcap', 'ndpi/pcap/tls_2_reasms.pcapng',
  'ndpi/pcap/tls_with_huge_ch.pcapng', 'ndpi/pcap/tls_esni_sni_both.pcap', 'ndpi/pcap/tls_ech.pcapng', 'ndpi/pcap/tor.pcap',
  'ndpi/pcap/quic_0RTT.pcap', 'ndpi/pcap/quic-v2.pcapng', 'ndpi/pcap/quic_frags_ch_in_multiple_packets.pcapng',
  'ndpi/pcap/tls_missing_ch_frag.pcap', 'ndpi/pcap/KakaoTalk_chat.pcap', 'ndpi/pcap/http_ipv6.pcap',
].map((f) => join(DATA, f));
const OWN = readdirSync(PCAPS).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).map((f) => join(PCAPS, f));

function tshark(file: string, filter: string, fields: string[]): string[][] {
  const args = ['-n', '-r', file, '-o', 'tls.desegment_ssl_records:TRUE', '-Y', filter, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 }).toString();
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

function canon(ip: string): string {
  const w = parseIp(ip);
  return w ? formatIp(w.version, ...w.words) : ip;
}

describe('names and JA3 against tshark', () => {
  for (const file of [...ORACLES, ...OWN]) {
    it(file.replace(DATA + '/', '').replace(PCAPS, 'pcaps/'), async () => {
      const run = await runPipeline(file);
      const sni = new Set<string>();
      const dns = new Set<string>();
      const http = new Set<string>();
      const ja3 = new Map<string, string>();
      for (const e of run.events) {
        const ev = e.ev;
        if ((ev.kind === 'tls-client-hello' || ev.kind === 'quic-client-hello') && ev.sni !== undefined) sni.add(ev.sni);
        if (ev.kind === 'tls-client-hello') {
          const m = /^\w+ (\S+) -> (\S+)$/.exec(e.flow)!;
          ja3.set([m[1], m[2]].sort().join(' '), ev.ja3);
        }
        if (ev.kind === 'dns-query') for (const n of ev.names) dns.add(n);
        if (ev.kind === 'http-request' && ev.host !== undefined) http.add(ev.host);
      }
      // One tshark pass per capture. DNS counts on port 53 only, as torwatch reads it (tshark also
      // decodes mDNS/LLMNR and DNS quoted in ICMP errors).
      const F = ['frame.protocols', 'tls.handshake.type', 'tls.handshake.extensions_server_name', 'tls.handshake.ja3', 'ip.src', 'ipv6.src',
        'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'udp.port', 'tcp.port', 'dns.qry.name', 'http.request.method', 'http.host'];
      const rows = tshark(file, '(tls.handshake.type==1 || dns || http.request) && !icmp && !icmpv6', F).map((r) => Object.fromEntries(F.map((f, i) => [f, r[i] ?? ''])));
      const tSni = new Set(rows.filter((r) => r['tls.handshake.type'].split(',').includes('1') && r['tls.handshake.extensions_server_name']).map((r) => r['tls.handshake.extensions_server_name'].split(',')[0]));
      const tDns = new Set(rows.filter((r) => r['dns.qry.name'] && /(^|,)53(,|$)/.test(r['udp.port'] || r['tcp.port'])).map((r) => r['dns.qry.name'].split(',')[0]));
      const tHttp = new Set(rows.filter((r) => r['http.request.method'] && r['http.host']).map((r) => r['http.host'].replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1').toLowerCase()));
      expect([...sni].sort()).toEqual([...tSni].sort());
      expect([...dns].sort()).toEqual([...tDns].sort());
      expect([...http].sort()).toEqual([...tHttp].sort());
      for (const r of rows) {
        if (!r['tls.handshake.type'].split(',').includes('1') || !r['tcp.srcport'] || !r['tls.handshake.ja3']) continue;
        // Tunnelled packets list every layer's address: the innermost (last) one is the flow's.
        const last = (v: string): string => v.split(',').pop()!;
        const key = [`${canon(last(r['ip.src'] || r['ipv6.src']))}:${last(r['tcp.srcport'])}`, `${canon(last(r['ip.dst'] || r['ipv6.dst']))}:${last(r['tcp.dstport'])}`].sort().join(' ');
        expect(ja3.get(key), key).toBe(r['tls.handshake.ja3'].split(',')[0]);
      }
    });
  }
});
