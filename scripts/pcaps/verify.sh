#!/usr/bin/env bash
# Check every regression capture: it opens with tcpdump (or, for gzip, tshark),
# capinfos reports the intended file type and link type, it holds the packets it
# was made for (a tshark display filter that must match), and it has an
# expected-alerts file. Prints one summary row per capture; exits 1 on any failure.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
P=$ROOT/pcaps

# file | capinfos "File type" | capinfos "File encapsulation" | first bytes (hex) |
# display filters (separated by ";;"), each of which must match at least one packet
CHECKS=$(cat <<'EOF'
tor-port-mix.pcap|pcap|ether|d4c3b2a1|tcp.dstport==9030 && tls.handshake.extensions_server_name=="relay.example";;udp.dstport==9001;;icmp.type==3
tor-port-mix-nano.pcap|nsecpcap|ether|4d3cb2a1|tcp.dstport==9001
tor-port-mix.pcapng|pcapng|ether|0a0d0d0a|tcp.dstport==9001
tor-port-mix-bigendian.pcap|pcap|ether|a1b2c3d4|tcp.dstport==9001
tor-port-mix.pcapng.gz|pcapng|ether|1f8b|tcp.dstport==9001
tor-port-mix-gzipped.pcapng|pcapng|ether|1f8b|tcp.dstport==9001
tcp-midstream.pcap|pcap|ether|d4c3b2a1|tcp.srcport==9001 && tcp.len>0
two-interfaces.pcapng|pcapng|ether|0a0d0d0a|frame.interface_id==1
sll2-any.pcap|pcap|linux-sll2|d4c3b2a1|sll.ifindex
vlan-8021q.pcap|pcap|ether|d4c3b2a1|vlan.id==100 && tcp.dstport==9001
qinq-8021ad.pcap|pcap|ether|d4c3b2a1|ieee8021ad.id==200 && vlan.id==100 && tcp.dstport==9001
ipv6-mix.pcap|pcap|ether|d4c3b2a1|ipv6.dstopts && tcp.dstport==9030;;ipv6.fraghdr.more==1;;udp.dstport==9001 && ipv6.fraghdr;;ipv6.src==fd00:1::10
ipv4-frag-tcp.pcap|pcap|ether|d4c3b2a1|ip.flags.mf==1 && ip.proto==6
ipv4-frag-udp.pcap|pcap|ether|d4c3b2a1|ip.flags.mf==1 && ip.proto==17
tunnel-gre-ipv4.pcap|pcap|ether|d4c3b2a1|gre.proto==0x0800 && tcp.dstport==9001
tunnel-gretap.pcap|pcap|ether|d4c3b2a1|gre.proto==0x6558 && gre.key==42 && tcp.dstport==9001
tunnel-erspan-type2.pcap|pcap|ether|d4c3b2a1|gre.proto==0x88be && erspan.version==1 && tcp.dstport==9001
tunnel-erspan-type3.pcap|pcap|ether|d4c3b2a1|gre.proto==0x22eb && erspan.version==2 && tcp.dstport==9001
tunnel-vxlan.pcap|pcap|ether|d4c3b2a1|vxlan.vni==42 && tcp.dstport==9001
mpls.pcap|pcap|ether|d4c3b2a1|mpls.label==100 && mpls.label==16 && tcp.dstport==9001
tor-private-net.pcap|pcap|ether|d4c3b2a1|ip.src==10.1.1.10 && tcp.dstport==9001 && tls.handshake.type==1;;ip.dst==10.2.2.20 && tcp.dstport==8080 && http.request;;ip.addr==10.3.3.30 && tcp.flags.syn==1
dns-names.pcap|pcap|ether|d4c3b2a1|udp && dns.qry.name=="foo.onion";;tcp && dns.qry.name=="y.tor";;dns.aaaa==2001:db8:4::20;;dns.cname=="cdn.example.net";;dns.qry.name=="storage.googleapis.com"
web-names.pcap|pcap|ether|d4c3b2a1|tls.handshake.extensions_server_name=="abcdefghij234567.onion.to" && tls.handshake.extensions.supported_version==0x0304;;tls.handshake.extensions_server_name=="www.vuze.example";;tls.handshake.type==11;;http.host=="y.tor:8080";;http.request.method=="CONNECT";;ipv6.dst==2001:db8:4::20 && http.host=="plain.example"
tor-link-tls13.pcap|pcap|ether|d4c3b2a1|tls.handshake.type==1 && tls.handshake.extensions_supported_group==0x0015 && !tls.handshake.extensions_alpn_str;;tls.handshake.extensions.supported_version==0x0304 && tls.handshake.type==2
tor-link-tls12.pcap|pcap|ether|d4c3b2a1|tls.handshake.type==11;;tls.handshake.type==2 && tls.handshake.version==0x0303
bt-tracker-tcp.pcap|pcap|ether|d4c3b2a1|bittorrent.protocol.name && ip.src==10.1.1.12;;http.request.uri contains "info_hash=";;bittorrent.protocol.name && ip.src==10.1.1.11
bt-udp-tracker-utp.pcap|pcap|ether|d4c3b2a1|udp.dstport==6969 && udp.length==24;;udp.length>100 && udp.srcport==6882
bt-dht-swarm.pcap|pcap|ether|d4c3b2a1|bt-dht;;bittorrent.protocol.name
bt-lsd.pcap|pcap|ether|d4c3b2a1|lsd && ip.dst==239.192.152.143;;lsd && ipv6.dst==ff15::efc0:988f;;bittorrent.protocol.name
bt-mse.pcap|pcap|ether|d4c3b2a1|tcp.dstport==51413 && tcp.len>=96;;http.request.uri contains "info_hash="
bt-ipv6.pcap|pcap|ether|d4c3b2a1|ipv6 && bittorrent.protocol.name;;ipv6 && udp.dstport==6969;;ipv6 && bt-dht
bt-midstream.pcap|pcap|ether|d4c3b2a1|tcp.srcport==51413 && tcp.len>1000;;http.request.uri contains "info_hash="
bt-negatives.pcap|pcap|ether|d4c3b2a1|tcp.dstport==5201;;udp.dstport==5001;;udp.dstport==6881;;dns;;http.request.uri contains "announce"
obfs4-bridges.pcap|pcap|ether|d4c3b2a1|ip.dst==198.51.100.40 && tcp.dstport==37219 && tcp.len>1000;;ip.dst==198.51.100.41 && tcp.dstport==443 && tcp.len>1000 && !tls.handshake.type
obfs4-builtin-bridge.pcap|pcap|ether|d4c3b2a1|ip.dst==192.95.36.142 && tcp.dstport==443 && tcp.flags.syn==1
snowflake.pcap|pcap|ether|d4c3b2a1|dns.qry.name=="vuejs.org";;tls.handshake.extensions_server_name=="vuejs.org";;stun.type==0x0001 && ip.dst==203.0.113.70;;stun.att.type==0x0006;;dtls.handshake.type==1 && dtls.handshake.extensions_supported_group==0x001d;;dtls.handshake.type==2
meek.pcap|pcap|ether|d4c3b2a1|dns.qry.name=="www.phpmyadmin.net";;tls.handshake.extensions_server_name=="www.phpmyadmin.net" && ip.src==10.7.7.10;;tls.handshake.extensions_server_name=="www.phpmyadmin.net" && ip.src==10.7.7.11
fet-negatives.pcap|pcap|ether|d4c3b2a1|tls.handshake.extensions.supported_version==0x0304;;tcp.dstport==8443 && tls.handshake.type==1;;http.request;;ssh.protocol;;tcp.dstport==8388 && tcp.len>0;;tcp.dstport==8389 && tcp.len>0;;tcp.dstport==9999 && tcp.len>0;;udp.dstport==51820
EOF
)

fail=0
bad() { echo "FAIL $1: $2" >&2; fail=1; }
printf '%-28s %-25s %-11s %7s %6s %s\n' file type linktype packets alerts bytes
listed=()
while IFS='|' read -r f type encap magic filters; do
  listed+=("$f")
  path=$P/$f
  [[ -f $path ]] || { bad "$f" "missing"; continue; }
  info=$(capinfos -M -t -E -c "$path") || { bad "$f" "capinfos cannot read it"; continue; }
  got_type=$(awk -F': *' '/^File type/ {print $2}' <<<"$info")
  got_encap=$(awk -F': *' '/^File encapsulation/ {print $2}' <<<"$info")
  pkts=$(awk -F': *' '/^Number of packets/ {print $2}' <<<"$info")
  # capinfos names a compressed pcapng "pcapng (gzip compressed)".
  [[ ${got_type%% (*} == "$type" ]] || bad "$f" "file type '$got_type', want '$type'"
  [[ $got_encap == "$encap" ]] || bad "$f" "encapsulation '$got_encap', want '$encap'"
  head=$(xxd -p -l $(( ${#magic} / 2 )) "$path")
  [[ $head == "$magic" ]] || bad "$f" "starts with $head, want $magic"
  if [[ $magic == 1f8b ]]; then
    tshark -n -r "$path" >/dev/null 2>&1 || bad "$f" "tshark -r fails"
  else
    tcpdump -n -r "$path" >/dev/null 2>&1 || bad "$f" "tcpdump -r fails"
  fi
  # (tshark's -c counts packets read, not packets shown, so count the output lines.)
  IFS=';' read -r -a flist <<<"${filters//;;/;}"
  for filter in "${flist[@]}"; do
    n=$(tshark -n -r "$path" -d tcp.port==9030,tls -Y "$filter" 2>/dev/null | wc -l)
    [[ $n -gt 0 ]] || bad "$f" "no packet matches: $filter"
  done
  exp=$P/expected/$f.alerts.ndjson
  if [[ -f $exp ]]; then alerts=$(wc -l <"$exp"); else bad "$f" "no expected-alerts file"; alerts=-; fi
  printf '%-28s %-25s %-11s %7s %6s %s\n' "$f" "$got_type" "$got_encap" "$pkts" "$alerts" "$(stat -c %s "$path")"
done <<<"$CHECKS"

# Every file in pcaps/ must be known here (and so described in the README).
for path in "$P"/*; do
  [[ -f $path ]] || continue
  f=$(basename "$path")
  [[ $f == README.md ]] && continue
  printf '%s\n' "${listed[@]}" | grep -qx -- "$f" || bad "$f" "not listed in verify.sh"
  grep -q -- "\`$f\`" "$P/README.md" 2>/dev/null || bad "$f" "not described in pcaps/README.md"
done
exit $fail
