#!/usr/bin/env bash
# BitTorrent on the wire, from real clients between network namespaces (scripts/pcaps/bt-lib.sh says
# how none of them can reach anything but our own nodes). Each scenario is its own small network and
# capture (tcpdump on the bridge every node hangs on); run all, or name some:
#   bash make-bittorrent.sh [tracker-tcp] [udp-utp] [dht] [lsd] [mse] [ipv6] [negatives]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/bt-lib.sh"
tw_require tcpdump tshark editcap capinfos ethtool ss mktorrent transmission-daemon transmission-remote \
  opentracker aria2c rtorrent qbittorrent-nox iperf3 dig curl unshare

# --- tracker-tcp ------------------------------------------------------------------------------
# bt-tracker-tcp.pcap: opentracker (HTTP) at 198.51.100.60:6969, a Transmission seeder at
# 198.51.100.61:51413, and three leechers in home-net that announce and fetch over plain TCP:
# aria2 (10.1.1.10), rtorrent (10.1.1.11), qBittorrent (10.1.1.12). Encryption off everywhere.
scenario_tracker_tcp() {
  bt_net bt1 trk=198.51.100.60/24 seed=198.51.100.61/24 aria=10.1.1.10/24 rt=10.1.1.11/24 qb=10.1.1.12/24
  bt_etc 198.51.100.61
  local T=$TW_TMP/s1
  mkdir -p "$T"
  bt_data tracker-tcp.bin 64
  bt_torrent tracker-tcp.bin http://198.51.100.60:6969/announce "$T/t.torrent"
  bt_infohash "$T/t.torrent" >"$T/whitelist"
  bt_bg trk tracker opentracker -i 198.51.100.60 -p 6969 -P 6969 -d "$T" -w /whitelist
  bt_transmission seed 198.51.100.61 51413 "$T/seed"
  cp "$TW_TMP/data/tracker-tcp.bin" "$T/seed/dl/"
  tw_wait_listen bt1-trk tcp 6969
  tw_wait_listen bt1-seed tcp 9091
  tw_capture_start bt1-sw "$TW_OUT/bt-tracker-tcp.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_tr_remote seed -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done seed
  sleep 2
  # aria2: no DHT, no LSD, plain handshakes only.
  mkdir -p "$T/aria"
  bt_bg aria aria2 aria2c --dir="$T/aria" --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
    --bt-require-crypto=false --bt-min-crypto-level=plain --listen-port=6881 --seed-time=0 \
    --bt-tracker-connect-timeout=5 --summary-interval=0 --console-log-level=warn "$T/t.torrent"
  sleep 6
  # rtorrent: plaintext outgoing (encryption only accepted incoming).
  bt_rtorrent rt 10.1.1.11 6890 "$T/rt"
  cp "$T/t.torrent" "$T/rt/watch/"
  sleep 8
  # qBittorrent (libtorrent 2.0): TCP only, encryption disabled.
  bt_qbittorrent qb 10.1.1.12 6882 "$T/qb" -- "$T/t.torrent"
  sleep 10
  tw_capture_stop
}

# --- udp-utp ----------------------------------------------------------------------------------
# bt-udp-tracker-utp.pcap: the UDP tracker protocol (BEP 15, opentracker on UDP 6969) and uTP (BEP 29):
# a Transmission seeder (198.51.100.61, uTP on) and a qBittorrent leecher in home-net (10.1.1.12)
# that speaks uTP only; the peer wire runs inside uTP.
scenario_udp_utp() {
  bt_net bt2 trk=198.51.100.60/24 seed=198.51.100.61/24 qb=10.1.1.12/24
  bt_etc 198.51.100.61
  local T=$TW_TMP/s2
  mkdir -p "$T"
  bt_data udp-utp.bin 64
  bt_torrent udp-utp.bin udp://198.51.100.60:6969/announce "$T/t.torrent"
  bt_infohash "$T/t.torrent" >"$T/whitelist"
  bt_bg trk tracker opentracker -i 198.51.100.60 -p 6969 -P 6969 -d "$T" -w /whitelist
  bt_transmission seed 198.51.100.61 51413 "$T/seed" '"utp-enabled": true'
  cp "$TW_TMP/data/udp-utp.bin" "$T/seed/dl/"
  tw_wait_listen bt2-trk udp 6969
  tw_wait_listen bt2-seed tcp 9091
  tw_capture_start bt2-sw "$TW_OUT/bt-udp-tracker-utp.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_tr_remote seed -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done seed
  sleep 2
  bt_qbittorrent qb 10.1.1.12 6882 "$T/qb" 'Session\BTProtocol=UTP' -- "$T/t.torrent"
  sleep 15
  tw_capture_stop
}

# --- dht ----------------------------------------------------------------------------------------
# bt-dht-swarm.pcap: a trackerless swarm (BEP 5), bootstrapped only from our own nodes (bt-lib.sh
# maps the clients' bootstrap names to 198.51.100.61). aria2 (198.51.100.61, DHT and peers on 6881)
# seeds a torrent without a tracker and announces it to the DHT; a Transmission node (203.0.113.62)
# takes part in the DHT; qBittorrent in home-net (10.1.1.12) fetches the magnet link: DHT lookups,
# the peers they answer, then the peer wire (ut_metadata for the torrent, then the pieces).
scenario_dht() {
  bt_net bt3 seed=198.51.100.61/24 node=203.0.113.62/24 qb=10.1.1.12/24
  bt_etc 198.51.100.61
  local T=$TW_TMP/s3
  mkdir -p "$T/seed"
  bt_data dht-swarm.bin 64
  bt_torrent dht-swarm.bin - "$T/t.torrent"
  local ih; ih=$(bt_infohash "$T/t.torrent")
  cp "$TW_TMP/data/dht-swarm.bin" "$T/seed/"
  bt_transmission node 203.0.113.62 6881 "$T/node" '"dht-enabled": true'
  tw_wait_listen bt3-node tcp 9091
  tw_capture_start bt3-sw "$TW_OUT/bt-dht-swarm.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_bg seed aria2 aria2c --dir="$T/seed" --enable-dht=true --enable-dht6=false --dht-listen-port=6881 \
    --dht-entry-point=203.0.113.62:6881 --dht-file-path="$T/seed/dht.dat" --bt-enable-lpd=false \
    --bt-require-crypto=false --bt-min-crypto-level=plain --listen-port=6881 --seed-ratio=0.0 --seed-time=10 \
    --check-integrity=true --summary-interval=0 --console-log-level=warn "$T/t.torrent"
  sleep 12
  bt_qbittorrent qb 10.1.1.12 6881 "$T/qb" 'Session\DHTEnabled=true' -- "magnet:?xt=urn:btih:$ih"
  local i
  for i in $(seq 1 60); do [[ -f $T/qb/dl/dht-swarm.bin ]] && cmp -s "$T/qb/dl/dht-swarm.bin" "$TW_TMP/data/dht-swarm.bin" && break; sleep 1; done
  sleep 3
  tw_capture_stop
}

# --- lsd ----------------------------------------------------------------------------------------
# bt-lsd.pcap: Local Service Discovery (BEP 14) on one segment: a Transmission seeder (10.1.1.10) and
# qBittorrent (10.1.1.12, also fd00:1::12) in home-net with LSD on and no tracker, DHT or PEX: their
# BT-SEARCH announcements to 239.192.152.143:6771 (and qBittorrent's to [ff15::efc0:988f]:6771) are
# how they find each other; then the peer wire.
scenario_lsd() {
  bt_net bt4 tr=10.1.1.10/24 qb=10.1.1.12/24,fd00:1::12/64
  bt_etc 10.1.1.10
  local T=$TW_TMP/s4
  mkdir -p "$T"
  bt_data lsd.bin 64
  bt_torrent lsd.bin - "$T/t.torrent"
  bt_transmission tr 10.1.1.10 51413 "$T/tr" '"lpd-enabled": true'
  cp "$TW_TMP/data/lsd.bin" "$T/tr/dl/"
  tw_wait_listen bt4-tr tcp 9091
  tw_capture_start bt4-sw "$TW_OUT/bt-lsd.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_tr_remote tr -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done tr
  bt_qbittorrent qb 10.1.1.12 6882 "$T/qb" 'Session\LSDEnabled=true' 'Session\PeXEnabled=false' \
    'Session\InterfaceAddress=' -- "$T/t.torrent"
  local i
  for i in $(seq 1 60); do [[ -f $T/qb/dl/lsd.bin ]] && cmp -s "$T/qb/dl/lsd.bin" "$TW_TMP/data/lsd.bin" && break; sleep 1; done
  sleep 2
  tw_capture_stop
}

# --- mse ----------------------------------------------------------------------------------------
# bt-mse.pcap: required encryption (MSE/PE, RC4). opentracker (HTTP) at 198.51.100.60 gives each
# client the others; a Transmission seeder (198.51.100.61, encryption required), a Transmission
# leecher (10.1.1.10, required) and aria2 (10.1.1.11, --bt-require-crypto, RC4 only) connect with
# fully encrypted peer wire: no byte of it is fixed. What ties those connections to BitTorrent is
# that the tracker handed out exactly those addresses and ports just before.
scenario_mse() {
  bt_net bt5 trk=198.51.100.60/24 seed=198.51.100.61/24 tr=10.1.1.10/24 aria=10.1.1.11/24
  bt_etc 198.51.100.61
  local T=$TW_TMP/s5
  mkdir -p "$T"
  bt_data mse.bin 64
  bt_torrent mse.bin http://198.51.100.60:6969/announce "$T/t.torrent"
  bt_infohash "$T/t.torrent" >"$T/whitelist"
  bt_bg trk tracker opentracker -i 198.51.100.60 -p 6969 -P 6969 -d "$T" -w /whitelist
  bt_transmission seed 198.51.100.61 51413 "$T/seed" '"encryption": 2'
  bt_transmission tr 10.1.1.10 51413 "$T/tr" '"encryption": 2'
  cp "$TW_TMP/data/mse.bin" "$T/seed/dl/"
  tw_wait_listen bt5-trk tcp 6969
  tw_wait_listen bt5-seed tcp 9091
  tw_wait_listen bt5-tr tcp 9091
  tw_capture_start bt5-sw "$TW_OUT/bt-mse.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_tr_remote seed -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done seed
  sleep 1
  bt_tr_remote tr -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done tr
  mkdir -p "$T/aria"
  bt_bg aria aria2 aria2c --dir="$T/aria" --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
    --bt-require-crypto=true --bt-min-crypto-level=arc4 --listen-port=6881 --seed-time=0 \
    --summary-interval=0 --console-log-level=warn "$T/t.torrent"
  local i
  for i in $(seq 1 40); do [[ -f $T/aria/mse.bin && ! -f $T/aria/mse.bin.aria2 ]] && break; sleep 1; done
  sleep 2
  tw_capture_stop
}

# --- ipv6 ---------------------------------------------------------------------------------------
# bt-ipv6.pcap: BitTorrent over IPv6 only. A tracker on [2001:db8:60::60]:6969 (bt_tools.py tracker:
# HTTP with compact peers6, and BEP 15 with 18-byte peers; opentracker's Debian build is IPv4 only),
# a Transmission seeder at [2001:db8:61::61]:51413 announcing over HTTP, and qBittorrent in home-net
# at [fd00:1::12]:6882 announcing over UDP, then fetching over TCP and uTP; DHT over IPv6 between
# them (nodes6, BEP 32).
scenario_ipv6() {
  bt_net bt6 trk=2001:db8:60::60/48 seed=2001:db8:61::61/48 qb=fd00:1::12/64
  bt_etc 2001:db8:61::61
  local T=$TW_TMP/s6
  mkdir -p "$T"
  bt_data ipv6.bin 64
  mktorrent -l 15 -a "http://[2001:db8:60::60]:6969/announce" -n ipv6.bin -o "$T/t-http.torrent" "$TW_TMP/data/ipv6.bin" >/dev/null
  mktorrent -l 15 -a "udp://[2001:db8:60::60]:6969/announce" -n ipv6.bin -o "$T/t-udp.torrent" "$TW_TMP/data/ipv6.bin" >/dev/null
  bt_bg trk tracker "$TW_PY" "$TW_SCRIPTS/bt_tools.py" tracker --bind 2001:db8:60::60 --port 6969
  bt_transmission seed 2001:db8:61::61 51413 "$T/seed" '"utp-enabled": true' '"dht-enabled": true'
  cp "$TW_TMP/data/ipv6.bin" "$T/seed/dl/"
  tw_wait_listen bt6-trk tcp 6969
  tw_wait_listen bt6-seed tcp 9091
  tw_capture_start bt6-sw "$TW_OUT/bt-ipv6.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip6 and not icmp6
  bt_tr_remote seed -a "$T/t-http.torrent" >/dev/null
  bt_tr_wait_done seed
  sleep 1
  bt_qbittorrent qb fd00:1::12 6882 "$T/qb" 'Session\BTProtocol=Both' 'Session\DHTEnabled=true' \
    'Session\InterfaceAddress=fd00:1::12' -- "$T/t-udp.torrent"
  local i
  for i in $(seq 1 40); do [[ -f $T/qb/dl/ipv6.bin ]] && cmp -s "$T/qb/dl/ipv6.bin" "$TW_TMP/data/ipv6.bin" && break; sleep 1; done
  sleep 2
  tw_capture_stop
}

# --- midstream ----------------------------------------------------------------------------------
# bt-midstream.pcap: a peer connection already under way when capturing starts (its SYN and handshakes
# are not in the file). A Transmission seeder (198.51.100.61) sends to a Transmission leecher in
# home-net (10.1.1.10) through a link slowed to 400 kbit/s (tc tbf on the seeder), so the transfer
# lasts; once it runs, capturing starts and the leecher adds a second torrent, whose tracker announce
# shows the host doing BitTorrent, then the first connection's messages continue from the middle.
scenario_midstream() {
  bt_net bt7 trk=198.51.100.60/24 seed=198.51.100.61/24 tr=10.1.1.10/24
  bt_etc 198.51.100.61
  local T=$TW_TMP/s7
  mkdir -p "$T"
  bt_data midstream.bin 384
  bt_data midstream-2.bin 32
  bt_torrent midstream.bin http://198.51.100.60:6969/announce "$T/t.torrent"
  bt_torrent midstream-2.bin http://198.51.100.60:6969/announce "$T/t2.torrent"
  { bt_infohash "$T/t.torrent"; bt_infohash "$T/t2.torrent"; } >"$T/whitelist"
  bt_bg trk tracker opentracker -i 198.51.100.60 -p 6969 -P 6969 -d "$T" -w /whitelist
  bt_transmission seed 198.51.100.61 51413 "$T/seed"
  bt_transmission tr 10.1.1.10 51413 "$T/tr"
  cp "$TW_TMP/data/midstream.bin" "$T/seed/dl/"
  tw_wait_listen bt7-trk tcp 6969
  tw_wait_listen bt7-seed tcp 9091
  tw_wait_listen bt7-tr tcp 9091
  bt_exec seed tc qdisc add dev bt0 root tbf rate 400kbit burst 4kb latency 200ms
  bt_tr_remote seed -a "$T/t.torrent" >/dev/null
  bt_tr_wait_done seed
  bt_tr_remote tr -a "$T/t.torrent" >/dev/null
  local i
  # Capture once pieces flow (Transmission unchokes a few seconds after the handshake).
  for i in $(seq 1 80); do bt_tr_remote tr -l 2>/dev/null | grep -q -E ' [1-9][0-9]?% ' && break; sleep 0.25; done
  tw_capture_start bt7-sw "$TW_OUT/bt-midstream.pcap" tcpdump -i btbr0 -n --immediate-mode -s 0 -w @OUT@ ip or ip6
  bt_tr_remote tr -a "$T/t2.torrent" >/dev/null
  sleep 2
  tw_capture_stop
}

# --- negatives ----------------------------------------------------------------------------------
# bt-negatives.pcap: traffic that trips naive BitTorrent detectors and must raise nothing: iperf3 on
# 5201 and 5001 (TCP and UDP), DNS to a resolver, random UDP (some datagrams starting 0x41, a uTP
# SYN's first byte), a DNS query with id 0x41xx to a non-DNS port, bencode-looking datagrams that are
# not KRPC, a lone uTP SYN nobody answers, and HTTP requests whose URLs say announce or scrape but
# carry no (or a malformed) info_hash.
scenario_negatives() {
  bt_net bt8 cl=10.1.1.10/24 srv=198.51.100.70/24
  bt_etc 198.51.100.70
  tw_webroot
  bt_bg srv iperf5201 iperf3 -s -B 198.51.100.70 -p 5201
  bt_bg srv iperf5001 iperf3 -s -B 198.51.100.70 -p 5001
  bt_bg srv dns "$TW_PY" "$TW_SCRIPTS/tw_tools.py" dns-server --bind 198.51.100.70 --a tracker.example.net=198.51.100.70
  bt_bg srv echo "$TW_PY" "$TW_SCRIPTS/bt_tools.py" udp-echo --bind 198.51.100.70 --port 6881
  bt_bg srv http "$TW_PY" -m http.server 8080 --bind 198.51.100.70 --directory "$TW_TMP/www"
  tw_wait_listen bt8-srv tcp 5201
  tw_wait_listen bt8-srv tcp 5001
  tw_wait_listen bt8-srv udp 53
  tw_wait_listen bt8-srv udp 6881
  tw_wait_listen bt8-srv tcp 8080
  tw_capture_start bt8-sw "$TW_OUT/bt-negatives.pcap" tcpdump -i btbr0 -n --immediate-mode -s 200 -w @OUT@ ip or ip6
  bt_exec cl iperf3 -c 198.51.100.70 -p 5201 -t 1 -b 2M >/dev/null
  bt_exec cl iperf3 -c 198.51.100.70 -p 5001 -u -t 1 -b 1M -l 400 >/dev/null
  bt_exec cl dig @198.51.100.70 +tries=1 +time=2 tracker.example.net A >/dev/null
  bt_exec cl "$TW_PY" "$TW_SCRIPTS/bt_tools.py" udp-noise --bind 10.1.1.10 --to 198.51.100.70 --port 6881
  local u
  for u in /announce /announce?info_hash=abc '/announce.php?passkey=1&info_hash=%41%42' /scrape?info_hash= \
           '/announce?peer_id=-TR3000-aaaaaaaaaaaa&port=51413'; do
    bt_exec cl curl -s -o /dev/null --noproxy '*' "http://198.51.100.70:8080$u" || true
  done
  tw_capture_stop
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(tracker-tcp udp-utp dht lsd mse ipv6 midstream negatives)
for s in "${want[@]}"; do
  tw_log "scenario $s"
  "scenario_${s//-/_}"
done
