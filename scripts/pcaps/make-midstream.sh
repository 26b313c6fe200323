#!/usr/bin/env bash
# tcp-midstream.pcap: two TCP connections whose handshakes happened BEFORE tcpdump
# started, so the flow table only sees mid-stream packets.
#   A 10.1.1.10 -> 198.51.100.5:9001  the SERVER speaks first once capturing (a banner).
#     SPEC: source = the side that sent the first packet -> 198.51.100.5:9001 is the
#     "initiator", the destination port is the client's ephemeral port -> NO alert.
#   B 10.1.1.10 -> 198.51.100.5:9030  the client speaks first -> source 10.1.1.10 -> ALERT.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump ethtool ss capinfos

tw_ns twp-cli
tw_ns twp-srv
tw_veth twp-cli eth0 twp-srv eth0
tw_addrs twp-cli eth0 10.1.1.10/24
tw_addrs twp-srv eth0 198.51.100.5/24
tw_routes twp-cli eth0 198.51.100.0/24
tw_routes twp-srv eth0 10.1.1.0/24

BANNER=$TW_TMP/banner.go
tw_bg twp-srv sinkA $TW_TOOLS tcp-sink --bind 198.51.100.5 --port 9001 --banner-after "$BANNER"
tw_bg twp-srv sinkB $TW_TOOLS tcp-sink --bind 198.51.100.5 --port 9030
tw_wait_listen twp-srv tcp 9001
tw_wait_listen twp-srv tcp 9030

tw_bg twp-cli clientA $TW_TOOLS tcp-client --bind 10.1.1.10 --to 198.51.100.5 --port 9001 \
  --expect-banner --size 100 --connected "$TW_TMP/a.connected" --go "$TW_TMP/a.go"
PID_A=${TW_PIDS[-1]}
tw_bg twp-cli clientB $TW_TOOLS tcp-client --bind 10.1.1.10 --to 198.51.100.5 --port 9030 \
  --size 100 --connected "$TW_TMP/b.connected" --go "$TW_TMP/b.go"
PID_B=${TW_PIDS[-1]}
tw_wait_file "$TW_TMP/a.connected"
tw_wait_file "$TW_TMP/b.connected"
sleep 0.3

tw_capture_start twp-cli "$TW_OUT/tcp-midstream.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
touch "$TW_TMP/a.go" "$BANNER"   # client A waits for the banner; the server sends it now
wait "$PID_A"
touch "$TW_TMP/b.go"
wait "$PID_B"
tw_capture_stop
