#!/usr/bin/env bash
# Tor's own link handshake, from a real tor client, for tor-link-fingerprint:
#   tor-link-tls13.pcap  a tor client connecting to a bridge on 198.51.100.90:9001; TLS 1.3,
#                        so only the ClientHello (SNI www.<random>.com, no ALPN) is in the clear.
#                        The run is repeated until the random label has no digit (the hard case
#                        for an SNI-only decision; see src/detect/rules/tor-link-names.ts).
#   tor-link-tls12.pcap  the same against a bridge on 198.51.100.91:443 whose OpenSSL is held to
#                        TLS 1.2 (OPENSSL_CONF MaxProtocol), so its link certificate
#                        (www.<random>.net issued by www.<random>.com) is in the clear too
#
# A private Tor network only (TestingTorNetwork 1): the client uses the bridge and nothing else,
# the directory authority line names an address in a documentation range that has no route, and
# neither namespace has a route out. Nothing here can reach the real Tor network.
#
#   tw4t-cli (eth0)  <== one veth link ==>  (eth0) tw4t-relay
#   10.4.4.10/24                              198.51.100.90/24, 198.51.100.91/24
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark tor ethtool ss capinfos

tw_ns tw4t-cli
tw_ns tw4t-relay
tw_veth tw4t-cli eth0 tw4t-relay eth0
tw_addrs tw4t-cli eth0 10.4.4.10/24
tw_addrs tw4t-relay eth0 198.51.100.90/24 198.51.100.91/24
tw_routes tw4t-cli eth0 198.51.100.0/24
tw_routes tw4t-relay eth0 10.4.4.0/24

# A directory authority tor will never reach (TestingTorNetwork requires one to be set).
FP=$(printf 'A%.0s' $(seq 40))
AUTH="DirAuthority tw4auth orport=9001 no-v2 v3ident=$FP 198.51.100.99:9030 $FP"

cat >"$TW_TMP/tls12.cnf" <<'EOT'
openssl_conf = tw_conf
[tw_conf]
ssl_conf = tw_ssl
[tw_ssl]
system_default = tw_tls
[tw_tls]
MaxProtocol = TLSv1.2
EOT

bridge() { # NAME ADDR PORT [env...]
  local name=$1 addr=$2 port=$3; shift 3
  local d=$TW_TMP/$name
  mkdir -p "$d"; chmod 700 "$d"
  cat >"$d/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $d
Nickname $name
Address $addr
ORPort $addr:$port
BridgeRelay 1
PublishServerDescriptor 0
AssumeReachable 1
ExitRelay 0
SocksPort 0
Log notice file $d/log
EOT
  tw_bg tw4t-relay "$name" env "$@" tor -f "$d/torrc" --quiet
  tw_wait_listen tw4t-relay tcp "$port"
}

client_run() { # BRIDGE-ADDR:PORT SECONDS
  local d=$TW_TMP/client-$RANDOM
  mkdir -p "$d"; chmod 700 "$d"
  cat >"$d/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $d
UseBridges 1
Bridge $1
SocksPort 0
Log notice file $d/log
EOT
  tw_bg tw4t-cli "client-$1" tor -f "$d/torrc" --quiet
  local pid=${TW_PIDS[-1]}
  sleep "$2"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

bridge tw4tls13 198.51.100.90 9001
bridge tw4tls12 198.51.100.91 443 OPENSSL_CONF="$TW_TMP/tls12.cnf"

for attempt in $(seq 1 40); do
  tw_capture_start tw4t-cli "$TW_OUT/tor-link-tls13.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ tcp
  client_run 198.51.100.90:9001 5
  tw_capture_stop
  sni=$(tshark -n -r "$TW_OUT/tor-link-tls13.pcap" -Y 'tls.handshake.type==1' -T fields -e tls.handshake.extensions_server_name | head -1)
  tw_log "attempt $attempt: SNI $sni"
  [[ $sni =~ ^www\.[a-z]+\.com$ ]] && break
done

tw_capture_start tw4t-cli "$TW_OUT/tor-link-tls12.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ tcp
client_run 198.51.100.91:443 6
tw_capture_stop
