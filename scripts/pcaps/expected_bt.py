"""Expected alerts of the BitTorrent rules (torrent-peer, torrent-dht, torrent-tracker, torrent-lsd),
derived from tshark's dissection of a capture and the BEPs, not from torwatch. Imported by
expected-alerts.py.

Facts: tshark 4.0's `bittorrent` (TCP heuristic), `bt-dht`, `bt-utp` (heuristic bt_utp_udp enabled),
`lsd` and `http` dissectors say which packets are BitTorrent; the byte layouts the rules need beyond
what tshark reports (the UDP tracker protocol, which tshark has no dissector for; uTP ids and acks;
tracker responses; where a handshake sits in a stream) are read here from the packets' payloads, after
the BEPs, with this file's own small parsers (bencode included). The rules, as SPEC.md and
README.md ("BitTorrent on the wire") state them:

  torrent-tracker  HTTP: a GET whose query's info_hash percent-decodes to 20 bytes and, unless the
                   last path segment starts with "scrape", whose peer_id decodes to 20 bytes and
                   which has a port; at the request. UDP (BEP 15): a flow whose client sent the
                   connect request (protocol id 0x41727101980); at the first announce or scrape
                   request, else at the connect request.
  torrent-dht      a UDP flow with a datagram tshark calls bt-dht that is a KRPC message (a
                   dictionary with y = q (with q and a.id of 20 bytes), r (with r.id of 20 bytes) or e
                   (a list starting with an integer)); at the first one.
  torrent-lsd      a UDP flow with a datagram tshark calls lsd that has a Port and an Infohash; at the
                   first one.
  torrent-peer     TCP: a flow tshark shows a BitTorrent handshake in. When a direction's stream starts
                   with 0x13 "BitTorrent protocol" (via handshake), the handshakes at the start of
                   each direction count; otherwise (an MSE key exchange first, via mse-plaintext) the
                   protocol string within the first 2048 bytes of each direction. At the packet that
                   completes the first handshake (68 bytes). uTP (BEP 29): a connection with three or
                   more packets in both directions whose ids pair (one apart, or the SYN's), one of
                   whose ack_nr acknowledges the other side's seq_nr; at its first handshake (a DATA
                   payload starting with the protocol string), else (via utp) at its first packet.
                   Encrypted (via association): a TCP flow whose initiator sent first 96-608 bytes that
                   pass none of Wu et al.'s exemptions, answered (if at all) alike, to an address and
                   port that, before the flow, a tracker response or DHT values gave the initiator, or
                   the responder announced as its listen port (tracker announce, LSD, DHT
                   announce_peer, a handshake flow it accepted); at the flow's first packet.
                   Mid-stream (via midstream): a TCP direction without its SYN whose bytes, from the
                   start of one of its first 16 segments, read as 4 or more peer-wire messages (3 not
                   keep-alives) with valid ids and lengths to the end of that segment, on a flow with
                   an end that took part in any BitTorrent alert of the capture; at the flow's first
                   packet.

One alert per flow and rule; flows, sources and Community IDs as in expected_app.py.
"""
from __future__ import annotations

import struct
import urllib.parse
from dataclasses import dataclass, field

import expected_app

PROTOCOL = b"\x13BitTorrent protocol"
SCAN_BYTES = 2048
MSE_MIN, MSE_MAX = 96, 96 + 512
CONNECT_MAGIC = 0x41727101980

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.seq_raw", "tcp.payload", "udp.payload", "communityid", "http.request.method",
          "http.request.uri", "http.host", "bittorrent.protocol.name", "lsd.port", "lsd.infohash"]


# --- bencode (BEP 3), strict enough for these captures ---------------------------------------

def bdecode(b: bytes, p: int = 0, depth: int = 0):
    if depth > 8 or p >= len(b):
        raise ValueError("bencode")
    c = b[p:p + 1]
    if c == b"i":
        e = b.index(b"e", p)
        return int(b[p + 1:e]), e + 1
    if c == b"l":
        out, p = [], p + 1
        while b[p:p + 1] != b"e":
            v, p = bdecode(b, p, depth + 1)
            out.append(v)
        return out, p + 1
    if c == b"d":
        out, p = {}, p + 1
        while b[p:p + 1] != b"e":
            k, p = bdecode(b, p, depth + 1)
            if not isinstance(k, bytes):
                raise ValueError("key")
            out[k], p = bdecode(b, p, depth + 1)
        return out, p + 1
    colon = b.index(b":", p)
    n = int(b[p:colon])
    if colon + 1 + n > len(b):
        raise ValueError("string")
    return b[colon + 1:colon + 1 + n], colon + 1 + n


def bdecode_whole(b: bytes):
    try:
        v, end = bdecode(b)
    except (ValueError, IndexError):
        return None
    return v if end == len(b) else None


def krpc_type(b: bytes) -> str | None:
    d = bdecode_whole(b)
    if not isinstance(d, dict):
        return None
    y = d.get(b"y")
    if y == b"q":
        a = d.get(b"a")
        ok = isinstance(d.get(b"q"), bytes) and isinstance(a, dict) and isinstance(a.get(b"id"), bytes) and len(a[b"id"]) == 20
        return "query" if ok else None
    if y == b"r":
        r = d.get(b"r")
        return "response" if isinstance(r, dict) and isinstance(r.get(b"id"), bytes) and len(r[b"id"]) == 20 else None
    if y == b"e":
        e = d.get(b"e")
        return "error" if isinstance(e, list) and e and isinstance(e[0], int) else None
    return None


# --- small helpers ----------------------------------------------------------------------------

def peer_id_text(b: bytes) -> str:
    return "".join(chr(c) if 0x20 < c < 0x7f and c != 0x25 else "%%%02X" % c for c in b)


def contacts(b: bytes, size: int) -> list[tuple[str, int]]:
    out = []
    if len(b) % size:
        return out
    for i in range(0, len(b), size):
        ip = b[i:i + size - 2]
        addr = str(expected_app.ipaddress.ip_address(ip))
        out.append((addr, struct.unpack("!H", b[i + size - 2:i + size])[0]))
    return out


def norm(ip: str) -> str:
    return str(expected_app.ipaddress.ip_address(ip))


def fully_random(b: bytes) -> bool:
    """Wu et al.'s exemptions (popcount 3.4-4.6, printable prefix, > 50% printable, > 20-byte run)."""
    b = b[:2048]
    if not b:
        return False
    bits = sum(bin(x).count("1") for x in b) / len(b)
    printable = [0x20 <= x <= 0x7e for x in b]
    run = longest = 0
    for p in printable:
        run = run + 1 if p else 0
        longest = max(longest, run)
    prefix = len(b) >= 6 and all(printable[:6])
    return 3.4 < bits < 4.6 and not prefix and sum(printable) / len(b) <= 0.5 and longest <= 20


VALID_LEN = {0: 1, 1: 1, 2: 1, 3: 1, 4: 5, 6: 13, 8: 13, 9: 3, 13: 5, 14: 1, 15: 1, 16: 13, 17: 5, 21: 49, 23: 49}


def valid_message(mid: int, n: int) -> bool:
    if mid in VALID_LEN:
        return n == VALID_LEN[mid]
    if mid == 5:
        return 2 <= n <= 128 * 1024 + 1
    if mid == 7:
        return 9 < n <= 9 + 128 * 1024
    if mid == 20:
        return 2 <= n <= 1024 * 1024
    if mid == 22:
        return 49 <= n <= 49 + 128 * 1024
    return False


class Chain:
    """Peer-wire framing followed across segments: lengths and ids only."""

    def __init__(self) -> None:
        self.messages = self.real = self.skip = self.len = self.len_bytes = 0
        self.want_id = False

    def feed(self, b: bytes) -> bool:
        for i, c in enumerate(b):
            if self.skip:
                self.skip -= 1
                continue
            if self.want_id:
                self.want_id = False
                if not valid_message(c, self.len):
                    return False
                self.messages += 1
                self.real += 1
                self.skip, self.len = self.len - 1, 0
                continue
            self.len = self.len * 256 + c
            self.len_bytes += 1
            if self.len_bytes == 4:
                self.len_bytes = 0
                if self.len == 0:
                    self.messages += 1
                else:
                    self.want_id = True
        return True


def midstream_chain(chunks: list[bytes]) -> bool:
    """A chain of 4 messages (3 real) from the start of one of the first 16 chunks, holding to the end
    of the chunk that completes it; at most 64 KiB of the direction are read."""
    chain, syncs, seen = None, 0, 0
    for c in chunks:
        if chain is None:
            syncs += 1
            if syncs > 16:
                return False
            chain = Chain()
        seen += len(c)
        if not chain.feed(c):
            chain = None
        elif chain.messages >= 4 and chain.real >= 3:
            return True
        if seen >= 64 * 1024:
            return False
    return False


# --- flows ------------------------------------------------------------------------------------

@dataclass
class Seg:
    frame: int
    time: str
    seq: int
    data: bytes


@dataclass
class BtFlow:
    transport: str
    src: tuple[str, int]
    dst: tuple[str, int]
    community_id: str
    first_time: str
    syn: list = field(default_factory=lambda: [None, None])  # SYN seq per direction
    segs: list = field(default_factory=lambda: [[], []])  # TCP payload segments per direction
    dgrams: list = field(default_factory=list)  # (time, dir, payload, protocols)
    tshark_bt: bool = False
    requests: list = field(default_factory=list)  # (time, uri, host) HTTP requests from the source


def chunks_of(f: BtFlow, d: int) -> list[tuple[int, str, bytes]]:
    """The direction's in-order new bytes per packet (frame, time, bytes): from the SYN, else from the
    first segment; resends dropped; up to 64 KiB."""
    segs = f.segs[d]
    if not segs:
        return []
    base = (f.syn[d] + 1) & 0xffffffff if f.syn[d] is not None else segs[0].seq
    have = 0
    out = []
    for s in segs:
        off = (s.seq - base) & 0xffffffff
        if off > have or off >= 1 << 31:
            continue
        new = s.data[have - off:]
        if not new:
            continue
        have += len(new)
        out.append((s.frame, s.time, new))
        if have >= 64 * 1024:
            break
    return out


def stream_of(f: BtFlow, d: int) -> tuple[bytes, list[tuple[int, str]]]:
    """The direction's in-order bytes and the stream offset at which each packet's bytes end, with its time."""
    data, ends = b"", []
    for _frame, t, new in chunks_of(f, d):
        data += new
        ends.append((len(data), t))
    return data, ends


def time_at(ends: list[tuple[int, str]], offset: int) -> str | None:
    for end, t in ends:
        if end > offset:
            return t
    return None


def flows_of(path: str) -> list[BtFlow]:
    flows: dict[tuple, BtFlow] = {}
    order: list[tuple] = []
    rows = expected_app.tshark_fields(path, FIELDS, "(tcp || udp) && !icmp && !icmpv6",
                                      ["ip.defragment:TRUE", "tcp.desegment_tcp_streams:TRUE"], ("bt_utp_udp",))
    for row in rows:
        ep = expected_app.endpoints(row)
        if ep is None:
            continue
        transport, s, d = ep
        s, d = (norm(s[0]), s[1]), (norm(d[0]), d[1])
        key = (transport, *sorted([s, d]))
        f = flows.get(key)
        last = expected_app.last
        syn = last(row["tcp.flags.syn"]) in ("1", "True")
        ack = last(row["tcp.flags.ack"]) in ("1", "True")
        if f is None:
            f = BtFlow(transport, s, d, last(row["communityid"]), row["frame.time_epoch"])
            flows[key] = f
            order.append(key)
            if syn and not ack:
                f.src, f.dst = s, d
        elif syn and not ack and f.syn[0] is None and f.syn[1] is None:
            f.src, f.dst = s, d
        di = 0 if s == f.src else 1
        protos = row["frame.protocols"].split(":")
        if "bittorrent" in protos or row["bittorrent.protocol.name"]:
            f.tshark_bt = True
        if transport == "tcp":
            seq = int(last(row["tcp.seq_raw"]) or 0)
            if syn and f.syn[di] is None:
                f.syn[di] = seq
            pay = bytes.fromhex(last(row["tcp.payload"]).replace(":", ""))
            if pay:
                f.segs[di].append(Seg(int(row["frame.number"]), row["frame.time_epoch"], seq, pay))
            if row["http.request.method"].split(",")[0] == "GET" and di == 0:
                f.requests.append((row["frame.time_epoch"], row["http.request.uri"].split(",")[0], row["http.host"].split(",")[0]))
        else:
            pay = bytes.fromhex(last(row["udp.payload"]).replace(":", ""))
            f.dgrams.append((row["frame.time_epoch"], di, pay, protos, row))
    return [flows[k] for k in order]


# --- the rules --------------------------------------------------------------------------------

def percent_bytes(v: str) -> bytes | None:
    try:
        return urllib.parse.unquote_to_bytes(v)
    except ValueError:
        return None


def tracker_request(uri: str) -> dict | None:
    parts = urllib.parse.urlsplit(uri)
    if "info_hash=" not in parts.query:
        return None
    hashes, peer_id, port, event = [], None, None, None
    for kv in parts.query.split("&"):
        k, _, v = kv.partition("=")
        if k == "info_hash":
            b = percent_bytes(v)
            if b is None or len(b) != 20:
                return None
            hashes.append(b.hex())
        elif k == "peer_id":
            b = percent_bytes(v)
            if b is not None and len(b) == 20:
                peer_id = b
        elif k == "port" and v.isdigit() and int(v) <= 65535:
            port = int(v)
        elif k == "event" and v.isalpha():
            event = v
    if not hashes:
        return None
    scrape = parts.path.rsplit("/", 1)[-1].startswith("scrape")
    if not scrape and (peer_id is None or port is None):
        return None
    return {"action": "scrape" if scrape else "announce", "hashes": hashes[:16], "port": port, "event": event}


def udp_tracker(f: BtFlow) -> dict | None:
    client, connect_time, first = None, None, None
    for t, d, pay, _protos, _row in f.dgrams:
        if len(pay) < 16:
            continue
        cid, action, _tid = struct.unpack("!QII", pay[:16])
        if client is None:
            if action == 0 and cid == CONNECT_MAGIC and len(pay) == 16:
                client, connect_time = d, t
            continue
        if d != client:
            continue
        if action == 1 and len(pay) >= 98:
            ev = struct.unpack("!I", pay[80:84])[0]
            if ev <= 3:
                first = {"time": t, "action": "announce", "hashes": [pay[16:36].hex()], "port": struct.unpack("!H", pay[96:98])[0],
                         "event": ["none", "completed", "started", "stopped"][ev]}
                break
        if action == 2 and (len(pay) - 16) % 20 == 0 and len(pay) > 16:
            n = (len(pay) - 16) // 20
            first = {"time": t, "action": "scrape", "hashes": [pay[16 + 20 * i:36 + 20 * i].hex() for i in range(min(n, 16))]}
            break
    if client is None:
        return None
    return first or {"time": connect_time, "action": "connect", "hashes": [], "client": client}


def utp_header(b: bytes):
    if len(b) < 20 or b[0] & 0x0f != 1 or b[0] >> 4 > 4:
        return None
    ext, p = b[1], 20
    n = 0
    while ext:
        if n >= 4 or ext > 2 or p + 2 > len(b):
            return None
        nxt, ln = b[p], b[p + 1]
        if ln == 0 or (ext == 1 and ln % 4) or p + 2 + ln > len(b):
            return None
        p += 2 + ln
        ext, n = nxt, n + 1
    typ = b[0] >> 4
    if (typ == 0) != (len(b) - p > 0):
        return None
    cid, seq, ack = struct.unpack("!H", b[2:4])[0], struct.unpack("!H", b[16:18])[0], struct.unpack("!H", b[18:20])[0]
    return typ, cid, seq, ack, b[p:]


def utp_connection(f: BtFlow) -> dict | None:
    """The first proven uTP connection of a flow (BEP 29 pairing, see the module comment)."""
    conns: list[dict] = []
    for t, d, pay, protos, _row in f.dgrams:
        if "bt-utp" not in protos:
            continue
        h = utp_header(pay)
        if h is None:
            continue
        typ, cid, seq, ack, data = h
        c = None
        if typ == 4:
            c = next((x for x in conns if x["syn"] == cid and x["ids"][d] == (cid + 1) & 0xffff), None)
            if c is None:
                ids = [None, None]
                ids[d], ids[1 - d] = (cid + 1) & 0xffff, cid
                c = {"syn": cid, "ids": ids, "pk": 0, "dirs": set(), "last": [None, None], "acked": False, "first": t, "hs": None}
                conns.append(c)
        else:
            c = next((x for x in conns if x["ids"][d] == cid or (x["syn"] == cid and x["ids"][d] == (cid + 1) & 0xffff)), None)
            if c is None:
                c = next((x for x in conns if x["ids"][d] is None and x["ids"][1 - d] is not None
                          and ((x["ids"][1 - d] - cid) & 0xffff == 1 or (cid - x["ids"][1 - d]) & 0xffff == 1)), None)
                if c is not None:
                    c["ids"][d] = cid
            if c is None:
                ids = [None, None]
                ids[d] = cid
                c = {"syn": None, "ids": ids, "pk": 0, "dirs": set(), "last": [None, None], "acked": False, "first": t, "hs": None}
                conns.append(c)
        c["pk"] += 1
        c["dirs"].add(d)
        other = c["last"][1 - d]
        if other is not None and (other - ack) & 0xffff < 1024:
            c["acked"] = True
        c["last"][d] = seq
        if typ == 0 and data.startswith(PROTOCOL) and len(data) >= 48 and c["hs"] is None:
            c["hs"] = (t, data[28:48].hex())
        proven = c["pk"] >= 3 and len(c["dirs"]) == 2 and None not in c["ids"] and c["acked"]
        if proven and c["hs"] is not None:
            return {"time": c["hs"][0], "via": "handshake", "hashes": [c["hs"][1]]}
        if proven:
            c["proven"] = True
    for c in conns:
        if c.get("proven"):
            return {"time": c["hs"][0] if c["hs"] else c["first"], "via": "handshake" if c["hs"] else "utp",
                    "hashes": [c["hs"][1]] if c["hs"] else []}
    return None


def handshakes(f: BtFlow) -> dict | None:
    """TCP peer-wire handshakes (see the module comment)."""
    if not f.tshark_bt:
        return None
    streams = [stream_of(f, d) for d in (0, 1)]
    at_start = any(s[0].startswith(PROTOCOL) for s in streams)
    sides: list[tuple[str, str, bytes, bytes] | None] = [None, None]
    for d, (data, ends) in enumerate(streams):
        pos = 0 if data.startswith(PROTOCOL) else (-1 if at_start else data.find(PROTOCOL, 0, SCAN_BYTES + len(PROTOCOL)))
        if pos < 0 or (at_start and pos != 0) or pos + PROTOCOL.__len__() > SCAN_BYTES + len(PROTOCOL):
            continue
        if len(data) < pos + 48:
            continue
        done = time_at(ends, pos + 67) if len(data) >= pos + 68 else None
        if done is None:
            continue
        hs = data[pos:pos + 68]
        sides[d] = (done, hs[28:48].hex(), hs[48:68], hs)
    if sides == [None, None]:
        return None
    first = min((s[0] for s in sides if s), key=float)
    hashes = []
    for s in sides:
        if s and s[1] not in hashes:
            hashes.append(s[1])
    return {"time": first, "via": "handshake" if at_start else "mse-plaintext", "hashes": hashes,
            "peer_ids": [peer_id_text(s[2]) if s else None for s in sides]}


def bt_alerts(path: str, iso_time, digits: int) -> list[dict]:
    flows = flows_of(path)
    alerts: list[dict] = []
    # Host evidence for encrypted connections, in time order: (time, host, (peer ip, port)) learned,
    # and (time, (ip, port)) announced as a listen port.
    learned: list[tuple[float, str, tuple[str, int]]] = []
    announced: list[tuple[float, tuple[str, int]]] = []
    bt_hosts: set[str] = set()
    peer_flows: set[int] = set()

    def base(f: BtFlow, rule: str, when: str, transport: str) -> dict:
        return {"rule.id": rule, "source.ip": f.src[0], "source.port": f.src[1], "destination.ip": f.dst[0],
                "destination.port": f.dst[1], "network.transport": f.transport, "network.community_id": f.community_id,
                "@timestamp": iso_time(when, digits), "torwatch.bittorrent.transport": transport}

    def ep(f: BtFlow, d: int) -> tuple[str, int]:
        return f.src if d == 0 else f.dst

    for f in flows:
        if f.transport == "tcp":
            for t, uri, host in f.requests:
                req = tracker_request(uri)
                if req is None:
                    continue
                a = base(f, "torrent-tracker", t, "http")
                a["torwatch.bittorrent.info_hash"] = req["hashes"]
                a["torwatch.bittorrent.tracker.action"] = req["action"]
                if host:
                    a["url.domain"] = expected_app.host_of_authority(host)
                alerts.append(a)
                bt_hosts.add(f.src[0])
                if req["port"]:
                    announced.append((float(t), (f.src[0], req["port"])))
                break
            # Tracker responses give the client peers (bencoded body after the head).
            data, ends = stream_of(f, 1)
            if f.requests and data.startswith(b"HTTP/1.") and b"\r\n\r\n" in data:
                body = data[data.index(b"\r\n\r\n") + 4:]
                d = bdecode_whole(body)
                if isinstance(d, dict):
                    t = time_at(ends, len(data) - 1) or f.first_time
                    peers = contacts(d[b"peers"], 6) if isinstance(d.get(b"peers"), bytes) else []
                    peers += contacts(d[b"peers6"], 18) if isinstance(d.get(b"peers6"), bytes) else []
                    learned += [(float(t), f.src[0], p) for p in peers]
            hs = handshakes(f)
            if hs:
                a = base(f, "torrent-peer", hs["time"], "tcp")
                a["torwatch.bittorrent.info_hash"] = hs["hashes"]
                a["torwatch.bittorrent.via"] = hs["via"]
                if hs["via"] == "mse-plaintext":
                    a["torwatch.bittorrent.encrypted"] = False
                if hs["peer_ids"][0]:
                    a["torwatch.bittorrent.source.peer_id"] = hs["peer_ids"][0]
                if hs["peer_ids"][1]:
                    a["torwatch.bittorrent.destination.peer_id"] = hs["peer_ids"][1]
                alerts.append(a)
                peer_flows.add(id(f))
                bt_hosts.update([f.src[0], f.dst[0]])
                announced.append((float(hs["time"]), f.dst))
        else:
            tr = udp_tracker(f)
            if tr:
                a = base(f, "torrent-tracker", tr["time"], "udp")
                if tr["hashes"]:
                    a["torwatch.bittorrent.info_hash"] = tr["hashes"]
                a["torwatch.bittorrent.tracker.action"] = tr["action"]
                alerts.append(a)
                bt_hosts.add(f.src[0])
                if tr.get("port"):
                    announced.append((float(tr["time"]), (f.src[0], tr["port"])))
                for t, d, pay, _p, _r in f.dgrams:
                    if d == 1 and len(pay) >= 20 and struct.unpack("!I", pay[:4])[0] == 1:
                        size = 18 if ":" in f.src[0] else 6
                        learned += [(float(t), f.src[0], p) for p in contacts(pay[20:], size)]
            dht = [(t, d, pay) for t, d, pay, protos, _r in f.dgrams if "bt-dht" in protos and krpc_type(pay)]
            if dht:
                a = base(f, "torrent-dht", dht[0][0], "udp")
                a["torwatch.bittorrent.dht.type"] = krpc_type(dht[0][2])
                msg = bdecode_whole(dht[0][2])
                ih = (msg.get(b"a") or {}).get(b"info_hash") if isinstance(msg, dict) else None
                if isinstance(ih, bytes) and len(ih) == 20:
                    a["torwatch.bittorrent.info_hash"] = [ih.hex()]
                alerts.append(a)
                for t, d, pay in dht:
                    bt_hosts.add(ep(f, d)[0])
                    m = bdecode_whole(pay)
                    r = m.get(b"r") if isinstance(m, dict) else None
                    values = r.get(b"values") if isinstance(r, dict) else None
                    for v in values if isinstance(values, list) else []:
                        if isinstance(v, bytes) and len(v) in (6, 18):
                            learned += [(float(t), ep(f, 1 - d)[0], p) for p in contacts(v, len(v))]
                    q = m.get(b"a") if isinstance(m, dict) and m.get(b"q") == b"announce_peer" else None
                    if isinstance(q, dict) and isinstance(q.get(b"port"), int):
                        port = ep(f, d)[1] if q.get(b"implied_port") else q[b"port"]
                        announced.append((float(t), (ep(f, d)[0], port)))
            lsd = [(t, d, row) for t, d, _pay, protos, row in f.dgrams if "lsd" in protos and row["lsd.port"] and row["lsd.infohash"]]
            if lsd:
                t, d, row = lsd[0]
                a = base(f, "torrent-lsd", t, "udp")
                a["torwatch.bittorrent.info_hash"] = [h.lower() for h in row["lsd.infohash"].split(",")][:16]
                a["torwatch.bittorrent.lsd.port"] = int(row["lsd.port"].split(",")[0])
                alerts.append(a)
                for t, d, row in lsd:
                    bt_hosts.add(ep(f, d)[0])
                    announced.append((float(t), (ep(f, d)[0], int(row["lsd.port"].split(",")[0]))))
            u = utp_connection(f)
            if u:
                a = base(f, "torrent-peer", u["time"], "utp")
                if u["hashes"]:
                    a["torwatch.bittorrent.info_hash"] = u["hashes"]
                a["torwatch.bittorrent.via"] = u["via"]
                alerts.append(a)
                bt_hosts.update([f.src[0], f.dst[0]])

    # Encrypted and mid-stream peer connections (decided by the evidence gathered above).
    for f in flows:
        if f.transport != "tcp" or id(f) in peer_flows:
            continue
        start = float(f.first_time)
        c0, c1 = chunks_of(f, 0), chunks_of(f, 1)
        merged = sorted([(fr, 0, b) for fr, _t, b in c0] + [(fr, 1, b) for fr, _t, b in c1])
        flights: list[list] = []
        for _fr, d, b in merged:
            if not flights or flights[-1][0] != d:
                flights.append([d, 0, b])
            flights[-1][1] += len(b)
        known = c0[:1] and c0[0][2].startswith((b"\x16\x03", b"GET ", b"POST ", b"HEAD ", b"PUT ", PROTOCOL[:1]))
        mse = (f.syn[0] is not None and flights and flights[0][0] == 0 and not known
               and all(MSE_MIN <= fl[1] <= MSE_MAX and fully_random(fl[2]) for fl in flights[:2]))
        if mse:
            tied = any(t <= start and h == f.src[0] and p == f.dst for t, h, p in learned) or \
                any(t <= start and p == f.dst for t, p in announced)
            if tied:
                a = base(f, "torrent-peer", f.first_time, "tcp")
                a["torwatch.bittorrent.via"] = "association"
                a["torwatch.bittorrent.encrypted"] = True
                alerts.append(a)
                continue
        for d, chunks in ((0, c0), (1, c1)):
            if f.syn[d] is None and chunks and midstream_chain([b for _fr, _t, b in chunks]) and \
                    (f.src[0] in bt_hosts or f.dst[0] in bt_hosts):
                a = base(f, "torrent-peer", f.first_time, "tcp")
                a["torwatch.bittorrent.via"] = "midstream"
                a["torwatch.bittorrent.encrypted"] = False
                alerts.append(a)
                break
    return alerts
