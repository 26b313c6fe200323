#!/usr/bin/env bash
# IPv4 fragments made by a Linux router, captured by tcpdump on the server's link.
#
#   twp-cli 10.1.1.10 --(mtu 1500)-- twp-rtr 10.1.1.1 | 198.51.100.1 --(router side mtu 576)-- twp-srv 198.51.100.5 (mtu 1500)
#
# The client has net.ipv4.ip_no_pmtu_disc=1, so its packets leave WITHOUT the DF bit;
# the server advertises MSS 1460 (its link MTU is 1500) and the router must fragment
# every full-size segment into <= 576-byte fragments on its way to the server.
#   ipv4-frag-tcp.pcap  10.1.1.10 -> 198.51.100.5:9001 TCP, client sends 4000 bytes
#                       (segments arrive as fragments)                      ALERT
#   ipv4-frag-udp.pcap  10.1.1.10 -> 198.51.100.5:9001 UDP, one 2000-byte datagram,
#                       fragmented by the router                            no (UDP)
# Replies from the server stay small (< 576 bytes): the server->router veth end has
# MTU 576 and would drop anything bigger.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump ethtool ss capinfos

tw_ns twp-cli
tw_ns twp-rtr
tw_ns twp-srv
tw_veth twp-cli eth0 twp-rtr eth0
tw_veth twp-rtr eth1 twp-srv eth0
ip -n twp-rtr link set eth1 mtu 576
tw_addrs twp-cli eth0 10.1.1.10/24
tw_addrs twp-rtr eth0 10.1.1.1/24
tw_addrs twp-rtr eth1 198.51.100.1/24
tw_addrs twp-srv eth0 198.51.100.5/24
ip -n twp-cli route add default via 10.1.1.1
ip -n twp-srv route add default via 198.51.100.1
ip netns exec twp-rtr sysctl -qw net.ipv4.ip_forward=1
ip netns exec twp-cli sysctl -qw net.ipv4.ip_no_pmtu_disc=1

tw_bg twp-srv sink9001 $TW_TOOLS tcp-sink --bind 198.51.100.5 --port 9001
tw_bg twp-srv udp9001 $TW_TOOLS udp-sink --bind 198.51.100.5 --port 9001
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv udp 9001
# Resolve the neighbours first so the captures hold the flow and little else.
ip netns exec twp-cli $TW_TOOLS udp-send --bind 10.1.1.10 --to 198.51.100.5 --port 9001 --size 8
sleep 0.3

tw_capture_start twp-srv "$TW_OUT/ipv4-frag-tcp.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
ip netns exec twp-cli $TW_TOOLS tcp-client --bind 10.1.1.10 --to 198.51.100.5 --port 9001 --size 4000
tw_capture_stop

tw_capture_start twp-srv "$TW_OUT/ipv4-frag-udp.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
ip netns exec twp-cli $TW_TOOLS udp-send --bind 10.1.1.10 --to 198.51.100.5 --port 9001 --size 2000
tw_capture_stop
