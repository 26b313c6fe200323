#!/usr/bin/env bash
# GRE-family tunnels, captured by tcpdump on the OUTER (underlay) link, so each file
# holds encapsulated packets whose inner flow is 10.1.1.10 -> 198.51.100.5.
#
# This kernel has no GRE support at all (CONFIG_NET_IPGRE_DEMUX unset, no modules):
# `ip link add type gre|gretap|erspan` fails. The tunnels are Open vSwitch tunnel
# ports in its userspace datapath ("userspace tunneling"), one OVS per "host":
#
#   twp-cli 10.1.1.10 ==vm1== [br-int]--tunnel (twp-h1)   [br-phy 192.0.2.1]--wire1
#                                                                                  |  underlay veth,
#   twp-srv 198.51.100.5 ==vm2== [br-int]--tunnel (twp-h2) [br-phy 192.0.2.2]--wire2 |  tcpdump on wire1
#
# OVS ERSPAN ports are full tunnel endpoints (not a one-way mirror), so the ERSPAN
# files hold a complete, working TCP connection inside ERSPAN.
#
#   tunnel-gre-ipv4.pcap      IPv4 directly in GRE (proto 0x0800, no key): port
#                             type=gre packet_type=legacy_l3; OVS strips the inner
#                             Ethernet header, OpenFlow rules re-address it on exit
#   tunnel-gretap.pcap        Ethernet in GRE (proto 0x6558, key 42): type=gre
#   tunnel-erspan-type2.pcap  ERSPAN type II (GRE proto 0x88be, seq, session 100):
#                             type=erspan erspan_ver=1
#   tunnel-erspan-type3.pcap  ERSPAN type III (GRE proto 0x22eb, session 101):
#                             type=erspan erspan_ver=2
# Inner flows in each: 10.1.1.10 -> 198.51.100.5:9001 HTTP ALERT; -> :9002 HTTP no.
# (Outer flows are GRE between 192.0.2.1 and 192.0.2.2: never an alert.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump curl ethtool ss capinfos ovs-vsctl ovs-ofctl ovs-appctl ovsdb-tool ovs-vswitchd ovsdb-server

MAC_CLI=02:00:00:00:00:10
MAC_SRV=02:00:00:00:00:05
MAC_PHY1=02:00:00:00:01:01
MAC_PHY2=02:00:00:00:02:01

tw_ns twp-cli
tw_ns twp-srv
tw_ns twp-h1
tw_ns twp-h2
tw_veth twp-cli eth0 twp-h1 vm1
tw_veth twp-srv eth0 twp-h2 vm2
tw_veth twp-h1 wire1 twp-h2 wire2
ip -n twp-cli link set eth0 address $MAC_CLI
ip -n twp-srv link set eth0 address $MAC_SRV
# Leave room for the outer headers (ERSPAN III adds 50+ bytes) inside the 1500-byte underlay.
ip -n twp-cli link set eth0 mtu 1400
ip -n twp-srv link set eth0 mtu 1400
tw_addrs twp-cli eth0 10.1.1.10/24
tw_addrs twp-srv eth0 198.51.100.5/24
tw_routes twp-cli eth0 198.51.100.0/24
tw_routes twp-srv eth0 10.1.1.0/24
# Static neighbours: the layer-3 GRE tunnel cannot carry ARP.
ip -n twp-cli neigh replace 198.51.100.5 lladdr $MAC_SRV dev eth0 nud permanent
ip -n twp-srv neigh replace 10.1.1.10 lladdr $MAC_CLI dev eth0 nud permanent

tw_webroot
tw_bg twp-srv http9001 "$TW_PY" -m http.server 9001 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_bg twp-srv http9002 "$TW_PY" -m http.server 9002 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv tcp 9002

# host NS VM-PORT WIRE-PORT MY-IP MY-MAC PEER-IP PEER-MAC: one OVS "host" with
# br-int (VM port + tunnel) and br-phy (underlay port, tunnel endpoint address).
host() {
  local ns=$1 vm=$2 wire=$3 ip=$4 mac=$5 peer=$6 peermac=$7
  tw_ovs_start "$ns"
  local v=$TW_OVSV
  $v add-br br-int -- set bridge br-int datapath_type=netdev protocols=OpenFlow13,OpenFlow15 \
     -- add-port br-int "$vm"
  $v add-br br-phy -- set bridge br-phy datapath_type=netdev other_config:hwaddr="$mac" \
     -- add-port br-phy "$wire"
  ip -n "$ns" addr add "$ip/24" dev br-phy
  ip -n "$ns" link set br-phy up
  # The tunnel's next hop is known in advance: no ARP needed by the datapath.
  local i
  for i in $(seq 1 50); do
    ovs-appctl -t "$TW_OVSRUN/ovs-vswitchd.ctl" tnl/neigh/set br-phy "$peer" "$peermac" >/dev/null 2>&1 && break
    sleep 0.1
  done
}

host twp-h1 vm1 wire1 192.0.2.1 $MAC_PHY1 192.0.2.2 $MAC_PHY2
RUN1=$TW_OVSRUN; V1=$TW_OVSV
host twp-h2 vm2 wire2 192.0.2.2 $MAC_PHY2 192.0.2.1 $MAC_PHY1
RUN2=$TW_OVSRUN; V2=$TW_OVSV

# tunnel NAME TYPE OPTIONS...: replace the tunnel port on both hosts. Each variant
# gets a fresh port name: re-typing a port under the same name left OVS treating
# the new Ethernet tunnel as the old layer-3 one.
TUN=
tunnel() {
  local name=$1 type=$2; shift 2
  local v
  for v in "$V1" "$V2"; do
    if [[ -n $TUN ]]; then $v del-port br-int "$TUN"; fi
  done
  $V1 add-port br-int "$name" -- set interface "$name" type="$type" \
    options:remote_ip=192.0.2.2 options:local_ip=192.0.2.1 "$@"
  $V2 add-port br-int "$name" -- set interface "$name" type="$type" \
    options:remote_ip=192.0.2.1 options:local_ip=192.0.2.2 "$@"
  TUN=$name
}

# Plain switching between the VM port and an Ethernet tunnel.
normal_flows() {
  local run
  for run in "$RUN1" "$RUN2"; do
    tw_ovs_ofctl "$run" br-int del-flows
    tw_ovs_ofctl "$run" br-int add-flow "priority=0,actions=NORMAL"
  done
}

# Layer-3 tunnel: IPv4 leaves without its Ethernet header (OVS strips it on output
# to a legacy_l3 port); arriving IPv4 is shown to OpenFlow with a dummy all-zero
# Ethernet header, which we address to the local host.
l3_flows() {
  local run=$1 vm=$2 dstmac=$3 srcmac=$4
  tw_ovs_ofctl "$run" br-int del-flows
  tw_ovs_ofctl "$run" br-int add-flow "priority=10,in_port=$vm,ip,actions=output:$TUN"
  tw_ovs_ofctl "$run" br-int add-flow \
    "priority=10,in_port=$TUN,ip,actions=set_field:$srcmac->eth_src,set_field:$dstmac->eth_dst,output:$vm"
}

traffic() {
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9001/
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/
}

warm_up() {
  local i
  for i in $(seq 1 50); do
    ip netns exec twp-cli curl -s -m 2 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/ && return 0
    sleep 0.2
  done
  tw_die "no path through the tunnel"
}

capture() {
  warm_up
  tw_capture_start twp-h1 "$TW_OUT/$1" tcpdump -i wire1 -n --immediate-mode -w @OUT@
  traffic
  tw_capture_stop
}

tunnel gre3 gre options:packet_type=legacy_l3
l3_flows "$RUN1" vm1 $MAC_CLI $MAC_SRV
l3_flows "$RUN2" vm2 $MAC_SRV $MAC_CLI
capture tunnel-gre-ipv4.pcap

tunnel gretap gre options:key=42
normal_flows
capture tunnel-gretap.pcap

tunnel erspan2 erspan options:key=100 options:erspan_ver=1 options:erspan_idx=7
normal_flows
capture tunnel-erspan-type2.pcap

tunnel erspan3 erspan options:key=101 options:erspan_ver=2 options:erspan_dir=1 options:erspan_hwid=5
normal_flows
capture tunnel-erspan-type3.pcap
