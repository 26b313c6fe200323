#!/usr/bin/python3
"""Small endpoints for the BitTorrent captures (make-bittorrent.sh). Standard library only; ordinary
kernel sockets build every packet.

  bt_tools.py tracker --bind IP [--port 6969]
      An HTTP and UDP BitTorrent tracker (BEP 3 announce with compact `peers`/`peers6` (BEP 7, 23),
      BEP 15 connect/announce/scrape, IPv4 and IPv6) that remembers every peer that announced. It stands
      in for opentracker where opentracker cannot go: Debian's build is IPv4 only.
  bt_tools.py udp-noise --bind IP --to IP --port P [--count N] [--seed S]
      Datagrams that trip naive detectors and must not: random bytes (some starting 0x41, a uTP SYN's
      first byte), a DNS query whose id starts 0x41, bytes that start like a bencoded dictionary but
      are not KRPC, and a lone well-formed uTP SYN that nobody answers.
  bt_tools.py udp-echo --bind IP --port P
      Answers every datagram with its own bytes (so the noise above has a reply direction).
"""
from __future__ import annotations

import argparse
import random
import socket
import struct
import threading
import time
import urllib.parse

PROTOCOL_ID = 0x41727101980


def bencode(v) -> bytes:
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, str):
        return bencode(v.encode())
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(type(v))


def compact(addr: str, port: int) -> bytes:
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_pton(fam, addr) + struct.pack("!H", port)


class Swarm:
    def __init__(self) -> None:
        self.peers: dict[bytes, dict[tuple[str, int], float]] = {}
        self.lock = threading.Lock()

    def announce(self, ih: bytes, addr: str, port: int, stopped: bool) -> list[tuple[str, int]]:
        with self.lock:
            s = self.peers.setdefault(ih, {})
            others = [p for p in s if p != (addr, port)]
            if stopped:
                s.pop((addr, port), None)
            else:
                s[(addr, port)] = time.time()
            return others


def tracker(args: argparse.Namespace) -> None:
    swarm = Swarm()
    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET

    def http_conn(conn: socket.socket, peer: tuple) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data and len(data) < 8192:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            line = data.split(b"\r\n", 1)[0].decode("latin-1")
            target = line.split(" ")[1] if line.count(" ") >= 2 else "/"
            q = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query, encoding="latin-1")
            ih = q.get("info_hash", [""])[0].encode("latin-1")
            if len(ih) != 20:
                body = bencode({"failure reason": "bad info_hash"})
            else:
                port = int(q.get("port", ["0"])[0])
                others = swarm.announce(ih, peer[0], port, q.get("event", [""])[0] == "stopped")
                v4 = b"".join(compact(a, p) for a, p in others if ":" not in a)
                v6 = b"".join(compact(a, p) for a, p in others if ":" in a)
                body = bencode({"interval": 1800, "complete": len(others), "incomplete": 0, "peers": v4, "peers6": v6})
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)

    def http_loop() -> None:
        srv = socket.socket(fam, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((args.bind, args.port))
        srv.listen(16)
        while True:
            c, a = srv.accept()
            threading.Thread(target=http_conn, args=(c, a), daemon=True).start()

    def udp_loop() -> None:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((args.bind, args.port))
        cids: set[int] = set()
        while True:
            msg, peer = s.recvfrom(2048)
            if len(msg) < 16:
                continue
            cid, action, tid = struct.unpack("!QII", msg[:16])
            if action == 0 and cid == PROTOCOL_ID:
                new = random.getrandbits(64)
                cids.add(new)
                s.sendto(struct.pack("!IIQ", 0, tid, new), peer)
            elif action == 1 and cid in cids and len(msg) >= 98:
                ih = msg[16:36]
                event, = struct.unpack("!I", msg[80:84])
                port, = struct.unpack("!H", msg[96:98])
                others = swarm.announce(ih, peer[0], port, event == 3)
                # BEP 15: over IPv6 the peers are 18 bytes each.
                same = [(a, p) for a, p in others if (":" in a) == (fam == socket.AF_INET6)]
                body = b"".join(compact(a, p) for a, p in same)
                s.sendto(struct.pack("!IIIII", 1, tid, 1800, 0, len(same)) + body, peer)
            elif action == 2 and cid in cids:
                n = (len(msg) - 16) // 20
                s.sendto(struct.pack("!II", 2, tid) + b"".join(struct.pack("!III", 1, 0, 0) for _ in range(n)), peer)
            else:
                s.sendto(struct.pack("!II", 3, tid) + b"Connection ID missmatch.", peer)

    threading.Thread(target=udp_loop, daemon=True).start()
    http_loop()


def udp_noise(args: argparse.Namespace) -> None:
    r = random.Random(args.seed)
    fam = socket.AF_INET6 if ":" in args.to else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((args.bind, 0))
    s.settimeout(0.5)
    payloads = []
    for i in range(args.count):
        b = bytes(r.getrandbits(8) for _ in range(r.randint(20, 200)))
        if i % 3 == 0:
            b = b"\x41" + b[1:]
        payloads.append(b)
    # A DNS query (to a non-DNS port) whose id starts 0x41: a plausible uTP SYN byte.
    payloads.append(struct.pack("!HHHHHH", 0x4100, 0x0100, 1, 0, 0, 0) + b"\x07example\x03com\x00\x00\x01\x00\x01")
    # Starts like bencode, is not KRPC.
    payloads.append(b"d1:xi1ee")
    payloads.append(b"d3:foo3:bare")
    # A lone uTP SYN (version 1, no extension, connection id 0x4242): nobody answers it as uTP.
    payloads.append(struct.pack("!BBHIIIHH", 0x41, 0, 0x4242, 1000, 0, 65536, 1, 0))
    for p in payloads:
        s.sendto(p, (args.to, args.port))
        try:
            s.recvfrom(4096)
        except socket.timeout:
            pass
        time.sleep(0.02)


def udp_echo(args: argparse.Namespace) -> None:
    fam = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((args.bind, args.port))
    while True:
        msg, peer = s.recvfrom(65535)
        # The lone uTP SYN gets no answer (a SYN answered by itself would pair with itself).
        if msg[:1] == b"\x41" and len(msg) == 20:
            continue
        s.sendto(msg, peer)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("tracker")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, default=6969)
    s.set_defaults(func=tracker)
    s = sub.add_parser("udp-noise")
    s.add_argument("--bind", required=True)
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, default=30)
    s.add_argument("--seed", type=int, default=16)
    s.set_defaults(func=udp_noise)
    s = sub.add_parser("udp-echo")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.set_defaults(func=udp_echo)
    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
