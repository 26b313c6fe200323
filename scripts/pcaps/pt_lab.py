#!/usr/bin/python3
"""Test scaffolding for the pluggable-transport captures (make-snowflake.sh, make-meek.sh,
make-fet-negatives.sh): the server sides the real clients need, written small, on the Python
standard library only. Every packet is still built by the kernel and every client is the real
program (snowflake-client and snowflake-proxy 2.5.1, obfs4proxy's meek_lite, tor).

Usage (inside a network namespace, `ip netns exec NS`):
  pt_lab.py snowflake-broker --bind IP --port 443 --cert PEM --key PEM [--relay-url URL]
      The Snowflake broker's protocol (snowflake common/messages, client v1.0 and proxy v1.3):
      POST /proxy (a proxy polls; held up to 10 s until a client offer arrives), POST /client
      ("1.0\\n{offer, nat, fingerprint}"; held until the matched proxy answers), POST /answer.
  pt_lab.py meek-server --bind IP --port 443 --cert PEM --key PEM --forward IP:PORT
      meek's server side (meek-server): each POST carries the client's bytes for the session named
      by X-Session-Id, which is relayed over TCP to --forward (a Tor bridge's ORPort); the response
      body is whatever that connection has sent back since the last request.
  pt_lab.py ws-sink --bind IP --port P
      Accepts WebSocket upgrades (RFC 6455 handshake) and discards what follows: the relay a
      snowflake-proxy connects to once the client's data channel is open.
  pt_lab.py random-udp --bind IP --to IP --port P [--count N] [--interval S] [--seed N]
  pt_lab.py random-udp-peer --bind IP --port P
      WireGuard-like UDP: datagrams of random bytes (sizes 32..600) each way, no fixed header.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def tls_server(args: argparse.Namespace, handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    srv = ThreadingHTTPServer((args.bind, args.port), handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    return srv


# --- Snowflake broker ----------------------------------------------------------------------------

class Broker:
    def __init__(self, relay_url: str) -> None:
        self.relay_url = relay_url
        self.lock = threading.Condition()
        self.offers: list[dict] = []          # client offers waiting for a proxy
        self.answers: dict[str, str] = {}     # proxy sid -> SDP answer


def snowflake_broker(args: argparse.Namespace) -> None:
    broker = Broker(args.relay_url)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *a: object) -> None:
            print("broker:", fmt % a, flush=True)

        def reply(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(min(n, 1 << 20))
            if self.path.startswith("/proxy"):
                self.proxy_poll(json.loads(body))
            elif self.path.startswith("/client"):
                self.client_poll(body)
            elif self.path.startswith("/answer"):
                self.proxy_answer(json.loads(body))
            else:
                self.reply(404, b"")

        def proxy_poll(self, req: dict) -> None:
            sid = req.get("Sid", "")
            deadline = time.monotonic() + 10
            with broker.lock:
                while not broker.offers and time.monotonic() < deadline:
                    broker.lock.wait(deadline - time.monotonic())
                if not broker.offers:
                    self.reply(200, json.dumps({"Status": "no match"}).encode())
                    return
                offer = broker.offers.pop(0)
                offer["sid"] = sid
                broker.lock.notify_all()
            resp = {"Status": "client match", "Offer": offer["offer"], "NAT": offer["nat"], "RelayURL": broker.relay_url}
            self.reply(200, json.dumps(resp).encode())

        def client_poll(self, body: bytes) -> None:
            version, _, js = body.partition(b"\n")
            if version != b"1.0":
                self.reply(400, b"")
                return
            msg = json.loads(js)
            offer = {"offer": msg["offer"], "nat": msg.get("nat") or "unknown", "sid": None}
            deadline = time.monotonic() + 20
            with broker.lock:
                broker.offers.append(offer)
                broker.lock.notify_all()
                while time.monotonic() < deadline:
                    sid = offer["sid"]
                    if sid is not None and sid in broker.answers:
                        answer = broker.answers.pop(sid)
                        self.reply(200, json.dumps({"answer": answer}).encode())
                        return
                    broker.lock.wait(deadline - time.monotonic())
                if offer in broker.offers:
                    broker.offers.remove(offer)
            self.reply(200, json.dumps({"error": "timed out waiting for answer!"}).encode())

        def proxy_answer(self, req: dict) -> None:
            with broker.lock:
                broker.answers[req["Sid"]] = req["Answer"]
                broker.lock.notify_all()
            self.reply(200, json.dumps({"Status": "success"}).encode())

    tls_server(args, Handler).serve_forever()


# --- meek server ---------------------------------------------------------------------------------

def meek_server(args: argparse.Namespace) -> None:
    host, _, port = args.forward.rpartition(":")
    sessions: dict[str, dict] = {}
    lock = threading.Lock()

    def session(sid: str) -> dict:
        with lock:
            s = sessions.get(sid)
            if s is None:
                sock = socket.create_connection((host, int(port)))
                s = {"sock": sock, "buf": bytearray(), "lock": threading.Lock()}

                def reader() -> None:
                    while True:
                        data = sock.recv(65536)
                        if not data:
                            return
                        with s["lock"]:
                            s["buf"] += data

                threading.Thread(target=reader, daemon=True).start()
                sessions[sid] = s
            return s

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt: str, *a: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            n = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(min(n, 1 << 20))
            sid = self.headers.get("X-Session-Id", "")
            if not sid:
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            s = session(sid)
            if body:
                s["sock"].sendall(body)
            # meek-server waits briefly for the upstream's reply so a request/response pair carries it.
            time.sleep(0.02)
            with s["lock"]:
                out = bytes(s["buf"][:65536])
                del s["buf"][: len(out)]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    tls_server(args, Handler).serve_forever()


# --- WebSocket sink ------------------------------------------------------------------------------

def ws_sink(args: argparse.Namespace) -> None:
    guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def serve(conn: socket.socket) -> None:
        with conn:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            key = b""
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"sec-websocket-key:"):
                    key = line.split(b":", 1)[1].strip()
            accept = base64.b64encode(hashlib.sha1(key + guid).digest())
            conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
            while conn.recv(65536):
                pass

    srv = socket.create_server((args.bind, args.port))
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


# --- random UDP (WireGuard-like) -----------------------------------------------------------------

def random_udp(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.bind, 0))
    s.settimeout(0.5)
    for _ in range(args.count):
        s.sendto(rng.randbytes(rng.randint(32, 600)), (args.to, args.port))
        try:
            s.recvfrom(65536)
        except socket.timeout:
            pass
        time.sleep(args.interval)


def random_udp_peer(args: argparse.Namespace) -> None:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.bind, args.port))
    while True:
        _, peer = s.recvfrom(65536)
        s.sendto(os.urandom(random.randint(32, 600)), peer)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("snowflake-broker", "meek-server"):
        s = sub.add_parser(name)
        s.add_argument("--bind", required=True)
        s.add_argument("--port", type=int, default=443)
        s.add_argument("--cert", required=True)
        s.add_argument("--key", required=True)
        if name == "snowflake-broker":
            s.add_argument("--relay-url", default="")
        else:
            s.add_argument("--forward", required=True)
    s = sub.add_parser("ws-sink")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    s = sub.add_parser("random-udp")
    s.add_argument("--bind", required=True)
    s.add_argument("--to", required=True)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--count", type=int, default=40)
    s.add_argument("--interval", type=float, default=0.25)
    s.add_argument("--seed", type=int, default=1)
    s = sub.add_parser("random-udp-peer")
    s.add_argument("--bind", required=True)
    s.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    {"snowflake-broker": snowflake_broker, "meek-server": meek_server, "ws-sink": ws_sink,
     "random-udp": random_udp, "random-udp-peer": random_udp_peer}[a.cmd](a)


if __name__ == "__main__":
    main()
