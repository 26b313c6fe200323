import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareWithShark, decodeCapture, tsharkRows, DATA } from './helpers.js';

/**
 * Real captures from other projects: our innermost flow per packet against tshark's (Wireshark's
 * dissectors, reassembly off). `diffs` and `anomalies` list the packets we knowingly treat
 * differently, each with the reason; everything else must match exactly.
 */
interface Case {
  file: string;
  /** Packets where tshark shows a tuple and we do not, with why. */
  diffs?: number;
  anomalies?: Record<string, number>;
  why?: string;
  tshark?: string[];
}

const TEREDO = ['-o', 'teredo.heuristic_teredo:TRUE'];
/** Lying IP lengths: Suricata (IPV4_TRUNC_PKT) and Zeek (truncated_IP) drop these too; tshark shows them. */
const LYING = 'IP total length larger than the frame that was captured whole';

const CASES: Case[] = [
  // link layers
  { file: 'suricata-verify/linktype-228/flow-test-01.pcap' },
  { file: 'suricata-verify/decode-sll2-01/input.pcap' },
  { file: 'suricata-verify/decode-sll2-02/input.pcap' },
  { file: 'zeek/Traces/linux_dlt_sll2.pcap' },
  { file: 'zeek/Traces/linuxsll-arp.pcap' },
  { file: 'tcpdump/tests/tcp-handshake-nano.pcap' },
  { file: 'ndpi/pcap/KakaoTalk_chat.pcap' },
  { file: 'ndpi/pcap/quic-v2.pcapng' },
  { file: 'ndpi/pcap/bets.pcapng' },
  { file: 'tcpdump/tests/LINKTYPE_IPV6.pcap' },
  { file: 'tcpdump/tests/LINKTYPE_RAW_ipv6.pcap' },
  { file: 'suricata-verify/tls/tls-pre-1970/input.pcap' },
  { file: 'arkime/tests/pcap/tls-alpn-h2.pcap' },
  { file: 'ndpi/pcap/openvpn-tlscrypt.pcap' },
  { file: 'suricata-verify/quic-v2/input.pcap' },
  { file: 'suricata-verify/dns/dns-truncated-rname/poc2.pcap' },
  { file: 'ndpi/pcap/dlt_ppp.pcap' },
  { file: 'ndpi/pcap/BGP_Cisco_hdlc_slarp.pcap' },
  { file: 'ndpi/pcap/BGP_redist.pcap' },
  { file: 'suricata-verify/decode-chdlc-01/hdlc-http_1tx.pcap' },
  { file: 'zeek/Traces/nflog-http.pcap' },
  { file: 'arkime/tests/pcap/nflog.pcap' },
  { file: 'tcpdump/tests/LINKTYPE_PKTAP.pcap' },
  { file: 'ndpi/pcap/someip_sd_sample.pcap' },
  { file: 'tcpdump/tests/e1000g.pcap' },
  { file: 'arkime/tests/pcap/icmp-frame-relay.pcap' },
  { file: 'arkime/tests/pcap/bigendian.pcap' },
  { file: 'arkime/tests/pcap/padded-udp.pcap' },
  { file: 'zeek/Traces/pcapng-multi-interface.pcapng' },
  { file: 'community-id/pcaps/combined.pcap.gz' },
  // VLAN, QinQ, MPLS, PPPoE
  { file: 'suricata-verify/eve-flow-vlan/input.pcap' },
  { file: 'suricata-verify/eve-flow-vlan-02/input.pcap' },
  { file: 'suricata-verify/detect-vlan-id/input.pcap' },
  { file: 'zeek/Traces/http-qinq-0.pcap' },
  { file: 'zeek/Traces/http-vlan-0.pcap' },
  { file: 'zeek/Traces/icmp_dot1q.pcap' },
  { file: 'tcpdump/tests/802.1ad_QinQ.pcap' },
  { file: 'arkime/tests/pcap/dot1ad.pcap' },
  { file: 'arkime/tests/pcap/twovlan.pcap' },
  { file: 'zeek/Traces/mpls-in-vlan.pcap' },
  { file: 'zeek/Traces/mixed-vlan-mpls.pcap' },
  { file: 'arkime/tests/pcap/mpls-basic.pcap' },
  { file: 'suricata-verify/decode-too-many-layers/input.pcap', anomalies: { 'decoder.too_many_layers': 1 } },
  { file: 'suricata-verify/pppoe/input.pcap' },
  { file: 'arkime/tests/pcap/pppoe.pcap' },
  { file: 'ndpi/pcap/dns.pcap' },
  { file: 'zeek/Traces/pppoe-over-qinq.pcap', diffs: 6, anomalies: { 'ipv4.bad_total_length': 6 }, why: LYING },
  // tunnels
  { file: 'suricata-verify/decode-erspan-typeI-02/input.pcap' },
  { file: 'suricata-verify/decode-erspan-typeII-01/input.pcap' },
  { file: 'zeek/Traces/erspanI.pcap' },
  { file: 'zeek/Traces/erspanII.pcap' },
  { file: 'zeek/Traces/erspanIII.pcap' },
  { file: 'zeek/Traces/tunnels/gre-erspan3-dot1q.pcap' },
  { file: 'tcpdump/tests/erspan-type-i-1.pcap' },
  { file: 'tcpdump/tests/erspan-type-ii-1.pcap' },
  { file: 'tcpdump/tests/erspan-type-iii-ft-0.pcap' },
  { file: 'arkime/tests/pcap/gre-erspan-vxlan.pcap' },
  { file: 'suricata-verify/bug-5633-gre-01/gre-udp.pcap' },
  { file: 'suricata-verify/bug-5633-gre-02/gre-sample.pcap' },
  { file: 'ndpi/pcap/gre.pcapng' },
  { file: 'arkime/tests/pcap/6-4-gre-ppp-udp-4-dns.pcap' },
  { file: 'suricata-verify/vxlan-decoder-01/input.pcap' },
  { file: 'suricata-verify/vxlan-decoder-02/vxlan.pcap' },
  { file: 'suricata-verify/vxlan-decoder-03/vxlan.pcap' },
  { file: 'zeek/Traces/tunnels/vxlan.pcap' },
  { file: 'zeek/Traces/tunnels/vxlan-encapsulated-http.pcap' },
  { file: 'ndpi/pcap/vxlan.pcap' },
  { file: 'tcpdump/tests/gso-ipv4-vxlan-ipv4.pcap' },
  { file: 'suricata-verify/geneve-decoder/input.pcap' },
  { file: 'zeek/Traces/tunnels/geneve.pcap' },
  { file: 'tcpdump/tests/geneve.pcap' },
  { file: 'suricata-verify/decode-teredo-01/input.pcap', tshark: TEREDO },
  { file: 'ndpi/pcap/teredo.pcap', tshark: TEREDO },
  { file: 'zeek/Traces/tunnels/4in4.pcap' },
  { file: 'zeek/Traces/tunnels/4in6.pcap' },
  { file: 'zeek/Traces/tunnels/6in4.pcap' },
  { file: 'zeek/Traces/tunnels/6in6.pcap' },
  { file: 'zeek/Traces/tunnels/6in6in6.pcap' },
  { file: 'zeek/Traces/tunnels/6in6-tunnel-change.pcap' },
  { file: 'ndpi/pcap/4in4tunnel.pcap' },
  { file: 'ndpi/pcap/4in6tunnel.pcap' },
  { file: 'ndpi/pcap/6in4tunnel.pcap' },
  { file: 'arkime/tests/pcap/ipv6-in-ipv4.pcap' },
  { file: 'ndpi/pcap/ipv6_in_gtp.pcap' },
  { file: 'arkime/tests/pcap/ipv6-gtp6.pcap' },
  { file: 'ndpi/pcap/reasm_segv_anon.pcapng' },
  { file: 'ndpi/pcap/tls_invalid_reads.pcap', diffs: 1, anomalies: { 'ipv4.bad_total_length': 1 }, why: LYING },
  // IP details and fragments
  { file: 'suricata-verify/defrag/bug-6887-defrag-eth-vlan-ipv4-tcp-syn/frag-eth-vlan-ip-tcp-syn.pcap', anomalies: { 'ip.tiny_first_fragment': 1, 'ipv4.frag_overlap_header': 2 } },
  { file: 'suricata-verify/defrag/bug-6887-defrag-eth-vlan-ipv6-tcp/frag-eth-vlan-ipv6-tcp.pcap' },
  { file: 'suricata-verify/defrag/bug-6887-defrag-ipv4-tcp-syn/frag-ip-tcp-syn.pcap', anomalies: { 'ip.tiny_first_fragment': 1, 'ipv4.frag_overlap_header': 2 } },
  { file: 'suricata-verify/defrag/bug-6887-defrag-ipv6-tcp/frag-ip-tcp.pcap' },
  { file: 'suricata-verify/defrag/bug-6887-defrag-ppp-ipv4-tcp-syn/frag-ppp-ip-tcp-syn.pcap', anomalies: { 'ip.tiny_first_fragment': 1, 'ipv4.frag_overlap_header': 2 } },
  { file: 'suricata-verify/defrag/bug-6887-defrag-ppp-ipv6-tcp/frag-ppp-ipv6-tcp.pcap' },
  { file: 'suricata-verify/defrag/bug-6942-6887-defrag-eth-ip-gre-ppp-ip-udp-data/eth-ip-gre-ppp-max-ip-packet.pcap' },
  { file: 'zeek/Traces/ipv4/fragmented-1.pcap' },
  { file: 'zeek/Traces/ipv4/fragmented-2.pcap' },
  { file: 'zeek/Traces/ipv4/fragmented-3.pcap' },
  { file: 'zeek/Traces/ipv4/fragmented-4.pcap' },
  { file: 'zeek/Traces/ipv4/fragmented-syn.pcap', anomalies: { 'ip.tiny_first_fragment': 1 } },
  { file: 'zeek/Traces/ipv6-fragmented-dns.pcap', diffs: 1, anomalies: { 'ipv6.frag_without_first': 1 }, why: 'packet 4 is a later fragment (offset 2896, id 1) whose first fragment is not in the capture' },
  { file: 'ndpi/pcap/dns_fragmented.pcap' },
  { file: 'ndpi/pcap/ip_fragmented_garbage.pcap', anomalies: { 'ip.tiny_first_fragment': 4, 'ipv4.frag_overlap_header': 4 } },
  { file: 'tcpdump/tests/ipv6_jumbogram_1.pcap' },
  { file: 'zeek/Traces/chksums/ip6-route0-tcp-good-chksum.pcap' },
  { file: 'zeek/Traces/chksums/ip6-route0-udp-good-chksum.pcap' },
  { file: 'zeek/Traces/chksums/ip6-route0-icmp6-good-chksum.pcap' },
  { file: 'arkime/tests/pcap/v6.pcap' },
  { file: 'arkime/tests/pcap/v6-http.pcap' },
  { file: 'ndpi/pcap/http_ipv6.pcap' },
  { file: 'ndpi/pcap/tor.pcap' },
  { file: 'suricata-verify/decode-too-small/test.pcap', diffs: 8, anomalies: { 'tcp.truncated': 2, 'udp.truncated': 4, 'gre.truncated': 2 }, why: 'transport headers shorter than their fixed part (what the test checks Suricata flags)' },
  { file: 'suricata-verify/ipv4-truncated/truncated.pcap', diffs: 1, anomalies: { 'ipv4.bad_total_length': 1 }, why: LYING },
  { file: 'zeek/Traces/tcp/reassembly.pcap', diffs: 5, anomalies: { 'ipv4.bad_total_length': 5 }, why: LYING },
];

describe('innermost flow per packet vs tshark', () => {
  for (const c of CASES) {
    it(c.file, async () => {
      const path = `${DATA}/${c.file}`;
      expect(existsSync(path)).toBe(true);
      const ours = await decodeCapture(path);
      const shark = tsharkRows(path, c.tshark);
      expect(ours.rows.length).toBeGreaterThan(0);
      const diffs = compareWithShark(ours.rows, shark);
      if ((c.diffs ?? 0) === 0) expect(diffs).toEqual([]);
      else {
        expect(diffs.length, diffs.join('\n')).toBe(c.diffs);
        // the only allowed difference: tshark shows a tuple for a packet we refused with an anomaly
        for (const d of diffs) expect(d).toMatch(/we have no tuple/);
      }
      expect(ours.anomalies).toEqual(c.anomalies ?? {});
    });
  }
});
