#!/usr/bin/env bash
# mpls.pcap: IPv4 over an MPLS label stack on Ethernet (ethertype 0x8847), captured
# by tcpdump on the link between two label-switching bridges.
#
# This kernel has no MPLS forwarding (CONFIG_MPLS_ROUTING unset, no modules: no
# `modprobe mpls_router`, no `ip -f mpls route`). The labels are pushed and popped
# by Open vSwitch (userspace datapath) OpenFlow actions instead:
#
#   twp-cli eth0 10.1.1.10 ==vm1== [brA]--mA====mB--[brB] ==vm2== eth0 198.51.100.5 twp-srv
#                                  (one OVS instance in twp-sw; tcpdump listens on mA)
#   client -> server: two labels, outer 100, inner (bottom of stack) 16
#   server -> client: one label, 200
#   ARP crosses unlabelled.
# Flows: 10.1.1.10 -> 198.51.100.5:9001 HTTP  ALERT
#        10.1.1.10 -> 198.51.100.5:9002 HTTP  no
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump curl ethtool ss capinfos ovs-vsctl ovs-ofctl ovsdb-tool ovs-vswitchd ovsdb-server

tw_ns twp-cli
tw_ns twp-srv
tw_ns twp-sw
tw_veth twp-cli eth0 twp-sw vm1
tw_veth twp-srv eth0 twp-sw vm2
tw_veth twp-sw mA twp-sw mB
tw_addrs twp-cli eth0 10.1.1.10/24
tw_addrs twp-srv eth0 198.51.100.5/24
tw_routes twp-cli eth0 198.51.100.0/24
tw_routes twp-srv eth0 10.1.1.0/24

tw_webroot
tw_bg twp-srv http9001 "$TW_PY" -m http.server 9001 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_bg twp-srv http9002 "$TW_PY" -m http.server 9002 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv tcp 9002

tw_ovs_start twp-sw
for br in brA brB; do
  $TW_OVSV add-br $br -- set bridge $br datapath_type=netdev protocols=OpenFlow13,OpenFlow15
done
$TW_OVSV add-port brA vm1 -- add-port brA mA
$TW_OVSV add-port brB vm2 -- add-port brB mB
of() { tw_ovs_ofctl "$TW_OVSRUN" "$@"; }
for br in brA brB; do of $br del-flows; done
# brA: client side. Push inner label 16 then outer label 100; pop label 200 back to IPv4.
of brA add-flow "priority=10,in_port=vm1,ip,actions=push_mpls:0x8847,set_field:16->mpls_label,push_mpls:0x8847,set_field:100->mpls_label,output:mA"
of brA add-flow "priority=10,in_port=mA,mpls,mpls_label=200,mpls_bos=1,actions=pop_mpls:0x0800,output:vm1"
of brA add-flow "priority=5,in_port=vm1,arp,actions=output:mA"
of brA add-flow "priority=5,in_port=mA,arp,actions=output:vm1"
# brB: server side. Pop outer 100 (an MPLS packet remains), then inner 16 to IPv4.
of brB add-flow "table=0,priority=10,in_port=mB,mpls,mpls_label=100,mpls_bos=0,actions=pop_mpls:0x8847,goto_table:1"
of brB add-flow "table=1,priority=10,in_port=mB,mpls,mpls_label=16,mpls_bos=1,actions=pop_mpls:0x0800,output:vm2"
of brB add-flow "priority=10,in_port=vm2,ip,actions=push_mpls:0x8847,set_field:200->mpls_label,output:mB"
of brB add-flow "priority=5,in_port=vm2,arp,actions=output:mB"
of brB add-flow "priority=5,in_port=mB,arp,actions=output:vm2"

ok=0
for i in $(seq 1 50); do
  if ip netns exec twp-cli curl -s -m 2 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/; then ok=1; break; fi
  sleep 0.2
done
[[ $ok -eq 1 ]] || tw_die "no path across the MPLS link"

tw_capture_start twp-sw "$TW_OUT/mpls.pcap" tcpdump -i mA -n --immediate-mode -w @OUT@
ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9001/
ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/
tw_capture_stop
