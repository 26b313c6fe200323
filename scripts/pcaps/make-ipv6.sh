#!/usr/bin/env bash
# ipv6-mix.pcap: IPv6 decode and flows (tcpdump, Ethernet). Seed 004's source list is
# IPv4-only, so NONE of these flows is a tor-port-private alert.
#   twp-cli eth0: 2001:db8:1::10/64, fd00:1::10/64   twp-srv eth0: 2001:db8:2::5/64
# Flows: [2001:db8:1::10] -> [2001:db8:2::5]:9001 HTTP (curl / python http.server)
#        [fd00:1::10]     -> [2001:db8:2::5]:9030 TCP, every client packet carries a
#                            Destination Options extension header (IPV6_DSTOPTS)
#        [2001:db8:1::10] -> [2001:db8:2::5]:9001 UDP, one 3000-byte datagram that the
#                            kernel sends as IPv6 fragments (Fragment header)
# plus whatever neighbour discovery / MLD the kernel sends.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump curl ethtool ss capinfos

tw_ns twp-cli ipv6
tw_ns twp-srv ipv6
tw_veth twp-cli eth0 twp-srv eth0
tw_addrs twp-cli eth0 2001:db8:1::10/64 fd00:1::10/64
tw_addrs twp-srv eth0 2001:db8:2::5/64
tw_routes twp-cli eth0 2001:db8:2::/64
tw_routes twp-srv eth0 2001:db8:1::/64 fd00:1::/64

tw_webroot
tw_bg twp-srv http9001 "$TW_PY" -m http.server 9001 --bind 2001:db8:2::5 --directory "$TW_TMP/www"
tw_bg twp-srv sink9030 $TW_TOOLS tcp-sink --bind 2001:db8:2::5 --port 9030
tw_bg twp-srv udp9001 $TW_TOOLS udp-sink --bind 2001:db8:2::5 --port 9001
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv tcp 9030
tw_wait_listen twp-srv udp 9001
# Let link-local DAD and the first router solicitations pass before capturing.
sleep 2

tw_capture_start twp-cli "$TW_OUT/ipv6-mix.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
ip netns exec twp-cli curl -sS -m 10 -o /dev/null --interface 2001:db8:1::10 'http://[2001:db8:2::5]:9001/'
ip netns exec twp-cli $TW_TOOLS tcp-client --bind fd00:1::10 --to 2001:db8:2::5 --port 9030 --size 200 --dstopts
ip netns exec twp-cli $TW_TOOLS udp-send --bind 2001:db8:1::10 --to 2001:db8:2::5 --port 9001 --size 3000
tw_capture_stop
