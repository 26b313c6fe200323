#!/usr/bin/env bash
# A client namespace with two uplinks, captured two ways:
#   two-interfaces.pcapng  tshark -i eth0 -i eth1 -w   pcapng with two Interface
#                          Description Blocks (packets carry interface id 0 or 1)
#   sll2-any.pcap          tcpdump -i any -y LINUX_SLL2  Linux cooked v2 (LINKTYPE 276)
#
#   twp-srv1 (198.51.100.5) --eth0-- twp-cli --eth1-- twp-srv2 (203.0.113.7)
#             10.1.1.10 on eth0,  10.3.3.10 on eth1
# Flows: 10.1.1.10 -> 198.51.100.5:9001 HTTP  ALERT (eth0)
#        10.3.3.10 -> 203.0.113.7:9030  TCP   ALERT (eth1)
#        10.1.1.10 -> 198.51.100.5:9002 HTTP  no    (eth0)
#        10.3.3.10 -> 203.0.113.7:9001  UDP   no    (eth1)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark curl ethtool ss capinfos

tw_ns twp-cli
tw_ns twp-srv1
tw_ns twp-srv2
tw_veth twp-cli eth0 twp-srv1 eth0
tw_veth twp-cli eth1 twp-srv2 eth0
tw_addrs twp-cli eth0 10.1.1.10/24
tw_addrs twp-cli eth1 10.3.3.10/24
tw_addrs twp-srv1 eth0 198.51.100.5/24
tw_addrs twp-srv2 eth0 203.0.113.7/24
tw_routes twp-cli eth0 198.51.100.0/24
tw_routes twp-cli eth1 203.0.113.0/24
tw_routes twp-srv1 eth0 10.1.1.0/24
tw_routes twp-srv2 eth0 10.3.3.0/24

tw_webroot
tw_bg twp-srv1 http9001 "$TW_PY" -m http.server 9001 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_bg twp-srv1 http9002 "$TW_PY" -m http.server 9002 --bind 198.51.100.5 --directory "$TW_TMP/www"
tw_bg twp-srv2 sink9030 $TW_TOOLS tcp-sink --bind 203.0.113.7 --port 9030
tw_bg twp-srv2 udp9001 $TW_TOOLS udp-sink --bind 203.0.113.7 --port 9001
tw_wait_listen twp-srv1 tcp 9001
tw_wait_listen twp-srv1 tcp 9002
tw_wait_listen twp-srv2 tcp 9030
tw_wait_listen twp-srv2 udp 9001

traffic() {
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9001/
  ip netns exec twp-cli $TW_TOOLS tcp-client --bind 10.3.3.10 --to 203.0.113.7 --port 9030 --size 300
  ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 10.1.1.10 http://198.51.100.5:9002/
  ip netns exec twp-cli $TW_TOOLS udp-send --bind 10.3.3.10 --to 203.0.113.7 --port 9001 --size 48
}

tw_capture_start twp-cli "$TW_OUT/two-interfaces.pcapng" tshark -q -n -i eth0 -i eth1 -w @OUT@
traffic
tw_capture_stop

tw_capture_start twp-cli "$TW_OUT/sll2-any.pcap" tcpdump -i any -y LINUX_SLL2 -n --immediate-mode -w @OUT@
traffic
tw_capture_stop
