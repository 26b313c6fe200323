#!/usr/bin/env bash
# Hostnames on the wire for tor-hostname / torrent-hostname, and the app-layer parsers:
#   dns-names.pcap   dig over UDP and TCP (+tcp, one +keepopen connection with three queries)
#                    against a resolver (tw_tools.py dns-server): Tor names, torrent names,
#                    a tor2web gateway, a CNAME chain, IPv6 (AAAA), and ordinary names
#                    that must not alert.
#   web-names.pcap   curl: TLS SNI to openssl s_server (TLS 1.3 and TLS 1.2), HTTP Host to
#                    python3 -m http.server, a CONNECT through an HTTP proxy, and
#                    connections to addresses DNS resolved earlier in the same capture
#                    (IPv4 and IPv6), plus ordinary names that must not alert.
#
#   tw4h-cli (eth0)  <== one veth link ==>  (eth0) tw4h-srv
#   10.4.1.10/24                              198.51.100.53 resolver, 198.51.100.80 proxy
#   fd00:4::10/64                             203.0.113.20-60 web servers, 2001:db8:4::20
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump dig curl openssl ethtool ss capinfos

tw_ns tw4h-cli ipv6
tw_ns tw4h-srv ipv6
tw_veth tw4h-cli eth0 tw4h-srv eth0
tw_addrs tw4h-cli eth0 10.4.1.10/24 fd00:4::10/64
tw_addrs tw4h-srv eth0 198.51.100.53/24 198.51.100.80/24 203.0.113.20/24 203.0.113.21/24 \
  203.0.113.30/24 203.0.113.40/24 203.0.113.50/24 203.0.113.60/24 2001:db8:4::20/64
tw_routes tw4h-cli eth0 198.51.100.0/24 203.0.113.0/24 2001:db8:4::/64
tw_routes tw4h-srv eth0 10.4.1.0/24 fd00:4::/64

tw_webroot
tw_cert
# The resolver's records. Anything else (foo.onion, x.exit, ...) gets NXDOMAIN.
tw_bg tw4h-srv dns $TW_TOOLS dns-server --bind 198.51.100.53 \
  --a torrent.example.net=203.0.113.20 --a vuze.example=203.0.113.21 \
  --aaaa AZUREUS.Example.org=2001:db8:4::20 --aaaa torrent6.example.net=2001:db8:4::20 \
  --a abcdefghij234567.onion.to=203.0.113.30 \
  --cname dl.torrent.example.net=cdn.example.net --a cdn.example.net=203.0.113.21 \
  --a storage.googleapis.com=203.0.113.60 --a mentor.com=203.0.113.60 \
  --a history.com=203.0.113.60 --a torproject.org=203.0.113.60 \
  --a onion.example.com=203.0.113.60 --a tor.example=203.0.113.60 \
  --a a.example=203.0.113.60 --a b.torrent.example=203.0.113.60 --a c.example=203.0.113.60
tw_bg tw4h-srv http80 "$TW_PY" -m http.server 80 --bind :: --directory "$TW_TMP/www"
tw_bg tw4h-srv http8080 "$TW_PY" -m http.server 8080 --bind 203.0.113.50 --directory "$TW_TMP/www"
tw_bg tw4h-srv tls443 openssl s_server -accept 443 -cert "$TW_TMP/cert.pem" -key "$TW_TMP/key.pem" -www -quiet
tw_bg tw4h-srv proxy $TW_TOOLS connect-proxy --bind 198.51.100.80 --port 3128 --map hidden234.exit=203.0.113.40
tw_wait_listen tw4h-srv udp 53
tw_wait_listen tw4h-srv tcp 53
tw_wait_listen tw4h-srv tcp 80
tw_wait_listen tw4h-srv tcp 8080
tw_wait_listen tw4h-srv tcp 443
tw_wait_listen tw4h-srv tcp 3128
sleep 0.3

q() { # [dig options...] NAME [TYPE]
  ip netns exec tw4h-cli dig @198.51.100.53 +tries=1 +time=3 "$@" >/dev/null
}

tw_capture_start tw4h-cli "$TW_OUT/dns-names.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ port 53
# Tor names (NXDOMAIN from the resolver, as RFC 7686 wants for .onion).
q foo.onion A
q x.exit A
q +tcp y.tor A
# Torrent names, UDP and TCP, any case, AAAA, and through a CNAME.
q torrent.example.net A
q +tcp vuze.example A
q AZUREUS.Example.org AAAA
q dl.torrent.example.net A
# A tor2web gateway.
q abcdefghij234567.onion.to A
# One TCP connection, three queries (dig +keepopen): one alert for the flow.
q +tcp +keepopen a.example A b.torrent.example A c.example A
# Ordinary names: no alert.
q storage.googleapis.com A
q mentor.com A
q history.com A
q torproject.org A
q onion.example.com A
q tor.example A
q +tcp onion A
tw_capture_stop

cu() { # curl options... (in the client namespace, no proxy from the environment)
  ip netns exec tw4h-cli env -u http_proxy -u https_proxy -u HTTPS_PROXY -u ALL_PROXY \
    curl -sS -o /dev/null --max-time 10 "$@"
}

tw_capture_start tw4h-cli "$TW_OUT/web-names.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
# A name resolved first, then a connection to its address with an ordinary Host: the
# connection is named by the DNS answer (destination.domain), not by anything it sends.
q torrent.example.net A
cu -H 'Host: plain.example' http://203.0.113.20/
q torrent6.example.net AAAA
cu -g -H 'Host: plain.example' 'http://[2001:db8:4::20]/'
# TLS SNI, TLS 1.3 and TLS 1.2 (openssl s_server; the address comes from --resolve, not DNS).
cu -k --tlsv1.3 --resolve abcdefghij234567.onion.to:443:203.0.113.30 https://abcdefghij234567.onion.to/
cu -k --tlsv1.2 --tls-max 1.2 --resolve www.vuze.example:443:203.0.113.21 https://www.vuze.example/
# HTTP Host with a port.
cu --resolve y.tor:8080:203.0.113.50 http://y.tor:8080/
# CONNECT through a proxy, then TLS inside the tunnel.
cu -k -p -x http://198.51.100.80:3128 https://hidden234.exit/
# Ordinary names: no alert. www.google.com has the shape of a Tor link SNI (www.<letters>.com)
# but curl offers ALPN and the certificate is not Tor's: no tor-link-fingerprint either.
cu -k --resolve www.google.com:443:203.0.113.60 https://www.google.com/
cu -k --tls-max 1.2 --resolve storage.googleapis.com:443:203.0.113.60 https://storage.googleapis.com/
cu -k --resolve torproject.org:443:203.0.113.60 https://torproject.org/
cu --resolve mentor.com:80:203.0.113.60 http://mentor.com/
cu --resolve history.com:80:203.0.113.60 http://history.com/
tw_capture_stop
