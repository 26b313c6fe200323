#!/usr/bin/env bash
# tunnel-vxlan.pcap: the kernel's own VXLAN device (`ip link add type vxlan id 42
# dstport 4789`), captured by tcpdump on the OUTER interface.
#
#   twp-cli: eth0 192.0.2.1/24 (underlay) + vxlan42 10.1.1.10/24 (overlay)
#   twp-srv: eth0 192.0.2.2/24 (underlay) + vxlan42 198.51.100.5/24 (overlay)
# Outer: Ethernet / IPv4 192.0.2.1 <-> 192.0.2.2 / UDP -> 4789 / VXLAN VNI 42
# Inner flows: 10.1.1.10 -> 198.51.100.5:9001 HTTP  ALERT
#              10.1.1.10 -> 198.51.100.5:9002 HTTP  no
# (The outer UDP flow is never an alert: not TCP, and its ports are not 9001/9030.)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump curl ethtool ss capinfos

tw_ns twp-cli
tw_ns twp-srv
tw_veth twp-cli eth0 twp-srv eth0
tw_addrs twp-cli eth0 192.0.2.1/24
tw_addrs twp-srv eth0 192.0.2.2/24

vxlan() { # NS LOCAL REMOTE OVERLAY-ADDR OVERLAY-ROUTE
  local ns=$1
  ip -n "$ns" link add vxlan42 type vxlan id 42 dstport 4789 local "$2" remote "$3" dev eth0
  tw_nooffload "$ns" vxlan42
  ip -n "$ns" link set vxlan42 up
  tw_addrs "$ns" vxlan42 "$4"
  tw_routes "$ns" vxlan42 "$5"
}
vxlan twp-cli 192.0.2.1 192.0.2.2 10.1.1.10/24 198.51.100.0/24
vxlan twp-srv 192.0.2.2 192.0.2.1 198.51.100.5/24 10.1.1.0/24

tw_webroot
tw_bg twp-srv http9001 "$TW_PY" -m http.server 9001 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_bg twp-srv http9002 "$TW_PY" -m http.server 9002 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv tcp 9002

tw_capture_start twp-cli "$TW_OUT/tunnel-vxlan.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9001/
ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/
tw_capture_stop
