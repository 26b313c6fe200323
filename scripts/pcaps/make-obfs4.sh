#!/usr/bin/env bash
# Tor over obfs4 (obfs4proxy 0.0.14, Debian's tor 0.4.9) in a private test network, for tor-obfs4
# and tor-bridge:
#   obfs4-bridges.pcap        a tor client 10.5.5.10 using two obfs4 bridges:
#                               198.51.100.40:37219  iat-mode=0 (a high port), used twice (a second
#                                                    client run reconnects to it)
#                               198.51.100.41:443    iat-mode=1 (port 443, where TLS is expected)
#                             each client run lasts OBFS4_RUN seconds (default 75): the Tor channel
#                             inside obfs4 stays open (directory retries, channel padding)
#   obfs4-builtin-bridge.pcap the iat-mode=1 run rewritten with tcprewrite so the bridge is Tor
#                             Browser's built-in 192.95.36.142:443 (no packet was ever sent to it)
#   expected/obfs4-bridges.pcap.bridges   the lab's bridge lines (as obfs4proxy wrote them), the
#                             --bridges file the expected alerts assume
#
# A private Tor network only (TestingTorNetwork 1): the clients use the bridges and nothing else, the
# directory authority line names an address in a documentation range that has no route, and no
# namespace has a route out. Nothing here can reach the real Tor network or the built-in bridge.
#
#   pt-o4-cli (eth0)  <== one veth link ==>  (eth0) pt-o4-br
#   10.5.5.10/24                               198.51.100.40/24, 198.51.100.41/24
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark tor obfs4proxy tcprewrite editcap ethtool ss capinfos

RUN=${OBFS4_RUN:-75}
tw_ns pt-o4-cli
tw_ns pt-o4-br
tw_veth pt-o4-cli eth0 pt-o4-br eth0
tw_addrs pt-o4-cli eth0 10.5.5.10/24
tw_addrs pt-o4-br eth0 198.51.100.40/24 198.51.100.41/24
tw_routes pt-o4-cli eth0 198.51.100.0/24
tw_routes pt-o4-br eth0 10.5.5.0/24

# A directory authority tor will never reach (TestingTorNetwork requires one to be set).
FP0=$(printf 'A%.0s' $(seq 40))
AUTH="DirAuthority ptauth orport=9001 no-v2 v3ident=$FP0 198.51.100.99:9030 $FP0"

# bridge NAME ADDR PORT IAT-MODE ORPORT: start an obfs4 bridge; its bridge line goes to BRIDGE_LINE.
bridge() {
  local name=$1 addr=$2 port=$3 iat=$4 orport=$5 d=$TW_TMP/$1
  mkdir -p "$d"; chmod 700 "$d"
  cat >"$d/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $d
Nickname $name
Address $addr
ORPort 127.0.0.1:$orport
BridgeRelay 1
PublishServerDescriptor 0
AssumeReachable 1
ExitRelay 0
SocksPort 0
ServerTransportPlugin obfs4 exec /usr/bin/obfs4proxy
ServerTransportListenAddr obfs4 $addr:$port
ServerTransportOptions obfs4 iat-mode=$iat
ExtORPort auto
Log notice file $d/log
EOT
  tw_bg pt-o4-br "$name" tor -f "$d/torrc" --quiet
  tw_wait_listen pt-o4-br tcp "$port"
  tw_wait_file "$d/pt_state/obfs4_bridgeline.txt"
  local fp cert
  fp=$(awk '{print $2}' "$d/fingerprint")
  cert=$(sed -n 's/.* cert=\([^ ]*\) .*/\1/p' "$d/pt_state/obfs4_bridgeline.txt" | tail -1)
  [[ -n $cert ]] || tw_die "no obfs4 cert for $name"
  BRIDGE_LINE="obfs4 $addr:$port $fp cert=$cert iat-mode=$iat"
}

client_run() { # BRIDGE-LINE SECONDS
  local d=$TW_TMP/client-$RANDOM
  mkdir -p "$d"; chmod 700 "$d"
  cat >"$d/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $d
UseBridges 1
ClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy
Bridge $1
SocksPort 0
Log notice file $d/log
EOT
  tw_bg pt-o4-cli "client-$RANDOM" tor -f "$d/torrc" --quiet
  local pid=${TW_PIDS[-1]}
  sleep "$2"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bridge ptobfs4a 198.51.100.40 37219 0 9001
LINE_A=$BRIDGE_LINE
bridge ptobfs4b 198.51.100.41 443 1 9002
LINE_B=$BRIDGE_LINE
tw_log "bridge A: $LINE_A"
tw_log "bridge B: $LINE_B"

tw_capture_start pt-o4-cli "$TW_OUT/obfs4-bridges.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ tcp
client_run "$LINE_A" "$RUN"
client_run "$LINE_A" 20
client_run "$LINE_B" "$RUN"
tw_capture_stop

mkdir -p "$TW_OUT/expected"
printf '# The lab bridges of obfs4-bridges.pcap, as obfs4proxy wrote them (make-obfs4.sh)\nBridge %s\n%s\n' "$LINE_A" "$LINE_B" \
  >"$TW_OUT/expected/obfs4-bridges.pcap.bridges"

# The iat-mode=1 run on its own, its bridge moved to the built-in 192.95.36.142:443 after the fact.
B_FIRST=$(tshark -n -r "$TW_OUT/obfs4-bridges.pcap" -Y 'ip.dst==198.51.100.41 && tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e frame.number | head -1)
[[ -n $B_FIRST ]] || tw_die "no connection to bridge B in the capture"
N_ALL=$(capinfos -c -M "$TW_OUT/obfs4-bridges.pcap" | awk -F': *' '/Number of packets/ {print $2}')
editcap -r "$TW_OUT/obfs4-bridges.pcap" "$TW_TMP/b-only.pcap" "$B_FIRST-$N_ALL"
tcprewrite --infile="$TW_TMP/b-only.pcap" --outfile="$TW_OUT/obfs4-builtin-bridge.pcap" \
  --pnat=198.51.100.41/32:192.95.36.142/32 --fixcsum
chmod 0644 "$TW_OUT/obfs4-builtin-bridge.pcap"
tw_log "wrote $TW_OUT/obfs4-builtin-bridge.pcap ($(capinfos -c -M "$TW_OUT/obfs4-builtin-bridge.pcap" | awk -F': *' '/Number of packets/ {print $2}') packets)"
