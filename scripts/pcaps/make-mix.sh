#!/usr/bin/env bash
# The tor-port mix (see mix.sh) captured by three tools / formats, plus the
# derived copies: big-endian classic pcap (scapy) and gzip-compressed pcapng.
#   tor-port-mix.pcap            tcpdump -w            classic pcap, microseconds, Ethernet
#   tor-port-mix-nano.pcap       tcpdump --time-stamp-precision=nano   nanosecond pcap magic
#   tor-port-mix.pcapng          dumpcap -w            pcapng, Ethernet
#   tor-port-mix-bigendian.pcap  tw_tools.py bigendian (scapy RawPcapWriter endianness=">")
#                                of tor-port-mix.pcap: same packets, big-endian headers
#   tor-port-mix.pcapng.gz       gzip -k -n of tor-port-mix.pcapng
#   tor-port-mix-gzipped.pcapng  the same gzip bytes under a name without .gz
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/mix.sh"
tw_require tcpdump dumpcap curl openssl ethtool ss capinfos gzip

mix_setup

mix_before_capture 1
tw_capture_start twp-cli "$TW_OUT/tor-port-mix.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@
mix_traffic
tw_capture_stop

mix_before_capture 2
tw_capture_start twp-cli "$TW_OUT/tor-port-mix-nano.pcap" \
  tcpdump -i eth0 -n --immediate-mode --time-stamp-precision=nano -w @OUT@
mix_traffic
tw_capture_stop

mix_before_capture 3
tw_capture_start twp-cli "$TW_OUT/tor-port-mix.pcapng" dumpcap -q -i eth0 -w @OUT@
mix_traffic
tw_capture_stop

# Derived files.
$TW_TOOLS bigendian "$TW_OUT/tor-port-mix.pcap" "$TW_OUT/tor-port-mix-bigendian.pcap"
chmod 0644 "$TW_OUT/tor-port-mix-bigendian.pcap"
# -n: no original name/time in the gzip header, so re-running changes only what the capture changed.
gzip -k -n -f "$TW_OUT/tor-port-mix.pcapng"
cp -f "$TW_OUT/tor-port-mix.pcapng.gz" "$TW_OUT/tor-port-mix-gzipped.pcapng"
tw_log "wrote tor-port-mix-bigendian.pcap, tor-port-mix.pcapng.gz, tor-port-mix-gzipped.pcapng"
