#!/usr/bin/env bash
# 802.1Q and QinQ (802.1ad) tagged Ethernet, captured by tcpdump on a trunk link.
#
# This kernel has no 802.1Q support (CONFIG_VLAN_8021Q unset, no modules), so VLAN
# sub-interfaces cannot be made. The tags are pushed and popped by Open vSwitch
# (userspace datapath) acting as two switches joined by a trunk:
#
#   twp-cli eth0 10.1.1.10 ==vm1== [brA]--tA====trunk====tB--[brB] ==vm2== eth0 198.51.100.5 twp-srv
#                                    (both bridges in one OVS instance in twp-sw;
#                                     tcpdump listens on tA)
#
#   vlan-8021q.pcap   brA/brB: access port tag=100 toward the hosts, trunk port
#                     trunks=100 -> frames on the trunk carry one 0x8100 tag, VID 100
#   qinq-8021ad.pcap  OpenFlow rules push a C-tag (0x8100, VID 100) then an S-tag
#                     (0x88a8, VID 200) toward the trunk and pop both on the way back
# Flows in each: 10.1.1.10 -> 198.51.100.5:9001 HTTP  ALERT
#                10.1.1.10 -> 198.51.100.5:9002 HTTP  no
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump curl ethtool ss capinfos ovs-vsctl ovs-ofctl ovsdb-tool ovs-vswitchd ovsdb-server

tw_ns twp-cli
tw_ns twp-srv
tw_ns twp-sw
tw_veth twp-cli eth0 twp-sw vm1
tw_veth twp-srv eth0 twp-sw vm2
tw_veth twp-sw tA twp-sw tB
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
OVS=$TW_OVSV
# Parse up to two tags of incoming frames (the QinQ case needs both).
$OVS set Open_vSwitch . other_config:vlan-limit=2

traffic() {
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9001/
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/
}

warm_up() {
  # Fill the hosts' ARP caches (and prove the path works) before capturing.
  local i
  for i in $(seq 1 50); do
    ip netns exec twp-cli curl -s -m 2 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/ && return 0
    sleep 0.2
  done
  tw_die "no path through the switch"
}

# --- 802.1Q: access and trunk ports, the switch's NORMAL forwarding ---
$OVS add-br brA -- set bridge brA datapath_type=netdev
$OVS add-br brB -- set bridge brB datapath_type=netdev
$OVS add-port brA vm1 tag=100 -- add-port brA tA trunks=100
$OVS add-port brB vm2 tag=100 -- add-port brB tB trunks=100
warm_up
tw_capture_start twp-sw "$TW_OUT/vlan-8021q.pcap" tcpdump -i tA -n --immediate-mode -w @OUT@
traffic
tw_capture_stop

# --- QinQ: explicit OpenFlow push/pop of C-tag 100 and S-tag 200 ---
$OVS del-br brA -- del-br brB
ip netns exec twp-cli ip neigh flush all
ip netns exec twp-srv ip neigh flush all
for br in brA brB; do
  $OVS add-br $br -- set bridge $br datapath_type=netdev protocols=OpenFlow13,OpenFlow15
done
$OVS add-port brA vm1 -- add-port brA tA
$OVS add-port brB vm2 -- add-port brB tB
push='push_vlan:0x8100,set_field:4196->vlan_vid,push_vlan:0x88a8,set_field:4296->vlan_vid'
for pair in "brA vm1 tA" "brB vm2 tB"; do
  set -- $pair
  tw_ovs_ofctl "$TW_OVSRUN" "$1" del-flows
  tw_ovs_ofctl "$TW_OVSRUN" "$1" add-flow "priority=10,in_port=$2,actions=$push,output:$3"
  # Pop the S-tag (VID 200), then match the C-tag (VID 100) in table 1 and pop it.
  tw_ovs_ofctl "$TW_OVSRUN" "$1" add-flow "table=0,priority=10,in_port=$3,dl_vlan=200,actions=pop_vlan,goto_table:1"
  tw_ovs_ofctl "$TW_OVSRUN" "$1" add-flow "table=1,priority=10,in_port=$3,dl_vlan=100,actions=pop_vlan,output:$2"
done
warm_up
tw_capture_start twp-sw "$TW_OUT/qinq-8021ad.pcap" tcpdump -i tA -n --immediate-mode -w @OUT@
traffic
tw_capture_stop
