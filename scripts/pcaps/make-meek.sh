#!/usr/bin/env bash
# meek (obfs4proxy 0.0.14's meek_lite client, tor 0.4.9) in a lab, for tor-meek:
#   meek.pcap   10.7.7.10: tor through meek_lite with Tor Browser's current meek line (url
#               https://1603026938.rsc.cdn77.org, front www.phpmyadmin.net): DNS for the front, then
#               one long HTTPS connection with SNI www.phpmyadmin.net carrying meek's polls (small
#               POSTs at a steady rhythm) to a lab meek server that relays them to a Tor bridge;
#               10.7.7.11: curl fetching one page from the same server and name (an ordinary visit to
#               a front domain: a short connection, one request), for the "SNI alone" case.
#
# Lab only: our own DNS (dnsmasq, no upstream), meek server (pt_lab.py meek-server, TLS with a
# throwaway CA that Go's TLS trusts through SSL_CERT_FILE), a vanilla Tor bridge behind it, tor in a
# private test network (TestingTorNetwork, an authority that does not exist). No route out.
#
#   pt-mk-cli 10.7.7.10, 10.7.7.11  <== veth ==>  pt-mk-srv 198.51.100.53 dns, 198.51.100.70 meek server
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark tor obfs4proxy dnsmasq curl openssl unshare ethtool ss capinfos

RUN=${MEEK_RUN:-60}
PT_LAB="$TW_PY $TW_SCRIPTS/pt_lab.py"
FRONT=www.phpmyadmin.net
URL_HOST=1603026938.rsc.cdn77.org

tw_ns pt-mk-cli
tw_ns pt-mk-srv
tw_veth pt-mk-cli eth0 pt-mk-srv eth0
tw_addrs pt-mk-cli eth0 10.7.7.10/24 10.7.7.11/24
tw_addrs pt-mk-srv eth0 198.51.100.53/24 198.51.100.70/24
tw_routes pt-mk-cli eth0 198.51.100.0/24
tw_routes pt-mk-srv eth0 10.7.7.0/24

C=$TW_TMP/ca
mkdir -p "$C"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=pt-lab-ca \
  -keyout "$C/ca.key" -out "$C/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$FRONT" \
  -keyout "$C/meek.key" -out "$C/meek.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s\n' "$FRONT" "$URL_HOST" >"$C/san.ext"
openssl x509 -req -in "$C/meek.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -CAcreateserial -days 2 \
  -extfile "$C/san.ext" -out "$C/meek.pem" 2>/dev/null
printf 'nameserver 198.51.100.53\noptions timeout:1 attempts:1\n' >"$TW_TMP/resolv.conf"

tw_bg pt-mk-srv dns dnsmasq --no-daemon --no-resolv --no-hosts --no-poll --bind-interfaces \
  --listen-address=198.51.100.53 --port=53 --log-queries \
  --address=/$FRONT/198.51.100.70 --address=/$URL_HOST/198.51.100.70

# The Tor bridge behind the meek server (loopback only: reached through meek, never directly).
FP0=$(printf 'A%.0s' $(seq 40))
AUTH="DirAuthority ptauth orport=9001 no-v2 v3ident=$FP0 198.51.100.99:9030 $FP0"
B=$TW_TMP/bridge
mkdir -p "$B"; chmod 700 "$B"
cat >"$B/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $B
Nickname ptmeekbridge
Address 198.51.100.70
ORPort 127.0.0.1:9001
BridgeRelay 1
PublishServerDescriptor 0
AssumeReachable 1
ExitRelay 0
SocksPort 0
Log notice file $B/log
EOT
tw_bg pt-mk-srv bridge tor -f "$B/torrc" --quiet
tw_wait_listen pt-mk-srv tcp 9001
tw_bg pt-mk-srv meek $PT_LAB meek-server --bind 198.51.100.70 --port 443 --cert "$C/meek.pem" --key "$C/meek.key" --forward 127.0.0.1:9001
tw_wait_listen pt-mk-srv udp 53
tw_wait_listen pt-mk-srv tcp 443

D=$TW_TMP/client
mkdir -p "$D"; chmod 700 "$D"
cat >"$D/torrc" <<EOT
TestingTorNetwork 1
$AUTH
DataDirectory $D
UseBridges 1
ClientTransportPlugin meek_lite exec /usr/bin/obfs4proxy
Bridge meek_lite 192.0.2.20:80 url=https://$URL_HOST front=$FRONT
SocksPort 0
OutboundBindAddress 10.7.7.10
Log notice file $D/log
EOT

tw_capture_start pt-mk-cli "$TW_OUT/meek.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ not arp
tw_bg pt-mk-cli tor unshare -m sh -c 'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$TW_TMP/resolv.conf" \
  env SSL_CERT_FILE="$C/ca.pem" tor -f "$D/torrc" --quiet
TORPID=${TW_PIDS[-1]}
sleep 10
# An ordinary visit to the front domain from another host: one short HTTPS request.
ip netns exec pt-mk-cli curl -sS --max-time 10 --interface 10.7.7.11 --cacert "$C/ca.pem" \
  --resolve "$FRONT:443:198.51.100.70" -o /dev/null -X POST -d 'q=1' "https://$FRONT/" || true
sleep "$RUN"
kill "$TORPID" 2>/dev/null || true
tw_capture_stop

n_posts=$(tshark -n -r "$TW_OUT/meek.pcap" -Y "ip.src==10.7.7.10 && tls.app_data" 2>/dev/null | wc -l)
tw_log "TLS application-data packets from the meek client: $n_posts"
(( n_posts > 20 )) || { tail -20 "$D/log" >&2; tw_die "meek_lite did not poll"; }
