#!/usr/bin/env bash
# Traffic that is NOT a Tor pluggable transport, for the transport rules' false-positive checks:
#   fet-negatives.pcap  from 10.8.8.10 to lab servers:
#     TLS 1.3 and TLS 1.2 (curl to openssl s_server), HTTP (curl to python3 -m http.server),
#     SSH (OpenSSH's client to dropbear: key exchange and a refused public-key login),
#     Shadowsocks (shadowsocks-libev 3.3.5: ss-local + ss-server, chacha20-ietf-poly1305 and
#       aes-256-gcm): curl through it a dozen times, plus one connection through it that lasts over
#       a minute (an interactive session: small messages both ways every few seconds),
#     netcat of random bytes (a client that sends 20 KB of /dev/urandom; one that sends random
#       chunks of 100-600 bytes and gets random chunks back for over a minute: a generic fully
#       encrypted tunnel),
#     WireGuard-like UDP (datagrams of random bytes each way, no fixed header, over a minute).
#   None is Tor; what torwatch says about them is in pcaps/README.md.
#
#   pt-fn-cli 10.8.8.10  <== veth ==>  pt-fn-srv 203.0.113.90 (all servers)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
tw_require tcpdump tshark curl openssl ss-server ss-local dropbear dropbearkey ssh ethtool ss capinfos

LONG=${FET_LONG:-70}
PT_LAB="$TW_PY $TW_SCRIPTS/pt_lab.py"
SRV=203.0.113.90

tw_ns pt-fn-cli
tw_ns pt-fn-srv
tw_veth pt-fn-cli eth0 pt-fn-srv eth0
tw_addrs pt-fn-cli eth0 10.8.8.10/24
tw_addrs pt-fn-srv eth0 $SRV/24
tw_routes pt-fn-cli eth0 203.0.113.0/24
tw_routes pt-fn-srv eth0 10.8.8.0/24

tw_webroot
tw_cert
# TLS 1.3 on 443, TLS 1.2 only on 8443; HTTP on 80; dropbear SSH on 22.
tw_bg pt-fn-srv tls13 openssl s_server -accept 443 -cert "$TW_TMP/cert.pem" -key "$TW_TMP/key.pem" -www -quiet
tw_bg pt-fn-srv tls12 openssl s_server -accept 8443 -tls1_2 -cert "$TW_TMP/cert.pem" -key "$TW_TMP/key.pem" -www -quiet
tw_bg pt-fn-srv http "$TW_PY" -m http.server 80 --bind $SRV --directory "$TW_TMP/www"
# The SSH client's key is not authorised: the handshake (banner, key exchange) and an encrypted
# authentication attempt, then the server closes, which is all SSH shows on the wire anyway.
dropbearkey -t ed25519 -f "$TW_TMP/dropbear_ed25519" >/dev/null 2>&1
ssh-keygen -q -t ed25519 -N '' -f "$TW_TMP/id_ed25519"
tw_bg pt-fn-srv ssh dropbear -F -E -s -p $SRV:22 -r "$TW_TMP/dropbear_ed25519" -P "$TW_TMP/dropbear.pid"
# Shadowsocks servers: two ciphers, two ports.
tw_bg pt-fn-srv ss1 ss-server -s $SRV -p 8388 -k pt-lab-password -m chacha20-ietf-poly1305 -u
tw_bg pt-fn-srv ss2 ss-server -s $SRV -p 8389 -k pt-lab-password -m aes-256-gcm
tw_bg pt-fn-cli sl1 ss-local -s $SRV -p 8388 -l 1080 -b 127.0.0.1 -k pt-lab-password -m chacha20-ietf-poly1305
tw_bg pt-fn-cli sl2 ss-local -s $SRV -p 8389 -l 1081 -b 127.0.0.1 -k pt-lab-password -m aes-256-gcm
# Random bytes: a sink, an echo of random chunks, and the UDP peer.
tw_bg pt-fn-srv sink sh -c "while :; do nc -l -p 9999 -s $SRV >/dev/null; done"
tw_bg pt-fn-srv rndtcp "$TW_PY" -c '
import os, random, socket, threading
s = socket.create_server(("'$SRV'", 9998))
def serve(c):
    with c:
        while True:
            d = c.recv(65536)
            if not d: return
            c.sendall(os.urandom(random.randint(100, 600)))
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
'
tw_bg pt-fn-srv udp $PT_LAB random-udp-peer --bind $SRV --port 51820
for p in 443 8443 80 22 8388 8389 9999 9998; do tw_wait_listen pt-fn-srv tcp $p; done
tw_wait_listen pt-fn-cli tcp 1080
tw_wait_listen pt-fn-cli tcp 1081
sleep 0.5

cu() { ip netns exec pt-fn-cli curl -sS --max-time 120 -o /dev/null "$@"; }

tw_capture_start pt-fn-cli "$TW_OUT/fet-negatives.pcap" tcpdump -i eth0 -n --immediate-mode -w @OUT@ not arp
cu --tlsv1.3 -k "https://$SRV/"
cu --tls-max 1.2 -k "https://$SRV:8443/"
cu "http://$SRV/index.html"
ip netns exec pt-fn-cli ssh -i "$TW_TMP/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes root@$SRV 'echo torwatch; sleep 2' >/dev/null 2>&1 || true
# Long-lived things at once, in the background: a session through Shadowsocks (SOCKS5 to ss-local,
# then small messages to the random-chunk server), the random tunnel, WireGuard-like UDP.
ip netns exec pt-fn-cli "$TW_PY" -c '
import random, socket, struct, time
c = socket.create_connection(("127.0.0.1", 1081))
c.sendall(b"\x05\x01\x00"); c.recv(2)
c.sendall(b"\x05\x01\x00\x01" + socket.inet_aton("'$SRV'") + struct.pack("!H", 9998)); c.recv(10)
end = time.monotonic() + '$LONG'
while time.monotonic() < end:
    c.sendall(b"message %d\n" % random.randint(0, 10**9))
    c.recv(65536)
    time.sleep(random.uniform(1.0, 4.0))
c.close()
' &
BG1=$!
ip netns exec pt-fn-cli "$TW_PY" -c '
import os, random, socket, time
c = socket.create_connection(("'$SRV'", 9998))
end = time.monotonic() + '$LONG'
while time.monotonic() < end:
    c.sendall(os.urandom(random.randint(100, 600)))
    c.recv(65536)
    time.sleep(random.uniform(0.5, 3.0))
c.close()
' &
BG2=$!
ip netns exec pt-fn-cli $PT_LAB random-udp --bind 10.8.8.10 --to $SRV --port 51820 --count $LONG --interval 1 &
BG3=$!
for i in $(seq 1 6); do
  cu --socks5-hostname 127.0.0.1:1080 "http://$SRV/index.html"
  cu --socks5-hostname 127.0.0.1:1081 -k "https://$SRV/"
  sleep 2
done
head -c 20000 /dev/urandom | ip netns exec pt-fn-cli nc -q 1 $SRV 9999 || true
wait $BG1 $BG2 $BG3 || true
tw_capture_stop
