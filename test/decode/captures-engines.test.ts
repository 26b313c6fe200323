import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeCapture, normIp, tsharkRows, DATA, type Row } from './helpers.js';

/**
 * Real captures with answers from other engines: Suricata's decoder counters and flows
 * (suricata-verify test.yaml), Zeek's conn.log baselines, nDPI's flow lists, and tshark's
 * reassembled view for fragments.
 */

const sv = (p: string): string => `${DATA}/suricata-verify/${p}`;

describe('Suricata decoder counters (suricata-verify test.yaml stats)', () => {
  const cases: Array<[string, Record<string, number>]> = [
    ['linktype-228/flow-test-01.pcap', { tcp: 7 }],
    ['decode-sll2-01/input.pcap', { ipv4: 5, tcp: 5, sll2: 5 }],
    ['decode-sll2-02/input.pcap', { sll2: 159, tcp: 159, ipv4: 159 }],
    ['decode-erspan-typeI-02/input.pcap', { ipv4: 84, gre: 42, erspan: 42 }],
    ['decode-chdlc-01/hdlc-http_1tx.pcap', { ipv4: 17, chdlc: 17 }],
    ['decode-unknown-1/input.pcap', { ethernet: 1, unknown_ethertype: 1 }],
    ['decode-too-many-layers/input.pcap', { too_many_layers: 1 }],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const r = await decodeCapture(sv(file));
      for (const [k, v] of Object.entries(want)) expect(r.stats[k] ?? 0, k).toBe(v);
    });
  }
});

/** Packets per flow, keyed by the direction-free tuple "proto a:port b:port" (ICMP without ports). */
function flows(rows: Row[]): Map<string, { rows: Row[] }> {
  const m = new Map<string, { rows: Row[] }>();
  for (const r of rows) {
    if (!r.ok) continue;
    const k = flowKey(r.proto, r.src, r.sport, r.dst, r.dport);
    const e = m.get(k) ?? { rows: [] };
    e.rows.push(r);
    m.set(k, e);
  }
  return m;
}

function flowKey(proto: number, a: string, ap: number, b: string, bp: number): string {
  const icmp = proto === 1 || proto === 58;
  const x = `${normIp(a)}:${icmp ? '' : ap}`;
  const y = `${normIp(b)}:${icmp ? '' : bp}`;
  return `${proto} ${x < y ? `${x} ${y}` : `${y} ${x}`}`;
}

describe('Suricata flows (suricata-verify eve checks)', () => {
  it('eve-flow-vlan-02: flows with VLAN [6], [1,10] and [1,10,100]', async () => {
    const r = await decodeCapture(sv('eve-flow-vlan-02/input.pcap'));
    const stacks = r.rows.filter((x) => x.ok).map((x) => JSON.stringify(x.vlan)).sort();
    expect(stacks).toEqual(['[1,10,100]', '[1,10]', '[6]']);
  });

  it('eve-flow-vlan: [6] and [1,10]', async () => {
    const r = await decodeCapture(sv('eve-flow-vlan/input.pcap'));
    expect(r.rows.filter((x) => x.ok).map((x) => JSON.stringify(x.vlan)).sort()).toEqual(['[1,10]', '[6]']);
  });

  it('detect-vlan-id: ICMP with three VLAN layers (200, 300, 400), then one untagged', async () => {
    const r = await decodeCapture(sv('detect-vlan-id/input.pcap'));
    expect(r.rows.map((x) => [x.ok, x.proto, x.vlan])).toEqual([[true, 1, [200, 300, 400]], [true, 1, []]]);
  });

  it('decode-erspan-typeI-02: two inner ICMP flows, VLAN 1011 from 100.95.2.201 and 999 from 100.95.3.105', async () => {
    const r = await decodeCapture(sv('decode-erspan-typeI-02/input.pcap'));
    // Suricata's flow key includes the VLAN ids, so request (VLAN 1011) and reply (VLAN 999) are two flows.
    expect(new Set(r.rows.filter((x) => x.ok).map((x) => `${flowKey(x.proto, x.src, x.sport, x.dst, x.dport)} ${x.vlan}`)).size).toBe(2);
    const first = r.rows.find((x) => x.src === '100.95.2.201');
    const second = r.rows.find((x) => x.src === '100.95.3.105');
    expect([first?.proto, first?.vlan]).toEqual([1, [1011]]);
    expect([second?.proto, second?.vlan]).toEqual([1, [999]]);
  });

  it('decode-erspan-typeII-01: ICMP 23.0.0.2 <-> 23.0.0.3, VLAN 23, 2 packets each way', async () => {
    const r = await decodeCapture(sv('decode-erspan-typeII-01/input.pcap'));
    const req = r.rows.filter((x) => x.src === '23.0.0.2' && x.dst === '23.0.0.3' && x.sport === 8);
    const rep = r.rows.filter((x) => x.src === '23.0.0.3' && x.dst === '23.0.0.2' && x.sport === 0);
    expect([req.length, rep.length]).toEqual([2, 2]);
    for (const x of [...req, ...rep]) expect(x.vlan[0]).toBe(23);
  });

  it('vxlan-decoder-02: the inner ICMP flow has 4 + 4 packets', async () => {
    const r = await decodeCapture(sv('vxlan-decoder-02/vxlan.pcap'));
    const icmp = r.rows.filter((x) => x.ok && x.proto === 1);
    expect(icmp.length).toBe(8);
    expect(flows(icmp).size).toBe(1);
  });

  it('geneve-decoder: ICMP 10.0.0.1 -> 10.0.0.2, 4 packets each way', async () => {
    const r = await decodeCapture(sv('geneve-decoder/input.pcap'));
    const icmp = r.rows.filter((x) => x.ok && x.proto === 1);
    expect(icmp.filter((x) => x.src === '10.0.0.1' && x.dst === '10.0.0.2').length).toBe(4);
    expect(icmp.filter((x) => x.src === '10.0.0.2' && x.dst === '10.0.0.1').length).toBe(4);
  });

  it('decode-teredo-01: the DNS flow 192.168.2.16:1920 -> 192.168.2.1:53 and the HTTP flow to 75.126.203.78', async () => {
    const r = await decodeCapture(sv('decode-teredo-01/input.pcap'));
    const f = flows(r.rows);
    expect(f.get(flowKey(17, '192.168.2.16', 1920, '192.168.2.1', 53))).toBeDefined();
    expect([...f.keys()].some((k) => k.startsWith('6 ') && k.includes('75.126.203.78:80'))).toBe(true);
  });
});

/** Zeek conn.log rows as direction-free flow keys (Zeek ICMP "ports" are type/code: compared without ports). */
function zeekConns(baseline: string): Set<string> {
  const text = readFileSync(`${DATA}/zeek/Baseline/${baseline}/conn.log`, 'utf8');
  const lines = text.split('\n');
  const fields = (lines.find((l) => l.startsWith('#fields')) ?? '').split('\t').slice(1);
  const col = (row: string[], name: string): string => row[fields.indexOf(name)] ?? '';
  const out = new Set<string>();
  for (const l of lines) {
    if (!l || l.startsWith('#')) continue;
    const row = l.split('\t');
    const proto = { tcp: 6, udp: 17, icmp: 0 }[col(row, 'proto')] ?? -1;
    const a = col(row, 'id.orig_h');
    const b = col(row, 'id.resp_h');
    const p = proto === 0 ? (a.includes(':') ? 58 : 1) : proto;
    out.add(flowKey(p, a, Number(col(row, 'id.orig_p')), b, Number(col(row, 'id.resp_p'))));
  }
  return out;
}

describe('Zeek conn.log baselines', () => {
  // [trace, baseline, conns Zeek logs for the OUTER tunnel (packets it also saw undecoded)]
  const cases: Array<[string, string, number]> = [
    ['zeek/Traces/tunnels/vxlan.pcap', 'core.tunnels.vxlan', 4],
    ['zeek/Traces/erspanI.pcap', 'core.erspanI', 0],
    ['zeek/Traces/erspanII.pcap', 'core.erspanII', 0],
    ['zeek/Traces/erspanIII.pcap', 'core.erspanIII', 0],
    ['zeek/Traces/mpls-in-vlan.pcap', 'core.mpls-in-vlan', 0],
    ['zeek/Traces/mixed-vlan-mpls.pcap', 'core.vlan-mpls', 0],
    ['zeek/Traces/pppoe-over-qinq.pcap', 'core.pppoe-over-qinq', 0],
    ['zeek/Traces/tunnels/gre-sample.pcap', 'core.tunnels.gre', 0],
    ['zeek/Traces/tunnels/geneve.pcap', 'core.tunnels.geneve', 2],
    ['zeek/Traces/tunnels/Teredo.pcap', 'core.tunnels.teredo', 3],
  ];
  for (const [trace, baseline, outer] of cases) {
    it(`${trace} = ${baseline}`, async () => {
      const zeek = zeekConns(baseline);
      // Zeek keeps connections for TCP, UDP and ICMP only (no conn for e.g. Teredo bubbles, proto 59).
      const rows = (await decodeCapture(`${DATA}/${trace}`)).rows.filter((x) => [1, 6, 17, 58].includes(x.proto));
      const ours = new Set(flows(rows).keys());
      const onlyOurs = [...ours].filter((k) => !zeek.has(k));
      const onlyZeek = [...zeek].filter((k) => !ours.has(k));
      expect(onlyOurs).toEqual([]);
      // Zeek also logs the outer UDP conns of tunnels (it keeps them as connections); we only have
      // them for packets whose payload is not decapsulated (e.g. ARP inside VXLAN).
      expect(onlyZeek.length, onlyZeek.join('\n')).toBeLessThanOrEqual(outer);
      for (const k of onlyZeek) expect(k).toMatch(/^17 /);
    });
  }
});

/** nDPI's flow lines: "\t<n>\t<L4> <a>:<port> <-> <b>:<port> [...". */
function ndpiFlows(out: string): Set<string> {
  const set = new Set<string>();
  const re = /^\t\d+\t(\w+) (\[[0-9a-f:.]+\]|[0-9.]+):(\d+) <?-> (\[[0-9a-f:.]+\]|[0-9.]+):(\d+) /;
  const protos: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMPV6: 58, ESP: 50, SCTP: 132 };
  for (const l of out.split('\n')) {
    const m = re.exec(l);
    if (!m) continue;
    const strip = (s: string): string => s.replace(/^\[|\]$/g, '');
    const proto = protos[m[1]] ?? -1;
    set.add(flowKey(proto, strip(m[2]), proto === 50 ? 0 : Number(m[3]), strip(m[4]), proto === 50 ? 0 : Number(m[5])));
  }
  return set;
}

describe('nDPI flow lists (ndpiReader .out)', () => {
  const files = [
    '4in4tunnel.pcap', '4in6tunnel.pcap', '6in4tunnel.pcap', '6in6tunnel.pcap', 'vxlan.pcap', 'ipv6_in_gtp.pcap',
    'dns.pcap', 'dlt_ppp.pcap', 'BGP_Cisco_hdlc_slarp.pcap', 'BGP_redist.pcap', 'bets.pcapng', 'quic-v2.pcapng',
    'openvpn-tlscrypt.pcap', 'KakaoTalk_chat.pcap', 'tor.pcap', 'reasm_segv_anon.pcapng', 'someip_sd_sample.pcap',
  ];
  for (const f of files) {
    it(f, async () => {
      const want = ndpiFlows(readFileSync(`${DATA}/ndpi/result/${f}.out`, 'utf8'));
      expect(want.size).toBeGreaterThan(0);
      const got = new Set(flows((await decodeCapture(`${DATA}/ndpi/pcap/${f}`)).rows).keys());
      expect([...got].filter((k) => !want.has(k))).toEqual([]);
      expect([...want].filter((k) => !got.has(k))).toEqual([]);
    });
  }
});

describe('fragments in real captures: later fragments carry the first fragment\'s ports', () => {
  const files = [
    'zeek/Traces/ipv4/fragmented-1.pcap',
    'zeek/Traces/ipv4/fragmented-4.pcap',
    'zeek/Traces/ipv6-fragmented-dns.pcap',
    'ndpi/pcap/dns_fragmented.pcap',
    'suricata-verify/defrag/bug-6887-defrag-ipv6-tcp/frag-ip-tcp.pcap',
    'suricata-verify/defrag/bug-6942-6887-defrag-eth-ip-gre-ppp-ip-udp-data/eth-ip-gre-ppp-max-ip-packet.pcap',
  ];
  for (const f of files) {
    it(f, async () => {
      const path = `${DATA}/${f}`;
      const ours = await decodeCapture(path);
      // tshark with reassembly shows the datagram's transport at the fragment that completes it
      // (not necessarily the last one on the wire); every fragment of that datagram must carry it.
      const shark = tsharkRows(path, ['-o', 'ip.defragment:TRUE', '-o', 'ipv6.defragment:TRUE']);
      const datagrams = new Map<string, [number, number]>();
      for (const s of shark) {
        if (['tcp', 'udp'].includes(s.transport) && !Number.isNaN(s.fragId)) datagrams.set(`${normIp(s.src)} ${normIp(s.dst)} ${s.fragId}`, [s.sport, s.dport]);
      }
      let checked = 0;
      for (const o of ours.rows) {
        if (!o.ok || !o.isFragment) continue;
        const want = datagrams.get(`${o.src} ${o.dst} ${o.fragId}`);
        if (!want) continue;
        expect([o.sport, o.dport], `packet ${o.n}`).toEqual(want);
        if (o.fragOffset > 0) checked++;
      }
      // (fragmented-2/-3 are left out: their datagrams never complete, so tshark has no ports to compare)
      expect(checked).toBeGreaterThan(0);
    });
  }
});
