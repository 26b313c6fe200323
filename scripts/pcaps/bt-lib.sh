# shellcheck shell=bash
# Helpers for the BitTorrent capture generators (make-bittorrent.sh): one bridge, one namespace per
# node, and real clients (Debian's transmission-daemon 3.00, qbittorrent-nox 4.5, aria2 1.36,
# rtorrent 0.9.8, opentracker) configured so none of them can reach anything but our own nodes:
#  - no namespace has a default route; routes exist only for the documentation and private ranges
#    used here (and 224.0.0.0/4, ff00::/8 on the bridge, for LSD);
#  - every client runs in a private mount namespace whose /etc/resolv.conf points at 127.0.0.1
#    (nothing listens there) and whose /etc/hosts maps the DHT bootstrap routers the clients know
#    (router.bittorrent.com, dht.transmissionbt.com, ...) to our own DHT node, so a client that
#    falls back to its built-in bootstrap list reaches our node and nothing else;
#  - UPnP/NAT-PMP, blocklists, update checks and geolocation downloads are switched off.
# Namespaces are named bt<scenario>-<node>; interfaces bt0 (node) and btpN (switch port), bridge btbr0.

# bt_net PREFIX NODE=ADDR[,ADDR]... : the switch namespace PREFIX-sw and one namespace per node.
bt_net() {
  local pfx=$1; shift
  BT_PFX=$pfx
  tw_ns "$pfx-sw" ipv6
  ip -n "$pfx-sw" link add btbr0 type bridge stp_state 0 forward_delay 0 mcast_snooping 0
  tw_nooffload "$pfx-sw" btbr0
  ip -n "$pfx-sw" link set btbr0 up
  local spec n addrs a p i=0
  for spec in "$@"; do
    n=${spec%%=*}; addrs=${spec#*=}
    tw_ns "$pfx-$n" ipv6
    ip link add bt0 netns "$pfx-$n" type veth peer name "btp$i" netns "$pfx-sw"
    tw_nooffload "$pfx-$n" bt0
    tw_nooffload "$pfx-sw" "btp$i"
    ip -n "$pfx-sw" link set "btp$i" master btbr0
    ip -n "$pfx-sw" link set "btp$i" up
    ip -n "$pfx-$n" link set bt0 up
    IFS=, read -ra al <<<"$addrs"
    for a in "${al[@]}"; do tw_addrs "$pfx-$n" bt0 "$a"; done
    for p in 10.1.1.0/24 198.51.100.0/24 203.0.113.0/24 224.0.0.0/4; do
      [[ $(ip -n "$pfx-$n" route show "$p") ]] || ip -n "$pfx-$n" route add "$p" dev bt0
    done
    for p in 2001:db8::/32 fd00:1::/64; do
      [[ $(ip -n "$pfx-$n" -6 route show "$p") ]] || ip -n "$pfx-$n" -6 route add "$p" dev bt0
    done
    ip -n "$pfx-$n" -6 route add ff00::/8 dev bt0 table local 2>/dev/null || true
    i=$((i+1))
  done
}

# bt_etc DHTNODE: the resolv.conf and hosts every client sees (see the file comment).
bt_etc() {
  mkdir -p "$TW_TMP/etc"
  printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$TW_TMP/etc/resolv.conf"
  {
    printf '127.0.0.1 localhost\n::1 localhost\n'
    local h
    for h in router.bittorrent.com router.utorrent.com dht.transmissionbt.com dht.libtorrent.org \
             router.bitcomet.com dht.aelitis.com router.silotis.us; do
      printf '%s %s\n' "$1" "$h"
    done
  } >"$TW_TMP/etc/hosts"
}

# bt_bg NODE NAME CMD...: run CMD in the node's namespace, in a private mount namespace that sees our
# resolv.conf and hosts; output in $TW_TMP/NAME.log.
bt_bg() {
  local node=$1 name=$2; shift 2
  ip netns exec "$BT_PFX-$node" unshare -m sh -c \
    'mount --bind "$0/resolv.conf" /etc/resolv.conf && mount --bind "$0/hosts" /etc/hosts && exec "$@"' \
    "$TW_TMP/etc" "$@" >"$TW_TMP/$name.log" 2>&1 &
  TW_PIDS+=("$!")
}

bt_exec() {
  local node=$1; shift
  ip netns exec "$BT_PFX-$node" "$@"
}

# bt_data NAME KIB: a deterministic file (the same bytes every run) and its torrent dir.
bt_data() {
  mkdir -p "$TW_TMP/data"
  "$TW_PY" -c 'import random,sys; r=random.Random(16); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(int(sys.argv[1])*1024)))' "$2" >"$TW_TMP/data/$1"
}

# bt_torrent NAME ANNOUNCE|- OUT: a .torrent of $TW_TMP/data/NAME (32 KiB pieces; no tracker with -).
bt_torrent() {
  local name=$1 ann=$2 out=$3
  if [[ $ann == - ]]; then
    mktorrent -l 15 -n "$name" -o "$out" "$TW_TMP/data/$name" >/dev/null
  else
    mktorrent -l 15 -a "$ann" -n "$name" -o "$out" "$TW_TMP/data/$name" >/dev/null
  fi
}

# bt_infohash FILE.torrent: the v1 info hash (hex).
bt_infohash() {
  "$TW_PY" - "$1" <<'PY'
import hashlib, sys
b = open(sys.argv[1], 'rb').read()
# The info dictionary's bencoded bytes: from its key to the matching 'e'.
i = b.index(b'4:infod') + 6
def skip(p):
    c = b[p:p+1]
    if c == b'i':
        return b.index(b'e', p) + 1
    if c in (b'l', b'd'):
        p += 1
        while b[p:p+1] != b'e':
            p = skip(p)
        return p + 1
    n = b.index(b':', p)
    return n + 1 + int(b[p:n])
print(hashlib.sha1(b[i:skip(i)]).hexdigest())
PY
}

# bt_transmission NODE ADDR PORT DIR [JSON settings...]: transmission-daemon with RPC on the node's
# loopback, port 9091 (::1 on an IPv6-only node: libevent's getaddrinfo wants an address of the family
# configured).
declare -A BT_RPC=()
bt_transmission() {
  local node=$1 addr=$2 port=$3 dir=$4; shift 4
  local rpc=127.0.0.1
  [[ $addr == *:* ]] && rpc=::1
  BT_RPC[$node]=$rpc
  mkdir -p "$dir/conf" "$dir/dl"
  local extra="" kv
  for kv in "$@"; do extra+=", $kv"; done
  local bind4='"bind-address-ipv4": "0.0.0.0", "bind-address-ipv6": "::"'
  if [[ $addr == *:* ]]; then bind4="\"bind-address-ipv4\": \"0.0.0.0\", \"bind-address-ipv6\": \"$addr\""; else bind4="\"bind-address-ipv4\": \"$addr\", \"bind-address-ipv6\": \"::\""; fi
  cat >"$dir/conf/settings.json" <<JSON
{ "download-dir": "$dir/dl", "incomplete-dir-enabled": false, "peer-port": $port, "peer-port-random-on-start": false,
  "port-forwarding-enabled": false, "blocklist-enabled": false, "rpc-enabled": true, "rpc-bind-address": "$rpc",
  "rpc-port": 9091, "rpc-whitelist-enabled": false, "rpc-authentication-required": false, "rpc-host-whitelist-enabled": false,
  "dht-enabled": false, "lpd-enabled": false, "utp-enabled": false, "pex-enabled": true, "encryption": 0,
  "ratio-limit-enabled": false, "idle-seeding-limit-enabled": false, "speed-limit-up-enabled": false,
  "message-level": 2, "start-added-torrents": true, "cache-size-mb": 4, $bind4 $extra }
JSON
  bt_bg "$node" "tr-$node" transmission-daemon -f -g "$dir/conf" --log-error
}

bt_tr_remote() {
  local node=$1; shift
  local rpc=${BT_RPC[$node]:-127.0.0.1}
  [[ $rpc == *:* ]] && rpc="[$rpc]"
  bt_exec "$node" transmission-remote "$rpc:9091" "$@"
}

# bt_wait_seeding NODE: until transmission reports the torrent complete (100% and seeding).
bt_tr_wait_done() {
  local node=$1 i
  for i in $(seq 1 120); do
    bt_tr_remote "$node" -l 2>/dev/null | grep -q -E '100% .*(Seeding|Idle|Done)' && return 0
    sleep 0.5
  done
  bt_tr_remote "$node" -l >&2 || true
  tw_die "transmission in $node did not finish"
}

# bt_rtorrent NODE ADDR PORT DIR [rc lines...]: rtorrent 0.9.8 as a daemon (no terminal), loading and
# starting every torrent dropped into DIR/watch.
bt_rtorrent() {
  local node=$1 addr=$2 port=$3 dir=$4; shift 4
  mkdir -p "$dir/dl" "$dir/session" "$dir/watch"
  {
    printf 'directory.default.set = %s/dl\nsession.path.set = %s/session\n' "$dir" "$dir"
    printf 'network.port_range.set = %s-%s\nnetwork.port_random.set = no\nnetwork.bind_address.set = %s\n' "$port" "$port" "$addr"
    printf 'dht.mode.set = disable\nprotocol.pex.set = no\nprotocol.encryption.set = allow_incoming\n'
    printf 'system.daemon.set = true\ntrackers.use_udp.set = yes\n'
    printf 'schedule2 = watch_start, 1, 1, ((load.start, (cat, "%s/watch/*.torrent")))\n' "$dir"
    local l
    for l in "$@"; do printf '%s\n' "$l"; done
  } >"$dir/rtorrent.rc"
  bt_bg "$node" "rt-$node" rtorrent -n -o "import=$dir/rtorrent.rc"
}

# bt_qbittorrent NODE ADDR PORT DIR [Key=Value for [BitTorrent]...] -- TORRENT...: qbittorrent-nox 4.5
# with its web UI on 127.0.0.1 only, adding the torrents given. Keys as in qBittorrent.conf, with one
# backslash ('Session\DHTEnabled=true'); they replace the defaults below.
bt_qbittorrent() {
  local node=$1 addr=$2 port=$3 dir=$4; shift 4
  declare -A bt=(
    ['Session\Port']=$port ['Session\Interface']=bt0 ['Session\InterfaceName']=bt0 ['Session\InterfaceAddress']=$addr
    ['Session\DefaultSavePath']=$dir/dl ['Session\DHTEnabled']=false ['Session\LSDEnabled']=false ['Session\PeXEnabled']=true
    ['Session\Encryption']=2 ['Session\BTProtocol']=TCP ['Session\AnonymousModeEnabled']=false ['Session\QueueingSystemEnabled']=false
  )
  while [[ $# -gt 0 && $1 != -- ]]; do bt[${1%%=*}]=${1#*=}; shift; done
  [[ ${1:-} == -- ]] && shift
  mkdir -p "$dir/qBittorrent/config" "$dir/dl"
  {
    printf '[LegalNotice]\nAccepted=true\n\n[BitTorrent]\n'
    local k
    for k in "${!bt[@]}"; do printf '%s=%s\n' "$k" "${bt[$k]}"; done
    printf '\n[Preferences]\nConnection\\UPnP=false\nConnection\\ResolvePeerCountries=false\nGeneral\\UseRandomPort=false\n'
    printf 'WebUI\\Address=127.0.0.1\nWebUI\\Port=8080\nWebUI\\LocalHostAuth=false\nWebUI\\UseUPnP=false\n'
  } >"$dir/qBittorrent/config/qBittorrent.conf"
  bt_bg "$node" "qb-$node" qbittorrent-nox --profile="$dir" --save-path="$dir/dl" "$@"
}
