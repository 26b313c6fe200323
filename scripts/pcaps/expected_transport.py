"""Expected alerts of the Tor bridge and pluggable-transport rules (tor-bridge, tor-obfs4, tor-snowflake,
tor-meek), derived from tshark's dissection of a capture, not from torwatch.

Imported by expected-alerts.py. Facts come from tshark (Wireshark 4.0: TCP segments and payload bytes
with reassembly off, STUN, DTLS, TLS ClientHello, DNS); the built-in bridge list is read from
src/detect/../intel/bridges/builtin.ts (the data file, as the tor2web list is read for tor-hostname),
parsed here with its own bridge-line reader. The rules, as the README states them:

  tor-bridge     a TCP flow whose responder is the address:port of a built-in bridge whose transport
                 dials it (not meek, snowflake, webtunnel, conjure, dnstt); confidence high, medium for
                 a past entry; at the flow's first packet.
  tor-obfs4      per TCP flow: SYN from the initiator seen, the initiator's data first, both
                 directions' first segment fully random by Wu et al.'s tests (average set bits per byte
                 in (3.4, 4.6), first six bytes not all printable, at most half printable, no printable run
                 over 20; on the first 2048 bytes), first two flights (data one side sends before the
                 other answers) each 141..8192 bytes and not both <= 608, a third flight present.
                 Per client and server address:port, at time T = the first packet (any flow) at or after
                 such a flow's first packet + 60 s while it lasts: among the server's such flows started
                 by T (the last 8), none overlapped in time, fewer than 3 were short (under 10 s and
                 silent for 10 s by T), and no TLS/HTTP client spoke to that address:port from that host
                 between its first such flow and T -> alert on the long flow at T. Once per client and server. Confidence high when
                 the server is a built-in bridge (severity high) or 2+ such flows went to it, else medium.
  tor-snowflake  per host, phases: R a DNS question, TLS SNI or HTTP Host (or a flow to an address DNS
                 answered for it) of a Snowflake broker host (distinctive), front or AMP cache from the
                 built-in list, or a snowflake-broker.* name; S a STUN Binding request without ICE
                 attributes to a server whose address DNS gave for a Snowflake ICE server name; D a DTLS
                 ClientHello or ServerHello, on a UDP flow that carried STUN with ICE attributes before,
                 that is pion/dtls's (ClientHello: DTLS 1.2, groups exactly 29,23,24, 3..12 ciphers from
                 pion's set, extensions from pion's set; ServerHello: DTLS 1.2, pion cipher, extensions
                 a subsequence of 65281,23,14,11,16). At D (the host = the hello's sender): R or S within
                 300 s -> alert on the DTLS flow at D (else when R/S come, at their time); once per host per
                 600 s. Confidence high when 1 + (R: 2 if distinctive else 1) + (S: 1) >= 3, else medium.
  tor-meek       a TLS ClientHello whose SNI is a meek front or broker host from the built-in list;
                 from that packet on, client payload packets open a new "request" after a server payload
                 packet or a 50 ms pause; the shape holds when >= 20 requests, >= 30 s since the hello, at
                 least half the requests carried <= 1500 bytes, no pause between requests over 10 s and
                 none since the last -> alert (high) at that packet; otherwise at the flow's end an alert
                 (severity low, confidence low) timed at the ClientHello, unless the name is only a front
                 of past meek lines (those need the shape).
"""
from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field

import expected_app

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NOT_DIALED = {"meek", "meek_lite", "snowflake", "webtunnel", "conjure", "dnstt"}
LONG_S, SHORT_S, SHORT_LIMIT, RECENT = 60.0, 10.0, 3, 8
SF_WINDOW_S, SF_REALERT_S = 300.0, 600.0
PION_CIPHERS = {0xc02b, 0xc02f, 0xc02c, 0xc030, 0xc00a, 0xc014, 0xcca9, 0xcca8, 0xc0ac, 0xc0ae, 0xc0a8, 0xc0a4, 0xc0a5, 0x00a8, 0xc0ab, 0xc037}
PION_CLIENT_EXT = {13, 65281, 10, 11, 14, 23, 16, 0}
PION_SERVER_ORDER = [65281, 23, 14, 11, 16]
ICE_ATTRS = {0x0006, 0x0024, 0x0025, 0x8029, 0x802a}

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "tcp.flags.fin", "tcp.flags.reset", "tcp.len", "tcp.payload", "tcp.analysis.retransmission",
          "communityid", "dns.qry.name", "dns.flags.response",
          "tls.handshake.type", "tls.handshake.extensions_server_name", "http.request.method", "http.host",
          "stun.type", "stun.att.type", "dtls.handshake.type", "dtls.handshake.version",
          "dtls.handshake.ciphersuite", "dtls.handshake.extension.type", "dtls.handshake.extensions_supported_group"]


# --- the built-in bridge list (src/intel/bridges/builtin.ts), read as data ----------------------

def builtin_entries() -> list[tuple[str, str]]:
    text = open(os.path.join(ROOT, "src/intel/bridges/builtin.ts"), encoding="utf-8").read()
    body = text[text.index("BUILTIN_BRIDGES: readonly"):]
    return re.findall(r"\{ line: '([^']+)', status: '(current|past)'", body)


def builtin_rendezvous() -> list[tuple[str, str, str]]:
    text = open(os.path.join(ROOT, "src/intel/bridges/builtin.ts"), encoding="utf-8").read()
    body = text[text.index("BUILTIN_RENDEZVOUS"):]
    return re.findall(r"\{ name: '([^']+)', transport: '([a-z_]+)', role: '([a-z-]+)'", body)


def host_of(url: str) -> str | None:
    m = re.match(r"^(?:[a-z][a-z0-9+.-]*:(?://)?)?([^/?#:]+)", url.strip(), re.I)
    if not m:
        return None
    h = m.group(1).lower().rstrip(".")
    return h if "." in h else None


@dataclass
class BridgeIntel:
    endpoints: dict[tuple[str, int], tuple[str, str]] = field(default_factory=dict)   # (ip, port) -> (transport, status)
    names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)            # name -> [(transport, role)]
    past_meek_fronts: set = field(default_factory=set)                                # fronts only past meek lines give


def load_bridges() -> BridgeIntel:
    bi = BridgeIntel()
    meek_front_status: dict[str, set] = {}
    for line, status in builtin_entries():
        tok = line.split()
        transport, addr = tok[0].lower(), tok[1]
        host, _, port = addr.rpartition(":")
        ip = str(ipaddress.ip_address(host.strip("[]")))
        if transport not in NOT_DIALED:
            old = bi.endpoints.get((ip, int(port)))
            if old is None or (old[1] == "past" and status == "current"):
                bi.endpoints[(ip, int(port))] = (transport, status)
        args = dict(t.split("=", 1) for t in tok[2:] if "=" in t)
        roles = [("url", "url" if transport == "webtunnel" else "broker"), ("front", "front"), ("fronts", "front"),
                 ("ice", "ice"), ("ampcache", "amp-cache")]
        for key, role in roles:
            for part in args.get(key, "").split(","):
                h = host_of(part) if part else None
                if h:
                    bi.names.setdefault(h, []).append((transport, role))
                    if transport in ("meek", "meek_lite") and role == "front":
                        meek_front_status.setdefault(h, set()).add(status)
    for name, transport, role in builtin_rendezvous():
        bi.names.setdefault(name, []).append((transport, role))
    bi.past_meek_fronts = {h for h, st in meek_front_status.items() if st == {"past"}}
    return bi


# --- per-packet facts ----------------------------------------------------------------------------

def rows_of(path: str) -> list[dict[str, str]]:
    return expected_app.tshark_fields(path, FIELDS, "ip || ipv6", ["ip.defragment:TRUE", "tcp.desegment_tcp_streams:FALSE"])


def vals(row: dict[str, str], key: str) -> list[str]:
    return [v for v in row.get(key, "").split(",") if v != ""]


def last(v: str) -> str:
    return v.split(",")[-1] if v else ""


def wu_random(b: bytes) -> bool:
    b = b[:2048]
    if not b:
        return False
    pr = [0x20 <= x <= 0x7E for x in b]
    bits = sum(bin(x).count("1") for x in b) / len(b)
    run = longest = 0
    for p in pr:
        run = run + 1 if p else 0
        longest = max(longest, run)
    prefix = len(b) >= 6 and all(pr[:6])
    return 3.4 < bits < 4.6 and not prefix and sum(pr) / len(b) <= 0.5 and longest <= 20


@dataclass
class TFlow:
    key: tuple
    transport: str
    src: tuple[str, int]
    dst: tuple[str, int]
    cid: str
    first: float
    first_s: str
    last: float = 0.0
    last_s: str = ""
    syn_from_src: bool = False
    # obfs4
    flights: list[int] = field(default_factory=list)
    first_dir: int = -1
    first_payload: dict[int, bytes] = field(default_factory=dict)
    # STUN/DTLS
    ice: bool = False
    stun_req_dirs: set = field(default_factory=set)
    dtls_client_done: bool = False
    dtls_done: bool = False
    # meek
    meek: dict | None = None


def is_pion_client(version: int, ciphers: list[int], exts: list[int], groups: list[int]) -> bool:
    return (version == 0xFEFD and 3 <= len(ciphers) <= 12 and groups == [0x1D, 0x17, 0x18]
            and all(c in PION_CIPHERS for c in ciphers) and all(e in PION_CLIENT_EXT for e in exts))


def is_pion_server(version: int, cipher: int, exts: list[int]) -> bool:
    if version != 0xFEFD or cipher not in PION_CIPHERS or not exts:
        return False
    at = 0
    for e in exts:
        if e not in PION_SERVER_ORDER[at:]:
            return False
        at = PION_SERVER_ORDER.index(e, at) + 1
    return True


class Deriver:
    """One capture's transport alerts, packet by packet in tshark's order."""

    def __init__(self, path: str, iso_time, digits: int, answers: list[tuple[float, str, str, int, str]]) -> None:
        self.iso_time, self.digits, self.answers = iso_time, digits, answers
        self.bi = load_bridges()
        self.rows = rows_of(path)
        self.flows: dict[tuple, TFlow] = {}
        self.alerts: list[dict] = []
        self.cache = expected_app.Cache()
        # Snowflake: per host {"R": (t, distinctive), "S": t, "D": (t, flow key), "alerted": t}; flows waiting.
        self.sf: dict[str, dict] = {}
        self.sf_pending: dict[tuple, TFlow] = {}
        # obfs4: per (client, server ip, server port) the candidate flows; flows waiting for 60 s; TLS/HTTP clients.
        self.o4: dict[tuple, list[TFlow]] = {}
        self.o4_alerted: set = set()
        self.o4_wait: list[TFlow] = []
        self.explained: list[tuple[float, tuple]] = []

    # --- helpers -----------------------------------------------------------------------------------
    def base(self, f: TFlow, rule: str, when: str) -> dict:
        a = {"rule.id": rule, "source.ip": f.src[0], "source.port": f.src[1], "destination.ip": f.dst[0],
             "destination.port": f.dst[1], "network.transport": f.transport, "network.community_id": f.cid,
             "@timestamp": self.iso_time(when, self.digits)}
        dom = expected_app.domain_at(self.answers, f.dst[0], float(when), f.src[0])
        if dom:
            a["destination.domain"] = dom
        return a

    def name_entries(self, n: str) -> list[tuple[str, str]]:
        return self.bi.names.get(expected_app.normalise(n), [])

    # --- Snowflake ---------------------------------------------------------------------------------
    def rendezvous(self, host: str, name: str, when: str) -> None:
        if len(name) > 253:
            return
        n = expected_app.normalise(name)
        role, distinctive = None, False
        if n.startswith("snowflake-broker."):
            role, distinctive = "broker", True
        for transport, r in self.name_entries(n):
            if transport == "snowflake" and r != "ice":
                role = r
                distinctive = distinctive or r == "broker"
        if role:
            self.sf_phase(host, "R", (float(when), distinctive), when)

    def sf_phase(self, host: str, kind: str, value, when: str) -> None:
        p = self.sf.setdefault(host, {})
        if kind == "R":
            old = p.get("R")
            value = (value[0], value[1] or (old is not None and old[1] and value[0] - old[0] < SF_WINDOW_S))
        p[kind] = value
        if kind in ("R", "S") and "D" in p and p["D"][1] in self.sf_pending:
            f = self.sf_pending[p["D"][1]]
            if self.sf_decide(host, f, when):
                del self.sf_pending[p["D"][1]]

    def dtls_phase(self, f: TFlow, host: str, when: str) -> None:
        p = self.sf.setdefault(host, {})
        p["D"] = (float(when), f.key)
        if not self.sf_decide(host, f, when):
            self.sf_pending[f.key] = f

    def sf_decide(self, host: str, f: TFlow, when: str) -> bool:
        p = self.sf[host]
        t = p["D"][0]
        r = p["R"] if "R" in p and abs(t - p["R"][0]) <= SF_WINDOW_S else None
        s = p["S"] if "S" in p and abs(t - p["S"]) <= SF_WINDOW_S else None
        if r is None and s is None:
            return False
        now = float(when)
        if now - p.get("alerted", -1e18) < SF_REALERT_S:
            return True
        p["alerted"] = now
        score = 1 + ((2 if r[1] else 1) if r else 0) + (1 if s is not None else 0)
        a = self.base(f, "tor-snowflake", when)
        a["torwatch.confidence"] = "high" if score >= 3 else "medium"
        a["torwatch.severity"] = "high"
        a["labels.tor_snowflake_phases"] = "+".join(x for x in ("rendezvous" if r else "", "stun" if s is not None else "", "dtls") if x)
        self.alerts.append(a)
        return True

    # --- obfs4 -------------------------------------------------------------------------------------
    def obfs4_candidate(self, f: TFlow) -> None:
        if not f.syn_from_src or f.first_dir != 0 or len(f.flights) < 3:
            return
        if not (wu_random(f.first_payload.get(0, b"")) and wu_random(f.first_payload.get(1, b""))):
            return
        c, s = f.flights[0][1], f.flights[1][1]
        if not (141 <= c <= 8192 and 141 <= s <= 8192) or (c <= 608 and s <= 608):
            return
        self.o4.setdefault((f.src[0], f.dst[0], f.dst[1]), []).append(f)
        self.o4_wait.append(f)

    def obfs4_decide(self, f: TFlow, when: str) -> None:
        key = (f.src[0], f.dst[0], f.dst[1])
        if key in self.o4_alerted:
            return
        t = float(when)
        cands = [c for c in self.o4[key] if c.first <= t][-RECENT:]
        spans = [(c.first, min(c.last, t)) for c in cands]
        for i in range(len(spans)):
            for j in range(i + 1, len(spans)):
                if spans[i][0] < spans[j][1] and spans[j][0] < spans[i][1]:
                    return
        if sum(1 for a, b in spans if b - a < SHORT_S and t - b > SHORT_S) >= SHORT_LIMIT:
            return
        first = self.o4[key][0].first
        if any(first <= tt <= t and k == key for tt, k in self.explained):
            return
        self.o4_alerted.add(key)
        hit = self.bi.endpoints.get((str(ipaddress.ip_address(f.dst[0])), f.dst[1]))
        a = self.base(f, "tor-obfs4", when)
        a["torwatch.confidence"] = "high" if hit or len(self.o4[key]) >= 2 else "medium"
        a["torwatch.severity"] = "high" if hit else "medium"
        a["labels.tor_obfs4_evidence"] = "shape+bridge-list" if hit else "shape+repeated" if len(self.o4[key]) >= 2 else "shape+long-lived"
        self.alerts.append(a)

    # --- the capture ---------------------------------------------------------------------------------
    def run(self) -> list[dict]:
        answers_at: dict[float, list] = {}
        for a in self.answers:
            answers_at.setdefault(a[0], []).append(a)
        for row in self.rows:
            when = row["frame.time_epoch"]
            now = float(when)
            # The packet clock passes a waiting obfs4 flow's first packet + 60 s: decided at this packet.
            for f in [f for f in self.o4_wait if now >= f.first + LONG_S]:
                self.o4_wait.remove(f)
                self.obfs4_decide(f, when)
            ep = expected_app.endpoints(row)
            if ep is None:
                continue
            self.packet(row, ep, when, now)
            for t_, ad, n, ttl, cl in answers_at.get(now, []):
                self.cache.insert(cl, ad, n, ttl, t_)
        # End of input: flows still waiting are decided at their last packet when they lasted long enough.
        for f in self.o4_wait:
            if f.last - f.first >= LONG_S:
                self.obfs4_decide(f, f.last_s)
        for f in self.flows.values():
            if f.meek and not f.meek["fired"] and not f.meek["past_front"]:
                a = self.base(f, "tor-meek", f.meek["hello"])
                a["torwatch.confidence"] = "low"
                a["torwatch.severity"] = "low"
                a["labels.tor_meek_evidence"] = "sni"
                a["tls.client.server_name"] = f.meek["sni"]
                self.alerts.append(a)
        return self.alerts

    def packet(self, row: dict[str, str], ep, when: str, now: float) -> None:
        transport, s, d = ep
        key = (transport, *sorted([s, d]))
        f = self.flows.get(key)
        syn = last(row["tcp.flags.syn"]) in ("1", "True") and last(row["tcp.flags.ack"]) not in ("1", "True")
        if f is None:
            f = TFlow(key, transport, s, d, last(row["communityid"]), now, when)
            self.flows[key] = f
            f.syn_from_src = syn
            if transport == "tcp":
                hit = self.bi.endpoints.get((str(ipaddress.ip_address(d[0])), d[1]))
                if hit:
                    a = self.base(f, "tor-bridge", when)
                    a["torwatch.confidence"] = "medium" if hit[1] == "past" else "high"
                    a["torwatch.severity"] = "high"
                    a["labels.tor_bridge_transport"] = hit[0]
                    a["labels.tor_bridge_list"] = f"builtin-{hit[1]}"
                    self.alerts.append(a)
            dom = self.cache.lookup(f.src[0], f.dst[0], now)
            if dom:
                self.rendezvous(f.src[0], dom, when)
        elif syn and not f.syn_from_src and not f.flights:
            f.syn_from_src = True
            f.src, f.dst = s, d
        f.last, f.last_s = now, when
        dir_ = 0 if s == f.src else 1
        protos = row["frame.protocols"].split(":")
        if "dns" in protos and 53 in (s[1], d[1]):
            for n in vals(row, "dns.qry.name"):
                self.rendezvous(f.src[0], n, when)
        if transport == "tcp":
            self.tcp(row, f, dir_, when, now)
        else:
            self.udp(row, f, s, dir_, when, now)

    def tcp(self, row: dict[str, str], f: TFlow, dir_: int, when: str, now: float) -> None:
        n = int(last(row["tcp.len"]) or 0)
        if n > 0 and not vals(row, "tcp.analysis.retransmission"):
            if f.first_dir < 0:
                f.first_dir = dir_
            if dir_ not in f.first_payload:
                f.first_payload[dir_] = bytes.fromhex(last(row["tcp.payload"]).replace(":", ""))
            if not f.flights or f.flights[-1][0] != dir_:
                if len(f.flights) < 8:
                    f.flights.append([dir_, 0])
                    if len(f.flights) == 3:
                        self.obfs4_candidate(f)
            if f.flights and f.flights[-1][0] == dir_ and len(f.flights) <= 2:
                f.flights[-1][1] += n
        types = vals(row, "tls.handshake.type")
        sni = vals(row, "tls.handshake.extensions_server_name")
        if "1" in types:
            self.explained.append((now, (f.src[0], f.dst[0], f.dst[1])))
            if sni:
                self.rendezvous(f.src[0], sni[0], when)
                hits = [r for t_, r in self.name_entries(sni[0]) if t_ in ("meek", "meek_lite") and r in ("front", "broker")]
                if hits and len(sni[0]) <= 253:
                    past_front = "broker" not in hits and expected_app.normalise(sni[0]) in self.bi.past_meek_fronts
                    f.meek = {"start": now, "hello": when, "sni": sni[0], "requests": 0, "small": 0, "burst": 0,
                              "last_client": now, "last_dir": 0, "max_gap": 0.0, "fired": False, "past_front": past_front}
        if row["http.request.method"]:
            self.explained.append((now, (f.src[0], f.dst[0], f.dst[1])))
            for h in vals(row, "http.host")[:1]:
                self.rendezvous(f.src[0], expected_app.host_of_authority(h), when)
        m = f.meek
        if m is None or m["fired"] or n <= 0:
            return
        if dir_ == 0:
            if m["last_dir"] != 0 or now - m["last_client"] > 0.05:
                if 0 < m["burst"] <= 1500:
                    m["small"] += 1
                m["burst"] = 0
                m["requests"] += 1
                if m["requests"] > 1:
                    m["max_gap"] = max(m["max_gap"], now - m["last_client"])
            m["burst"] += n
            m["last_client"] = now
        m["last_dir"] = dir_
        if (m["requests"] >= 20 and now - m["start"] >= 30 and m["small"] * 2 >= m["requests"]
                and m["max_gap"] <= 10 and now - m["last_client"] <= 10):
            m["fired"] = True
            a = self.base(f, "tor-meek", when)
            a["torwatch.confidence"] = "high"
            a["torwatch.severity"] = "high"
            a["labels.tor_meek_evidence"] = "sni+shape"
            a["tls.client.server_name"] = m["sni"]
            self.alerts.append(a)

    def udp(self, row: dict[str, str], f: TFlow, s: tuple[str, int], dir_: int, when: str, now: float) -> None:
        if f.dtls_done:
            return
        stypes = vals(row, "stun.type")
        if stypes:
            st = int(stypes[0], 0)
            attrs = {int(x, 0) for x in vals(row, "stun.att.type")}
            ice = bool(attrs & ICE_ATTRS)
            f.ice = f.ice or ice
            if st == 0x0001 and not ice and dir_ not in f.stun_req_dirs:
                f.stun_req_dirs.add(dir_)
                srv, cl = (f.dst, f.src) if dir_ == 0 else (f.src, f.dst)
                name = self.cache.lookup(cl[0], srv[0], now)
                if name and any(t_ == "snowflake" and r == "ice" for t_, r in self.name_entries(name)):
                    self.sf_phase(s[0], "S", now, when)
        htypes = vals(row, "dtls.handshake.type")
        if not htypes:
            return
        version = int(vals(row, "dtls.handshake.version")[0], 0) if vals(row, "dtls.handshake.version") else 0
        exts = [int(x) for x in vals(row, "dtls.handshake.extension.type")]
        ciphers = [int(x, 0) for x in vals(row, "dtls.handshake.ciphersuite")]
        if htypes[0] == "1" and not f.dtls_client_done:
            f.dtls_client_done = True
            groups = [int(x, 0) for x in vals(row, "dtls.handshake.extensions_supported_group")]
            if f.ice and is_pion_client(version, ciphers, exts, groups):
                self.dtls_phase(f, s[0], when)
        elif htypes[0] == "2":
            f.dtls_done = True
            if f.ice and is_pion_server(version, ciphers[0] if ciphers else 0, exts):
                self.dtls_phase(f, s[0], when)


def transport_alerts(path: str, iso_time, digits: int, answers: list[tuple[float, str, str, int, str]]) -> list[dict]:
    return Deriver(path, iso_time, digits, answers).run()
