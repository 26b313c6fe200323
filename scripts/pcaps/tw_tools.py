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
  tw_tools.py dns-server --bind IP [--bind IP...] [--port 53]
                         [--a NAME=IP]... [--aaaa NAME=IP]... [--cname NAME=TARGET]...
  tw_tools.py connect-proxy --bind IP --port P [--map HOST=IP]...

dns-server answers A/AAAA questions over UDP and TCP from the records given (following
CNAMEs it knows), NXDOMAIN for any other name (and for .onion, as RFC 7686 asks of
resolvers). It is a stand-in for a recursive resolver that dig can query; the messages
are built here with name compression, as resolvers send them.
connect-proxy is an HTTP CONNECT proxy (RFC 9110 9.3.6): it answers 200 and relays
bytes to the mapped address (no DNS), like squid or tinyproxy would.
"""
from __future__ import annotations

import argparse
import os
import socket
import struct
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


# --- a small authoritative-style DNS responder (RFC 1035) ---------------------

DNS_A, DNS_CNAME, DNS_AAAA = 1, 5, 28


def dns_read_name(msg: bytes, off: int) -> tuple[str, int]:
    # Queries from dig are uncompressed; a pointer is followed anyway (at most 16).
    labels, jumps, end = [], 0, -1
    while True:
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if end < 0:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 16:
                raise ValueError("pointer loop")
            continue
        if n == 0:
            return ".".join(labels), (end if end >= 0 else off + 1)
        labels.append(msg[off + 1:off + 1 + n].decode("latin1"))
        off += 1 + n


def dns_encode_name(name: str) -> bytes:
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("latin1")
    return out + b"\x00"


class DnsZone:
    def __init__(self, a: list[str], aaaa: list[str], cname: list[str]) -> None:
        self.records: dict[tuple[str, int], list[bytes]] = {}
        self.cnames: dict[str, str] = {}
        for item in a:
            name, ip = item.split("=", 1)
            self.records.setdefault((name.lower(), DNS_A), []).append(socket.inet_pton(socket.AF_INET, ip))
        for item in aaaa:
            name, ip = item.split("=", 1)
            self.records.setdefault((name.lower(), DNS_AAAA), []).append(socket.inet_pton(socket.AF_INET6, ip))
        for item in cname:
            name, target = item.split("=", 1)
            self.cnames[name.lower()] = target

    def answer(self, query: bytes) -> bytes:
        qid, flags, qd = struct.unpack("!HHH", query[:6])
        qname, end = dns_read_name(query, 12)
        qtype, qclass = struct.unpack("!HH", query[end:end + 4])
        question = query[12:end + 4]
        answers: list[bytes] = []
        owner = b"\xc0\x0c"  # compression pointer to the question name
        name = qname.lower()
        for _ in range(8):
            if name in self.cnames:
                target = self.cnames[name]
                rdata = dns_encode_name(target)
                # The next record's owner is this CNAME's target: a pointer to its rdata.
                at = 12 + len(question) + sum(len(a) for a in answers) + len(owner) + 10
                answers.append(owner + struct.pack("!HHIH", DNS_CNAME, 1, 300, len(rdata)) + rdata)
                name = target.lower()
                owner = struct.pack("!H", 0xC000 | at)
                continue
            break
        for rdata in self.records.get((name, qtype), []):
            answers.append(owner + struct.pack("!HHIH", qtype, 1, 300, len(rdata)) + rdata)
        known = any(k[0] == name for k in self.records)
        rcode = 0 if answers or known else 3  # NXDOMAIN
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode  # QR, RD copied, RA
        header = struct.pack("!HHHHHH", qid, rflags, 1, len(answers), 0, 0)
        return header + question + b"".join(answers)


def dns_server(args: argparse.Namespace) -> None:
    zone = DnsZone(args.a or [], args.aaaa or [], args.cname or [])

    def udp_loop(sock: socket.socket) -> None:
        while True:
            data, peer = sock.recvfrom(65535)
            sock.sendto(zone.answer(data), peer)

    def tcp_conn(conn: socket.socket) -> None:
        with conn:
            buf = b""
            while True:
                chunk = conn.recv(65535)
                if not chunk:
                    return
                buf += chunk
                while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                    n = struct.unpack("!H", buf[:2])[0]
                    reply = zone.answer(buf[2:2 + n])
                    buf = buf[2 + n:]
                    conn.sendall(struct.pack("!H", len(reply)) + reply)

    def tcp_loop(sock: socket.socket) -> None:
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=tcp_conn, args=(conn,), daemon=True).start()

    threads = []
    for ip in args.bind:
        u = socket.socket(family_of(ip), socket.SOCK_DGRAM)
        u.bind((ip, args.port))
        t = socket.socket(family_of(ip), socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        t.bind((ip, args.port))
        t.listen(16)
        threads += [threading.Thread(target=udp_loop, args=(u,), daemon=True),
                    threading.Thread(target=tcp_loop, args=(t,), daemon=True)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()


# --- an HTTP CONNECT proxy -----------------------------------------------------

def connect_proxy(args: argparse.Namespace) -> None:
    mapping = dict(item.split("=", 1) for item in (args.map or []))

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def handle(conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin1").split(" ")
            if len(line) != 3 or line[0] != "CONNECT":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            host, _, port = line[1].rpartition(":")
            up = socket.create_connection((mapping.get(host, host), int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            rest = head.split(b"\r\n\r\n", 1)[1]
            if rest:
                up.sendall(rest)
            t = threading.Thread(target=pipe, args=(up, conn), daemon=True)
            t.start()
            pipe(conn, up)
            t.join()
            up.close()

    srv = socket.socket(family_of(args.bind), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.bind, args.port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


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

    s = sub.add_parser("dns-server")
    s.add_argument("--bind", action="append", required=True)
    s.add_argument("--port", type=int, default=53)
    s.add_argument("--a", action="append")
    s.add_argument("--aaaa", action="append")
    s.add_argument("--cname", action="append")
    s.set_defaults(func=dns_server)

    s = sub.add_parser("connect-proxy")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--map", action="append")
    s.set_defaults(func=connect_proxy)

    args = p.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
