#!/usr/bin/python3
"""Small traffic endpoints and file helpers for the capture generators.

Only the Python standard library, except `bigendian` (python3-scapy). The TCP/UDP
endpoints are ordinary kernel sockets: the kernel builds every packet, these
programs only decide what to send and when. They exist because curl/openssl
cannot (a) hold a connection open across the start of a capture, (b) make the
server speak first, or (c) bind a UDP source address.

Usage (run inside a network namespace with `ip netns exec NS`):
  tw_tools.py tcp-sink   --bind IP --port P [--banner-after FILE]
  tw_tools.py tcp-client --bind IP --to IP --port P [--size N]
                         [--connected FILE --go FILE] [--expect-banner]
                         [--dstopts]
  tw_tools.py udp-sink   --bind IP --port P
  tw_tools.py udp-send   --bind IP --to IP --port P [--size N]
  tw_tools.py bigendian  IN.pcap OUT.pcap
"""
from __future__ import annotations

import argparse
import os
import socket
import sys
import threading
import time

# Linux value of IPV6_DSTOPTS (include/uapi/linux/in6.h); Python does not export it everywhere.
IPV6_DSTOPTS = 59


def family_of(ip: str) -> int:
    return socket.AF_INET6 if ":" in ip else socket.AF_INET


def wait_for_file(path: str, timeout: float = 60.0) -> None:
    # The shell script creates the file when the capture is running; polling a file
    # keeps the protocol between script and endpoint trivial.
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {path}")
        time.sleep(0.05)


def touch(path: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write("1\n")


def read_line(conn: socket.socket, limit: int = 1 << 20) -> bytes:
    buf = b""
    while b"\n" not in buf and len(buf) < limit:
        chunk = conn.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def serve_one(conn: socket.socket, banner_after: str | None) -> None:
    with conn:
        if banner_after:
            # Server-first protocol (like SMTP/SSH banners): nothing from the client
            # is needed before the server sends.
            wait_for_file(banner_after)
            conn.sendall(b"hello from server\n")
        read_line(conn)
        conn.sendall(b"ok\n")
        # Drain until the client closes so the FIN exchange is complete.
        while conn.recv(65536):
            pass


def tcp_sink(args: argparse.Namespace) -> None:
    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve_one, args=(conn, args.banner_after), daemon=True).start()


def tcp_client(args: argparse.Namespace) -> None:
    fam = family_of(args.to)
    sock = socket.socket(fam, socket.SOCK_STREAM)
    if args.dstopts:
        # Destination Options header (struct ipv6_opt_hdr): next-header (the kernel
        # fills it in), length 0 (= 8 bytes), then one PadN option (type 1, 4 zero bytes).
        sock.setsockopt(socket.IPPROTO_IPV6, IPV6_DSTOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    sock.bind((args.bind, 0))
    sock.connect((args.to, args.port))
    if args.connected:
        touch(args.connected)
    if args.go:
        wait_for_file(args.go)
    if args.expect_banner:
        read_line(sock)
    payload = (b"x" * max(args.size - 1, 0)) + b"\n"
    sock.sendall(payload)
    read_line(sock)
    sock.shutdown(socket.SHUT_WR)
    while sock.recv(65536):
        pass
    sock.close()


def udp_sink(args: argparse.Namespace) -> None:
    sock = socket.socket(family_of(args.bind), socket.SOCK_DGRAM)
    sock.bind((args.bind, args.port))
    while True:
        sock.recvfrom(65535)


def udp_send(args: argparse.Namespace) -> None:
    sock = socket.socket(family_of(args.to), socket.SOCK_DGRAM)
    sock.bind((args.bind, 0))
    sock.sendto(b"u" * args.size, (args.to, args.port))
    sock.close()


def bigendian(args: argparse.Namespace) -> None:
    # scapy's RawPcapWriter writes the header and record fields in the byte order we
    # ask for; RawPcapReader hands back the original bytes and timestamps untouched.
    from scapy.utils import RawPcapReader, RawPcapWriter

    reader = RawPcapReader(args.input)
    writer = RawPcapWriter(args.output, linktype=reader.linktype, endianness=">",
                           snaplen=reader.snaplen, sync=False)
    # write_packet() does not emit the file header by itself (only write() does).
    writer.write_header(None)
    count = 0
    for data, meta in reader:
        writer.write_packet(data, sec=meta.sec, usec=meta.usec,
                            caplen=meta.caplen, wirelen=meta.wirelen)
        count += 1
    writer.close()
    reader.close()
    print(f"bigendian: wrote {count} packets to {args.output}", file=sys.stderr)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("tcp-sink")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--banner-after")
    s.set_defaults(func=tcp_sink)

    s = sub.add_parser("tcp-client")
    s.add_argument("--bind", required=True)
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--size", type=int, default=64)
    s.add_argument("--connected")
    s.add_argument("--go")
    s.add_argument("--expect-banner", action="store_true")
    s.add_argument("--dstopts", action="store_true")
    s.set_defaults(func=tcp_client)

    s = sub.add_parser("udp-sink")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.set_defaults(func=udp_sink)

    s = sub.add_parser("udp-send")
    s.add_argument("--bind", required=True)
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--size", type=int, default=32)
    s.set_defaults(func=udp_send)

    s = sub.add_parser("bigendian")
    s.add_argument("input")
    s.add_argument("output")
    s.set_defaults(func=bigendian)

    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
