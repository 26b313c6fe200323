#!/usr/bin/env bash
# A private Tor network (TestingTorNetwork 1, Debian's tor, our own directory
# authorities made with tor-gencert) across network namespaces, a client that
# fetches a web page through it, and a capture of all of it:
#   pcaps/tor-private-net.pcap                    tcpdump on the bridge every node hangs on
#   pcaps/tor-private-net.consensus/<valid-after>-consensus
#                                                 every consensus in force during the capture,
#                                                 named as CollecTor names them
#   pcaps/expected/tor-private-net.pcap.args      the replay options the expected alerts assume
#
# Topology: one bridge (br0 in tw3-sw), one veth per node, no route out.
#   tw3-a1 198.51.100.11  authority + relay     ORPort 9001 DirPort 9030
#   tw3-a2 198.51.100.12  authority + relay
#   tw3-a3 198.51.100.13  authority + relay
#   tw3-r1 198.51.100.21  relay; r1 and a1-a3 are the Guards (TestingDirAuthVoteGuard: a single guard
#                         that loses Stable leaves the client without a first hop)
#   tw3-r2 203.0.113.31   relay, the only Exit  (TestingDirAuthVoteExit), ExitPolicy accept *:*
#   tw3-r3 10.3.3.30      relay inside home-net (RFC 1918): "an internal host that is a relay"
#   tw3-cl 10.1.1.10      Tor client, SocksPort 127.0.0.1:9050; curl --socks5-hostname
#   tw3-web 10.2.2.20     web server :8080 inside home-net, reached through the exit
#
# What the capture shows (torwatch with --relays pcaps/tor-private-net.consensus):
#   10.1.1.10 -> its guard :9001                           tor-relay client_to_relay, High (ORPort)
#   10.1.1.10 -> authorities :9001/:9030 (bootstrap)       tor-relay client_to_relay, High
#   203.0.113.31 -> 10.2.2.20:8080 (exit to the web server) tor-exit from_exit LOW, tor-relay relay_to_internal Medium
#   relays <-> 10.3.3.30 (a circuit's middle, consensus fetches)   tor-relay internal_relay
#   10.x -> public :9001/:9030                              tor-port-private (seed 004)
#
# Takes three to four minutes (the authorities' first votes, then TW3_SETTLE=90 s for the relays'
# bandwidth self-tests to finish). TW3_WAIT (240 s) bounds the wait for a complete consensus,
# TW3_TAIL (15 s) is how long capturing goes on after the last fetch. Middle hops are random: the
# script stops (run it again) if no connection involves the home-net relay.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tor tor-gencert tcpdump tshark curl capinfos ethtool ss

OUT_PCAP=$TW_OUT/tor-private-net.pcap
OUT_CONS=$TW_OUT/tor-private-net.consensus
NODES=(a1 a2 a3 r1 r2 r3 cl web)
declare -A IP=([a1]=198.51.100.11 [a2]=198.51.100.12 [a3]=198.51.100.13 [r1]=198.51.100.21
               [r2]=203.0.113.31 [r3]=10.3.3.30 [cl]=10.1.1.10 [web]=10.2.2.20)
PREFIXES=(198.51.100.0/24 203.0.113.0/24 10.1.1.0/24 10.2.2.0/24 10.3.3.0/24)
T=$TW_TMP/tor

# --- network -------------------------------------------------------------------
tw_ns tw3-sw
ip -n tw3-sw link add br0 type bridge stp_state 0 forward_delay 0
tw_nooffload tw3-sw br0
ip -n tw3-sw link set br0 up
for n in "${NODES[@]}"; do
  tw_ns "tw3-$n"
  tw_veth "tw3-$n" eth0 tw3-sw "p-$n"
  ip -n tw3-sw link set "p-$n" master br0
  tw_addrs "tw3-$n" eth0 "${IP[$n]}/24"
  for p in "${PREFIXES[@]}"; do
    # The node's own /24 already has its connected route.
    [[ $(ip -n "tw3-$n" route show "$p") ]] || tw_routes "tw3-$n" eth0 "$p"
  done
done

# --- keys ----------------------------------------------------------------------
# tor runs as root here (inside throwaway namespaces); it refuses group/world-readable data dirs.
mkdir -p "$T"
fingerprint_of() { # DATADIR -> relay identity fingerprint
  tor --quiet --ignore-missing-torrc -f /dev/null --DataDirectory "$1" --list-fingerprint --ORPort 1 \
    --DirAuthority "x 127.0.0.1:1 ffffffffffffffffffffffffffffffffffffffff" >/dev/null
  awk '{print $2}' "$1/fingerprint"
}
declare -A FP V3
for n in a1 a2 a3 r1 r2 r3; do
  mkdir -p "$T/$n/keys"
  chmod -R 700 "$T/$n"
  if [[ $n == a? ]]; then
    echo '' | tor-gencert --create-identity-key -m 12 -a "${IP[$n]}:9030" \
      -i "$T/$n/keys/authority_identity_key" -s "$T/$n/keys/authority_signing_key" \
      -c "$T/$n/keys/authority_certificate" --passphrase-fd 0 >/dev/null 2>&1
    V3[$n]=$(awk '/^fingerprint / {print $2}' "$T/$n/keys/authority_certificate")
  fi
  FP[$n]=$(fingerprint_of "$T/$n")
done
DIRAUTH=""
for n in a1 a2 a3; do
  DIRAUTH+="DirAuthority $n orport=9001 no-v2 v3ident=${V3[$n]} ${IP[$n]}:9030 ${FP[$n]}"$'\n'
done

common_torrc() { # NODE
  cat <<EOF
TestingTorNetwork 1
DataDirectory $T/$1
PidFile $T/$1/pid
Log notice file $T/$1/notice.log
SafeLogging 0
ShutdownWaitLength 0
Nickname $1
${DIRAUTH}
EOF
}

for n in a1 a2 a3 r1 r2 r3; do
  {
    common_torrc "$n"
    cat <<EOF
Address ${IP[$n]}
ORPort ${IP[$n]}:9001
DirPort ${IP[$n]}:9030
SocksPort 0
ContactInfo tw3-$n@example.invalid
# No reachability self-test: publish the descriptor at once (chutney does the same).
AssumeReachable 1
EOF
    if [[ $n == r2 ]]; then
      printf 'ExitRelay 1\nExitPolicy accept *:*\nIPv6Exit 0\n'
    else
      printf 'ExitRelay 0\nExitPolicy reject *:*\n'
    fi
    if [[ $n == a? ]]; then
      cat <<EOF
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
TestingV3AuthInitialVotingInterval 20
TestingV3AuthInitialVoteDelay 4
TestingV3AuthInitialDistDelay 4
V3AuthVotingInterval 60
V3AuthVoteDelay 5
V3AuthDistDelay 5
TestingDirAuthVoteGuard ${FP[r1]},${FP[a1]},${FP[a2]},${FP[a3]}
TestingDirAuthVoteGuardIsStrict 1
TestingDirAuthVoteExit ${FP[r2]}
TestingDirAuthVoteExitIsStrict 1
TestingDirAuthVoteHSDir *
EOF
    fi
  } >"$T/$n/torrc"
done
mkdir -p "$T/cl" && chmod 700 "$T/cl"
{
  common_torrc cl
  printf 'SocksPort 127.0.0.1:9050\nClientOnly 1\n'
} >"$T/cl/torrc"

# --- run -----------------------------------------------------------------------
mkdir -p "$TW_TMP/www"
printf 'torwatch private Tor network page\n' >"$TW_TMP/www/index.html"
tw_bg tw3-web web "$TW_PY" -m http.server 8080 --bind "${IP[web]}" --directory "$TW_TMP/www"
for n in a1 a2 a3 r1 r2 r3; do tw_bg "tw3-$n" "tor-$n" tor -f "$T/$n/torrc"; done
tw_wait_listen tw3-web tcp 8080

# Wait for a consensus that lists all six relays, r1 with Guard and r2 with Exit.
tw_log "waiting for the authorities' consensus (a minute or two)"
ready=0
for i in $(seq 1 ${TW3_WAIT:-240}); do
  c=$T/a1/cached-consensus
  if [[ -f $c ]] && [[ $(grep -c '^r ' "$c") -eq 6 ]] \
     && grep -A1 "^r r1 " "$c" | grep -q ' Guard' && grep -A1 "^r r2 " "$c" | grep -q ' Exit' \
     && [[ $(grep -c '^s .*Running' "$c") -eq 6 ]]; then
    ready=1; break
  fi
  sleep 1
done
if [[ $ready -ne 1 ]]; then
  ls -la "$T/a1" >&2
  [[ -f $T/a1/cached-consensus ]] && grep -A1 '^r ' "$T/a1/cached-consensus" >&2
  tail -5 "$T"/a1/notice.log >&2; tail -25 "$T"/r1/notice.log >&2
  tw_die "no complete consensus after 4 minutes"
fi
tw_log "consensus ready: $(grep '^valid-after' "$T/a1/cached-consensus")"
# Let the relays finish their start-up chatter (descriptor uploads, bandwidth self-tests: megabytes
# of cells) so the capture stays small and is mostly the client's doing.
sleep "${TW3_SETTLE:-90}"

# Keep every consensus the authority holds while capturing (they change every 60 s).
mkdir -p "$TW_TMP/cons"
save_consensus() {
  local c=$T/a1/cached-consensus va
  [[ -f $c ]] || return 0
  va=$(awk '/^valid-after / {print $2"-"$3; exit}' "$c" | tr ':' '-')
  [[ -n $va ]] && cp -f "$c" "$TW_TMP/cons/$va-consensus"
}
save_consensus
( while :; do save_consensus; sleep 1; done ) &
SAVER=$!
TW_PIDS+=("$SAVER")

tw_capture_start tw3-sw "$OUT_PCAP" tcpdump -i br0 -n --immediate-mode -w @OUT@ ip
tw_bg tw3-cl tor-cl tor -f "$T/cl/torrc"
for i in $(seq 1 120); do
  grep -q 'Bootstrapped 100%' "$T/cl/notice.log" 2>/dev/null && break
  sleep 1
done
if ! grep -q 'Bootstrapped 100%' "$T/cl/notice.log"; then
  grep -v '^\s*$' "$T/cl/notice.log" | tail -30 >&2
  grep -E '^(valid-after|r |s )' "$T/a1/cached-consensus" >&2
  tw_die "client did not bootstrap"
fi
tw_log "client bootstrapped; fetching the page through Tor"
# Three fetches with different SOCKS credentials: Tor isolates them on separate circuits, whose
# middle hops are drawn from a1-a3 and r3.
for k in 1 2 3; do
  page=$(ip netns exec tw3-cl curl -sS --max-time 60 --socks5-hostname "u$k:p@127.0.0.1:9050" "http://${IP[web]}:8080/index.html")
  [[ $page == "torwatch private Tor network page" ]] || tw_die "page fetched through Tor was '$page'"
done
# Relays fetch each new consensus (every 60 s here): keep capturing a little for that traffic.
sleep "${TW3_TAIL:-15}"
tw_capture_stop
n_r3=$(tshark -n -r "$OUT_PCAP" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.addr==${IP[r3]}" 2>/dev/null | wc -l)
n_guard=$(tshark -n -r "$OUT_PCAP" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==${IP[cl]} && tcp.dstport==9001" 2>/dev/null | wc -l)
n_exit=$(tshark -n -r "$OUT_PCAP" -Y "tcp.flags.syn==1 && tcp.flags.ack==0 && ip.src==${IP[r2]} && ip.dst==${IP[web]}" 2>/dev/null | wc -l)
tw_log "connections opened: client->guard $n_guard, exit->web $n_exit, involving the home-net relay $n_r3"
(( n_guard > 0 && n_exit > 0 )) || tw_die "the capture lacks the client's guard connection or the exit's connection to the web server"
(( n_r3 > 0 )) || tw_die "no connection to or from the home-net relay r3 in the capture; run again (middles are chosen at random)"
save_consensus
kill "$SAVER" 2>/dev/null || true

# Keep only the consensuses whose validity overlaps the capture.
first=$(capinfos -a -S -T -r "$OUT_PCAP" | awk -F'\t' '{print $2}')
last=$(capinfos -e -S -T -r "$OUT_PCAP" | awk -F'\t' '{print $2}')
rm -rf "$OUT_CONS"
mkdir -p "$OUT_CONS"
for f in "$TW_TMP"/cons/*-consensus; do
  va=$(date -u -d "$(awk '/^valid-after / {print $2" "$3; exit}' "$f")" +%s)
  vu=$(date -u -d "$(awk '/^valid-until / {print $2" "$3; exit}' "$f")" +%s)
  if (( va <= ${last%.*} + 1 && vu >= ${first%.*} )); then cp "$f" "$OUT_CONS/"; fi
done
chmod 0644 "$OUT_CONS"/*
tw_log "kept $(ls "$OUT_CONS" | wc -l) consensus(es) in $OUT_CONS"
printf '%s\n' '["--relays","tor-private-net.consensus","--rules","tor-relay,tor-exit,tor-port-private"]' >"$TW_OUT/expected/tor-private-net.pcap.args"
for n in r1 r2 r3 a1 a2 a3; do tw_log "$n ${IP[$n]} ${FP[$n]}"; done
