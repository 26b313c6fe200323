#!/usr/bin/env bash
# Remake every regression capture in pcaps/, derive pcaps/expected/*.alerts.ndjson
# from them with tshark, and check the result. Run as root on Linux:
#   sudo bash scripts/pcaps/make-all.sh
# Needs (Debian 12 packages): tcpdump tshark (dumpcap, capinfos) iproute2 ethtool
# curl openssl python3 python3-scapy openvswitch-switch xxd dnsutils (dig) tor (make-tor-private.sh:
# a private Tor network, about three minutes); for the pluggable-transport captures also obfs4proxy,
# snowflake-client, snowflake-proxy, coturn, dnsmasq, shadowsocks-libev, dropbear-bin, tcpreplay
# (tcprewrite), netcat-openbsd and util-linux (unshare): make-obfs4.sh, make-snowflake.sh, make-meek.sh
# and make-fet-negatives.sh take about six minutes together.
# Each generator creates its own network namespaces and removes them (and every
# process it started) on exit, also on failure. Takes a minute or two (make-tor-link.sh
# repeats its TLS 1.3 run until Tor draws a digit-free SNI label).
set -euo pipefail
D=$(cd "$(dirname "$0")" && pwd)

[[ $(id -u) -eq 0 ]] || { echo "make-all.sh: run as root (network namespaces)" >&2; exit 1; }

for gen in make-mix.sh make-midstream.sh make-multi-if.sh make-vlan.sh make-ipv6.sh \
           make-fragments.sh make-tunnels.sh make-vxlan.sh make-mpls.sh make-tor-private.sh \
           make-hostnames.sh make-tor-link.sh make-bittorrent.sh make-obfs4.sh make-snowflake.sh make-meek.sh \
           make-fet-negatives.sh; do
  echo "== $gen" >&2
  # OVS prints its startup log lines on stderr; keep only the other messages.
  bash "$D/$gen" 2>&1 | sed '/|INFO|/d' >&2
done

echo "== expected alerts (tshark)" >&2
/usr/bin/python3 "$D/expected-alerts.py"
/usr/bin/python3 "$D/expected-relay-alerts.py"
echo "== verify" >&2
bash "$D/verify.sh"
