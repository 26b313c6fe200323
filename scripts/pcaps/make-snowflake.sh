#!/usr/bin/env bash
# Snowflake (Debian's snowflake-client and snowflake-proxy 2.5.1, tor 0.4.9) in a lab, for tor-snowflake:
#   snowflake.pcap   tcpdump on the client's link while tor bootstraps through snowflake-client:
#                    1. rendezvous: DNS for vuejs.org (the front of Tor Browser's Snowflake line of
#                       2025-10), then HTTPS to the broker with SNI vuejs.org (domain fronting: the
#                       Host inside is voluble-torrone-fc39bf.netlify.app, encrypted);
#                    2. STUN Binding to stun.voipgate.com:3478 (a name on Tor's ICE list; here coturn);
#                    3. ICE connectivity checks and the DTLS handshake (pion/dtls) with the proxy the
#                       broker matched, 203.0.113.80.
#                    The proxy's relay (a WebSocket sink) carries nothing further: there is no Snowflake
#                    server behind it, so tor keeps asking the broker for new proxies (more rendezvous);
#                    the capture is cut to its first 8 seconds (editcap), which hold the first round.
#
# Lab only: our own DNS (dnsmasq, no upstream), broker (pt_lab.py snowflake-broker, TLS with a
# throwaway CA the Go programs trust through SSL_CERT_FILE), STUN server (coturn) and proxy; tor in a
# private test network (TestingTorNetwork, an authority that does not exist). No namespace has a route
# out, and every name the programs could look up is answered by the lab resolver or not at all.
#
#   pt-sf-cli 10.6.6.10 ---+
#   pt-sf-srv 198.51.100.53 dns, .60 broker, .62 relay; 203.0.113.70 STUN   --- br0 (pt-sf-sw)
#   pt-sf-prx 203.0.113.80 snowflake-proxy ---+
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark tor snowflake-client snowflake-proxy turnserver dnsmasq openssl unshare ethtool ss capinfos editcap

RUN=${SNOWFLAKE_RUN:-40}
PT_LAB="$TW_PY $TW_SCRIPTS/pt_lab.py"
FRONT=vuejs.org
BROKER_HOST=voluble-torrone-fc39bf.netlify.app
STUN_NAME=stun.voipgate.com

tw_ns pt-sf-sw
ip -n pt-sf-sw link add br0 type bridge stp_state 0 forward_delay 0
tw_nooffload pt-sf-sw br0
ip -n pt-sf-sw link set br0 up
node() { # NS ADDR...
  local ns=$1; shift
  tw_ns "$ns"
  tw_veth "$ns" eth0 pt-sf-sw "p-${ns#pt-sf-}"
  ip -n pt-sf-sw link set "p-${ns#pt-sf-}" master br0
  local a
  for a in "$@"; do tw_addrs "$ns" eth0 "$a"; done
}
node pt-sf-cli 10.6.6.10/24
node pt-sf-srv 198.51.100.53/24 198.51.100.60/24 198.51.100.62/24 203.0.113.70/24
node pt-sf-prx 203.0.113.80/24
tw_routes pt-sf-cli eth0 198.51.100.0/24 203.0.113.0/24
tw_routes pt-sf-srv eth0 10.6.6.0/24
tw_routes pt-sf-prx eth0 10.6.6.0/24 198.51.100.0/24

# --- a throwaway CA and the broker's certificate (front and broker names) -----------------------
C=$TW_TMP/ca
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=pt-lab-ca \
  -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$FRONT" \
  -keyout "$C/broker.key" -out "$C/broker.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s\n' "$FRONT" "$BROKER_HOST" >"$C/san.ext"
openssl x509 -req -in "$C/broker.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
  -extfile "$C/san.ext" -out "$C/broker.pem" 2>/dev/null
# The lab resolver for the Go programs (bind-mounted over /etc/resolv.conf in their own mount
# namespace only: the host's file is never touched).
printf 'nameserver 198.51.100.53\noptions timeout:1 attempts:1\n' >"$TW_TMP/resolv.conf"
labns() { # NS NAME CMD...: run CMD in NS with the lab resolver and the lab CA
  local ns=$1 name=$2; shift 2
  tw_bg "$ns" "$name" unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$TW_TMP/resolv.conf" \
    env SSL_CERT_FILE="$C/ca.pem" "$@"
}

# --- servers -------------------------------------------------------------------------------------
tw_bg pt-sf-srv dns dnsmasq --no-daemon --no-resolv --no-hosts --no-poll --bind-interfaces \
  --listen-address=198.51.100.53 --port=53 --log-queries \
  --address=/$FRONT/198.51.100.60 --address=/$BROKER_HOST/198.51.100.60 \
  --address=/relay.lab.example/198.51.100.62 --address=/$STUN_NAME/203.0.113.70
tw_bg pt-sf-srv broker $PT_LAB snowflake-broker --bind 198.51.100.60 --port 443 \
  --cert "$C/broker.pem" --key "$C/broker.key" --relay-url ws://relay.lab.example:8080/
tw_bg pt-sf-srv relay $PT_LAB ws-sink --bind 198.51.100.62 --port 8080
tw_bg pt-sf-srv stun turnserver --stun-only --listening-ip 203.0.113.70 --listening-port 3478 \
  --no-cli --no-tls --no-dtls --log-file stdout --simple-log -n
tw_wait_listen pt-sf-srv udp 53
tw_wait_listen pt-sf-srv tcp 443
tw_wait_listen pt-sf-srv tcp 8080
tw_wait_listen pt-sf-srv udp 3478

labns pt-sf-prx proxy snowflake-proxy -broker "https://$BROKER_HOST/" -stun "stun:$STUN_NAME:3478" \
  -relay ws://relay.lab.example:8080/ -allow-non-tls-relay -allowed-relay-hostname-pattern 'lab.example$' \
  -nat-retest-interval 0s -summary-interval 0s -verbose -unsafe-logging
sleep 3

# --- the client ----------------------------------------------------------------------------------
FP0=$(printf 'A%.0s' $(seq 40))
D=$TW_TMP/client
mkdir -p "$D"; chmod 700 "$D"
cat >"$D/torrc" <<EOT
TestingTorNetwork 1
DirAuthority ptauth orport=9001 no-v2 v3ident=$FP0 198.51.100.99:9030 $FP0
DataDirectory $D
UseBridges 1
ClientTransportPlugin snowflake exec /usr/bin/snowflake-client -url https://$BROKER_HOST/ -front $FRONT -ice stun:$STUN_NAME:3478 -log $D/snowflake.log -unsafe-logging
Bridge snowflake 192.0.2.3:80 2B280B23E1107BB62ABFC40DDCC8824814F80A72
SocksPort 0
Log notice file $D/log
EOT

tw_capture_start pt-sf-cli "$TW_OUT/snowflake.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ not arp
labns pt-sf-cli tor tor -f "$D/torrc" --quiet
TORPID=${TW_PIDS[-1]}
sleep "$RUN"
kill "$TORPID" 2>/dev/null || true
tw_capture_stop

n_dtls=$(tshark -n -r "$TW_OUT/snowflake.pcap" -Y 'dtls.handshake.type==1' 2>/dev/null | wc -l)
n_stun=$(tshark -n -r "$TW_OUT/snowflake.pcap" -Y 'stun.type==0x0001' 2>/dev/null | wc -l)
tw_log "STUN Binding requests: $n_stun, DTLS ClientHellos: $n_dtls"
if (( n_dtls == 0 )); then
  tail -30 "$D/snowflake.log" >&2 || true
  tail -30 "$TW_TMP/proxy.log" >&2 || true
  tw_die "no DTLS handshake between the client and the proxy"
fi
# Keep the first 8 seconds: the three phases take about one; later proxies only repeat them.
first=$(capinfos -a -S -T -r "$TW_OUT/snowflake.pcap" | awk -F'\t' '{print $2}')
until=$(date -u -d "@$(( ${first%.*} + 8 ))" +%Y-%m-%dT%H:%M:%SZ)
editcap -B "$until" "$TW_OUT/snowflake.pcap" "$TW_TMP/snowflake-cut.pcap"
mv -f "$TW_TMP/snowflake-cut.pcap" "$TW_OUT/snowflake.pcap"
chmod 0644 "$TW_OUT/snowflake.pcap"
tw_log "kept the first 8 s: $(capinfos -c -M "$TW_OUT/snowflake.pcap" | awk -F': *' '/Number of packets/ {print $2}') packets"
