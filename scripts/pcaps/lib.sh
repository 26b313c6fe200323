# shellcheck shell=bash
# Shared helpers for the capture generators in scripts/pcaps/. Source it from a
# generator (which has `set -euo pipefail`); it installs an EXIT trap that kills
# every process the generator started and deletes every namespace it created.
#
# Network safety: every address used is RFC 1918 / ULA or a documentation range
# (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32), every link is a
# veth pair between namespaces created here, and no namespace has a route out.

TW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TW_OUT=${TW_OUT:-$TW_ROOT/pcaps}
TW_SCRIPTS=$TW_ROOT/scripts/pcaps
# Debian's python3 carries python3-scapy; a pyenv python earlier in PATH may not.
TW_PY=${TW_PY:-/usr/bin/python3}
TW_TOOLS="$TW_PY $TW_SCRIPTS/tw_tools.py"
TW_TMP=$(mktemp -d /tmp/twpcap.XXXXXX)
TW_NS=()
TW_PIDS=()
TW_OVS_RUN=()
TW_CAP_PID=
TW_CAP_ERR=
TW_CAP_TMP=
TW_CAP_OUT=

tw_log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
tw_die() { tw_log "ERROR: $*"; exit 1; }

tw_require() {
  [[ $(id -u) -eq 0 ]] || tw_die "run as root (network namespaces)"
  local t
  for t in "$@"; do command -v "$t" >/dev/null || tw_die "missing tool: $t"; done
}

tw_kill_ns_procs() {
  local ns=$1 pid
  for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
}

tw_cleanup() {
  set +e
  local pid ns run d i
  for pid in "${TW_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  local ovspids=()
  for run in "${TW_OVS_RUN[@]}"; do
    for d in ovs-vswitchd ovsdb-server; do
      [[ -f $run/$d.pid ]] && ovspids+=("$(cat "$run/$d.pid")")
    done
  done
  for pid in "${ovspids[@]}"; do kill "$pid" 2>/dev/null; done
  # OVS daemons take a moment to exit; wait so nothing outlives the script.
  for pid in "${ovspids[@]}"; do
    for i in $(seq 1 25); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  done
  for ns in "${TW_NS[@]}"; do tw_kill_ns_procs "$ns"; done
  # Give the processes a moment to exit before the namespaces go away.
  for i in 1 2 3 4 5 6 7 8 9 10; do
    local left=0
    for ns in "${TW_NS[@]}"; do [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && left=1; done
    [[ $left -eq 0 ]] && break
    sleep 0.2
  done
  for ns in "${TW_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
  done
  rm -rf "$TW_TMP"
}
trap tw_cleanup EXIT
trap 'exit 130' INT TERM

# tw_ns NAME [ipv6]: (re)create a namespace. IPv6 stays off unless asked for, so
# IPv4 captures are not filled with router solicitations and MLD reports.
tw_ns() {
  local ns=$1 v6=${2:-}
  if ip netns list | grep -qx "$ns\( (id: [0-9]*)\)\?"; then
    tw_log "removing stale namespace $ns from an earlier run"
    tw_kill_ns_procs "$ns"; sleep 0.3
    ip netns del "$ns"
  fi
  ip netns add "$ns"
  TW_NS+=("$ns")
  if [[ $v6 != ipv6 ]]; then
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
  fi
  ip -n "$ns" link set lo up
}

# tw_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
# TX checksum offload is turned off so the captured packets carry real checksums
# (veth otherwise hands CHECKSUM_PARTIAL packets to the tap) and TSO is off with it,
# so no capture holds a 64 KB "super-packet".
tw_veth() {
  local n1=$1 i1=$2 n2=$3 i2=$4
  ip link add "$i1" netns "$n1" type veth peer name "$i2" netns "$n2"
  tw_nooffload "$n1" "$i1"
  tw_nooffload "$n2" "$i2"
  ip -n "$n1" link set "$i1" up
  ip -n "$n2" link set "$i2" up
}

tw_nooffload() {
  ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 \
    || ip netns exec "$1" ethtool -K "$2" tx off >/dev/null
}

# tw_bg NS NAME CMD...: run CMD in NS in the background; output goes to $TW_TMP/NAME.log.
tw_bg() {
  local ns=$1 name=$2; shift 2
  ip netns exec "$ns" "$@" >"$TW_TMP/$name.log" 2>&1 &
  TW_PIDS+=("$!")
}

# tw_wait_listen NS tcp|udp PORT: wait until something listens on PORT in NS.
tw_wait_listen() {
  local ns=$1 proto=$2 port=$3 i flag=-Hltn
  [[ $proto == udp ]] && flag=-Hlun
  for i in $(seq 1 100); do
    [[ -n $(ip netns exec "$ns" ss $flag "sport = :$port") ]] && return 0
    sleep 0.1
  done
  tw_die "nothing listening on $proto/$port in $ns"
}

tw_wait_file() {
  local f=$1 i
  for i in $(seq 1 200); do [[ -e $f ]] && return 0; sleep 0.05; done
  tw_die "timed out waiting for $f"
}

# tw_capture_start NS OUTFILE CMD...: start a capture tool (its argv must write to
# "$TW_CAP_TMP"; use that variable inside CMD via the placeholder @OUT@) and wait
# until it reports that it is capturing.
tw_capture_start() {
  local ns=$1 out=$2; shift 2
  TW_CAP_OUT=$out
  TW_CAP_TMP=$TW_TMP/$(basename "$out")
  TW_CAP_ERR=$TW_TMP/$(basename "$out").stderr
  rm -f "$TW_CAP_TMP"
  local args=() a
  for a in "$@"; do args+=("${a//@OUT@/$TW_CAP_TMP}"); done
  ip netns exec "$ns" "${args[@]}" >"$TW_CAP_ERR" 2>&1 &
  TW_CAP_PID=$!
  TW_PIDS+=("$TW_CAP_PID")
  local i
  for i in $(seq 1 100); do
    grep -q -e 'listening on' -e 'Capturing on' "$TW_CAP_ERR" 2>/dev/null && break
    kill -0 "$TW_CAP_PID" 2>/dev/null || { cat "$TW_CAP_ERR" >&2; tw_die "capture tool exited"; }
    sleep 0.1
  done
  grep -q -e 'listening on' -e 'Capturing on' "$TW_CAP_ERR" || tw_die "capture did not start"
  # The tool prints its banner just before the ring is live; a short pause avoids
  # losing the first packet of the traffic that follows.
  sleep 0.5
}

# tw_capture_stop: let the last packets reach the tool, stop it with SIGINT (it
# then writes out what it has) and move the file into pcaps/.
tw_capture_stop() {
  sleep 1
  kill -INT "$TW_CAP_PID"
  wait "$TW_CAP_PID" || true
  [[ -s $TW_CAP_TMP ]] || { cat "$TW_CAP_ERR" >&2; tw_die "no capture written"; }
  mkdir -p "$TW_OUT"
  mv -f "$TW_CAP_TMP" "$TW_CAP_OUT"
  # tcpdump drops privileges to its own user before creating the file.
  chown 0:0 "$TW_CAP_OUT"
  chmod 0644 "$TW_CAP_OUT"
  tw_log "wrote $TW_CAP_OUT ($(capinfos -c -M "$TW_CAP_OUT" | awk -F': *' '/Number of packets/ {print $2}') packets)"
}

# --- Open vSwitch, userspace ("netdev") datapath -----------------------------
# This kernel has no 802.1Q, GRE/ERSPAN or MPLS-forwarding support (and no
# loadable modules), so VLAN/QinQ tagging, GRE/gretap/ERSPAN encapsulation and
# MPLS label push/pop are done by Open vSwitch's userspace datapath, which needs
# no kernel module. Each instance runs inside its own namespace with its own
# database and run directory, so it never touches a system-wide OVS.

# tw_ovs_start NS: start ovsdb-server + ovs-vswitchd in NS; sets TW_OVSV (an
# ovs-vsctl command line for this instance) and TW_OVSRUN (its run directory, for
# tw_ovs_ofctl and `ovs-appctl -t $TW_OVSRUN/ovs-vswitchd.ctl`).
tw_ovs_start() {
  local ns=$1 run=$TW_TMP/ovs-$1
  mkdir -p "$run"
  TW_OVS_RUN+=("$run")
  ovsdb-tool create "$run/conf.db" /usr/share/openvswitch/vswitch.ovsschema
  # OVS_RUNDIR puts the per-bridge OpenFlow sockets (<bridge>.mgmt) in our run dir.
  ip netns exec "$ns" env OVS_RUNDIR="$run" OVS_LOGDIR="$run" OVS_DBDIR="$run" ovsdb-server "$run/conf.db" --remote="punix:$run/db.sock" \
    --pidfile="$run/ovsdb-server.pid" --unixctl="$run/ovsdb-server.ctl" \
    --log-file="$run/ovsdb-server.log" --detach --no-chdir
  ovs-vsctl --db="unix:$run/db.sock" --no-wait init
  ip netns exec "$ns" env OVS_RUNDIR="$run" OVS_LOGDIR="$run" OVS_DBDIR="$run" ovs-vswitchd "unix:$run/db.sock" --pidfile="$run/ovs-vswitchd.pid" \
    --unixctl="$run/ovs-vswitchd.ctl" --log-file="$run/ovs-vswitchd.log" --detach --no-chdir
  TW_OVSV="ovs-vsctl --db=unix:$run/db.sock"
  TW_OVSRUN=$run
}

# tw_ovs_ofctl RUN BRIDGE CMD ARGS...: `ovs-ofctl -O OpenFlow15 CMD` against a bridge
# of the OVS instance whose run directory is RUN (options must precede CMD).
tw_ovs_ofctl() {
  local run=$1 br=$2 cmd=$3; shift 3
  ovs-ofctl -O OpenFlow15 "$cmd" "unix:$run/$br.mgmt" "$@"
}

# tw_addrs NS IF ADDR/LEN...: add addresses to IF in NS (IPv6 without DAD delay).
tw_addrs() {
  local ns=$1 dev=$2; shift 2
  local a
  for a in "$@"; do ip -n "$ns" addr add "$a" dev "$dev" nodad 2>/dev/null || ip -n "$ns" addr add "$a" dev "$dev"; done
}

# tw_routes NS DEV PREFIX...: on-link routes (no gateway) for PREFIXes via DEV.
tw_routes() {
  local ns=$1 dev=$2; shift 2
  local p
  for p in "$@"; do ip -n "$ns" route add "$p" dev "$dev"; done
}

# Small web root and a throwaway self-signed certificate for the servers.
tw_webroot() {
  mkdir -p "$TW_TMP/www"
  printf 'torwatch regression capture\n' >"$TW_TMP/www/index.html"
}

tw_cert() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=relay.example -keyout "$TW_TMP/key.pem" -out "$TW_TMP/cert.pem" 2>/dev/null
}
