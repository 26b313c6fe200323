import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Harness, ipText, normIp } from './helpers.js';

/**
 * Packets built by scapy (an independent implementation of every header), with scapy's own answer
 * for the innermost flow: the last IP/IPv6 layer (scapy's IPerror inside ICMP errors is a different
 * class, so quoted datagrams do not count) and the transport right above it; VLAN ids from 802.1Q/ad
 * tags and from the ERSPAN header (the mirrored frame's original VLAN, recorded as Suricata does).
 */
const SCRIPT = String.raw`
import json, sys
from scapy.all import *
from scapy.contrib.mpls import MPLS
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
from scapy.layers.vxlan import VXLAN
from scapy.contrib.geneve import GENEVE
from scapy.contrib.gtp import GTP_U_Header
from scapy.layers.l2 import CookedLinux, Dot1AD
try:
    from scapy.layers.l2 import CookedLinuxV2
except ImportError:
    CookedLinuxV2 = None

A4, B4, C4, D4 = '192.0.2.1', '198.51.100.2', '10.1.1.1', '203.0.113.9'
A6, B6 = '2001:db8::1', '2001:db8:ffff::2'
cases = [
  ('dot1q x2', 1, Ether()/Dot1Q(vlan=5)/Dot1Q(vlan=6)/IP(src=C4, dst=D4)/TCP(sport=1111, dport=9001, flags='S')),
  ('802.1ad', 1, Ether()/Dot1AD(vlan=100)/Dot1Q(vlan=200)/IPv6(src=A6, dst=B6)/UDP(sport=5353, dport=53)),
  ('ip options', 1, Ether()/IP(src=C4, dst=D4, options=[IPOption_RR(routers=['0.0.0.0'] * 3)])/UDP(sport=1, dport=53)/DNS(qd=DNSQR(qname='example.org'))),
  ('ipv6 ext chain', 1, Ether()/IPv6(src=A6, dst=B6)/IPv6ExtHdrHopByHop()/IPv6ExtHdrRouting()/IPv6ExtHdrDestOpt()/TCP(sport=2, dport=443)),
  ('gre key seq', 1, Ether()/IP(src=A4, dst=B4)/GRE(key_present=1, key=9, seqnum_present=1, seqence_number=3)/IP(src=C4, dst=D4)/UDP(sport=3, dport=4)),
  # ERSPAN_II's default version is 0; real type II headers (and Suricata, and we) require 1.
  ('erspan II', 1, Ether()/IP(src=A4, dst=B4)/GRE(seqnum_present=1, proto=0x88be)/ERSPAN_II(ver=1, vlan=23)/Ether()/IP(src=C4, dst=D4)/ICMP(type=8)),
  ('erspan III', 1, Ether()/IP(src=A4, dst=B4)/GRE(seqnum_present=1, proto=0x22eb)/ERSPAN_III()/Ether()/IP(src=C4, dst=D4)/TCP(sport=5, dport=6)),
  ('vxlan', 1, Ether()/IP(src=A4, dst=B4)/UDP(sport=49152, dport=4789)/VXLAN(vni=5)/Ether()/IP(src=C4, dst=D4)/TCP(sport=7, dport=8)),
  ('geneve', 1, Ether()/IP(src=A4, dst=B4)/UDP(sport=49152, dport=6081)/GENEVE(vni=7, proto=0x6558)/Ether()/IPv6(src=A6, dst=B6)/TCP(sport=9, dport=10)),
  ('mpls x2', 1, Ether()/MPLS(label=100, s=0)/MPLS(label=200, s=1)/IP(src=C4, dst=D4)/TCP(sport=11, dport=12)),
  ('pppoe', 1, Ether()/PPPoE(sessionid=7)/PPP(proto=0x0021)/IP(src=C4, dst=D4)/UDP(sport=13, dport=14)),
  ('sll', 113, CookedLinux(proto=0x0800)/IP(src=C4, dst=D4)/TCP(sport=15, dport=16)),
  ('null ipv6', 0, Loopback(type=24)/IPv6(src=A6, dst=B6)/UDP(sport=17, dport=18)),
  ('raw', 101, IP(src=C4, dst=D4)/TCP(sport=19, dport=20)),
  ('gtp-u', 1, Ether()/IP(src=A4, dst=B4)/UDP(sport=2152, dport=2152)/GTP_U_Header(teid=1)/IP(src=C4, dst=D4)/TCP(sport=21, dport=22)),
  ('6in4', 1, Ether()/IP(src=A4, dst=B4)/IPv6(src=A6, dst=B6)/UDP(sport=23, dport=24)),
  ('4in6', 1, Ether()/IPv6(src=A6, dst=B6)/IP(src=C4, dst=D4)/ICMP(type=0)),
  ('icmp error', 1, Ether()/IP(src=A4, dst=B4)/ICMP(type=3, code=3)/IPerror(src=B4, dst=D4)/UDPerror(sport=25, dport=26)),
  ('sctp', 1, Ether()/IP(src=C4, dst=D4)/SCTP(sport=27, dport=28)/SCTPChunkData(data=b'x')),
  ('icmpv6 echo', 1, Ether()/IPv6(src=A6, dst=B6)/ICMPv6EchoRequest()),
  ('icmpv6 ns', 1, Ether()/IPv6(src=A6, dst=B6)/ICMPv6ND_NS(tgt=B6)),
  ('ipv6 first fragment', 1, Ether()/IPv6(src=A6, dst=B6)/IPv6ExtHdrFragment(offset=0, m=1, id=5)/UDP(sport=29, dport=30)/Raw(b'a' * 64)),
]
if CookedLinuxV2 is not None:
    cases.append(('sll2', 276, CookedLinuxV2(proto=0x0800)/IP(src=C4, dst=D4)/TCP(sport=31, dport=32)))

def answer(pkt):
    last = None
    for layer in pkt.iterpayloads():
        if isinstance(layer, (IP, IPv6)) and type(layer) in (IP, IPv6):
            last = layer
        if isinstance(layer, (ICMP,)) or type(layer).__name__.startswith('ICMPv6'):
            break
    t = last.payload
    while type(t).__name__.startswith('IPv6ExtHdr'):
        t = t.payload
    ans = {'version': 4 if isinstance(last, IP) else 6, 'src': last.src, 'dst': last.dst, 'sport': 0, 'dport': 0, 'proto': None}
    if isinstance(t, (TCP, UDP, SCTP)):
        ans.update(sport=t.sport, dport=t.dport, proto={TCP: 6, UDP: 17, SCTP: 132}[type(t)])
    elif isinstance(t, ICMP):
        ans.update(sport=t.type, dport=t.code, proto=1)
    elif type(t).__name__.startswith('ICMPv6'):
        ans.update(sport=t.type, dport=t.code, proto=58)
    return ans

out = []
for name, lt, pkt in cases:
    out.append({'name': name, 'linktype': lt, 'hex': bytes(pkt).hex(), 'vlan': [l.vlan for l in pkt.iterpayloads() if isinstance(l, (Dot1Q, Dot1AD)) or (isinstance(l, (ERSPAN_II, ERSPAN_III)) and l.vlan)], 'expect': answer(Ether(bytes(pkt)) if lt == 1 else pkt)})

# A fragmented datagram, as scapy's fragment() cuts it.
frags = fragment(IP(src=C4, dst=D4, id=4242)/UDP(sport=33, dport=34)/Raw(b'z' * 3000), fragsize=1000)
out.append({'name': 'fragments', 'linktype': 1, 'frames': [bytes(Ether()/f).hex() for f in frags], 'expect': {'version': 4, 'src': C4, 'dst': D4, 'sport': 33, 'dport': 34, 'proto': 17}})
json.dump(out, sys.stdout)
`;

interface Case {
  name: string;
  linktype: number;
  hex?: string;
  frames?: string[];
  vlan?: number[];
  expect: { version: number; src: string; dst: string; sport: number; dport: number; proto: number | null };
}

function scapyCases(): Case[] {
  const out = execFileSync('/usr/bin/python3', ['-c', SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out) as Case[];
}

describe('packets built by scapy', () => {
  const cases = scapyCases();

  it('has the cases (scapy with contrib layers is installed)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(23);
  });

  for (const c of cases) {
    it(c.name, () => {
      const h = new Harness();
      const frames = c.frames ?? [c.hex ?? ''];
      for (const f of frames) {
        expect(h.decode(Buffer.from(f, 'hex'), c.linktype)).toBe(true);
        const p = h.p;
        const e = c.expect;
        expect([p.ipVersion, ipText(p, 'src'), ipText(p, 'dst'), p.sport, p.dport]).toEqual([e.version, normIp(e.src), normIp(e.dst), e.sport, e.dport]);
        if (e.proto !== null) expect(p.proto).toBe(e.proto);
        if (c.vlan) expect(Array.from(p.vlan.subarray(0, p.vlanCount))).toEqual(c.vlan);
      }
      expect(h.anomalies.toObject()).toEqual({});
    });
  }
});
