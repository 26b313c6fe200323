# shellcheck shell=bash
# The "tor-port mix" topology and traffic, shared by make-mix.sh (one capture per
# file format). Source after lib.sh.
#
#   twp-cli (eth0)  <== one veth link ==>  (eth0) twp-srv
#   10.1.1.10/24    192.168.1.10/24          198.51.100.5/24   203.0.113.7/24
#   172.16.5.10/24  192.0.2.10/24            10.2.2.20/24
#
# Flows (source -> destination), and what tor-port-private must say:
#   1 10.1.1.10    -> 198.51.100.5:9001 TCP  HTTP (curl/python http.server)   ALERT
#   2 10.1.1.10    -> 198.51.100.5:9030 TCP  TLS, SNI relay.example (curl/openssl s_server) ALERT
#   3 10.1.1.10    -> 198.51.100.5:9002 TCP  HTTP                             no (port)
#   4 10.1.1.10    -> 10.2.2.20:9001    TCP  HTTP                             no (private destination)
#   5 192.0.2.10   -> 198.51.100.5:9001 TCP  HTTP                             no (public source)
#   6 172.16.5.10  -> 203.0.113.7:9001  TCP  HTTP                             ALERT
#   7 10.1.1.10    -> 198.51.100.5:9001 UDP  one datagram (ICMP port unreachable back)  no (UDP)
#   8 198.51.100.5 -> 10.1.1.10:9001    TCP  public side connects to a private server  no (public source)
#   9 192.168.1.10 -> 203.0.113.7:9030  TCP  connected BEFORE the capture starts; the
#                                            client sends first once capturing             ALERT
#                                            (initiator = first packet's sender)

mix_setup() {
  tw_ns twp-cli
  tw_ns twp-srv
  tw_veth twp-cli eth0 twp-srv eth0
  tw_addrs twp-cli eth0 10.1.1.10/24 192.168.1.10/24 172.16.5.10/24 192.0.2.10/24
  tw_addrs twp-srv eth0 198.51.100.5/24 203.0.113.7/24 10.2.2.20/24
  tw_routes twp-cli eth0 198.51.100.0/24 203.0.113.0/24 10.2.2.0/24
  tw_routes twp-srv eth0 10.1.1.0/24 192.168.1.0/24 172.16.5.0/24 192.0.2.0/24

  tw_webroot
  tw_cert
  tw_bg twp-srv http9001 "$TW_PY" -m http.server 9001 --bind 0.0.0.0 --directory "$TW_TMP/www"
  tw_bg twp-srv http9002 "$TW_PY" -m http.server 9002 --bind 0.0.0.0 --directory "$TW_TMP/www"
  tw_bg twp-srv tls9030 openssl s_server -accept 198.51.100.5:9030 -cert "$TW_TMP/cert.pem" \
    -key "$TW_TMP/key.pem" -www -quiet
  tw_bg twp-srv sink9030 $TW_TOOLS tcp-sink --bind 203.0.113.7 --port 9030
  # The private client also runs a server on 9001 (flow 8).
  tw_bg twp-cli http9001c "$TW_PY" -m http.server 9001 --bind 10.1.1.10 --directory "$TW_TMP/www"
  tw_wait_listen twp-srv tcp 9001
  tw_wait_listen twp-srv tcp 9002
  tw_wait_listen twp-srv tcp 9030
  tw_wait_listen twp-cli tcp 9001
  sleep 0.3
}

# mix_before_capture N: open flow 9 (its handshake must not be in the capture).
mix_before_capture() {
  local n=$1
  MIX_CONNECTED=$TW_TMP/mid$n.connected
  MIX_GO=$TW_TMP/mid$n.go
  tw_bg twp-cli "midclient$n" $TW_TOOLS tcp-client --bind 192.168.1.10 --to 203.0.113.7 \
    --port 9030 --size 200 --connected "$MIX_CONNECTED" --go "$MIX_GO"
  MIX_MID_PID=${TW_PIDS[-1]}
  tw_wait_file "$MIX_CONNECTED"
  # Let the handshake's last ACK leave before any capture starts.
  sleep 0.3
}

mix_curl() { # NS SRC URL [curl args]
  local ns=$1 src=$2 url=$3; shift 3
  ip netns exec "$ns" curl -sS -m 10 -o /dev/null --interface "$src" "$@" "$url"
}

mix_traffic() {
  mix_curl twp-cli 10.1.1.10 http://198.51.100.5:9001/
  mix_curl twp-cli 10.1.1.10 https://relay.example:9030/ -k --resolve relay.example:9030:198.51.100.5
  mix_curl twp-cli 10.1.1.10 http://198.51.100.5:9002/
  mix_curl twp-cli 10.1.1.10 http://10.2.2.20:9001/
  mix_curl twp-cli 192.0.2.10 http://198.51.100.5:9001/
  mix_curl twp-cli 172.16.5.10 http://203.0.113.7:9001/
  ip netns exec twp-cli $TW_TOOLS udp-send --bind 10.1.1.10 --to 198.51.100.5 --port 9001 --size 32
  mix_curl twp-srv 198.51.100.5 http://10.1.1.10:9001/
  touch "$MIX_GO"
  wait "$MIX_MID_PID"
}
