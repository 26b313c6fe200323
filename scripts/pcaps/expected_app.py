"""Expected alerts of the app-layer rules (tor-hostname, torrent-hostname, tor-link-fingerprint)
and destination.domain, derived from tshark's dissection of a capture, not from torwatch.

Imported by expected-alerts.py. The facts are tshark's (Wireshark 4.0: DNS, TLS with TCP
reassembly, QUIC Initial decryption, HTTP); certificate names come from `openssl x509` on the
certificate bytes tshark extracts. The rules are applied as SPEC.md states them:

  tor-hostname      a DNS question, TLS/QUIC SNI or HTTP Host (or CONNECT / absolute-form
                    target) whose final label is onion, exit or tor (with a label before it),
                    or a tor2web domain (the list is read from src/detect/rules/tor2web-domains.ts,
                    the one place it is kept); case-insensitive, one trailing dot ignored.
  torrent-hostname  such a name containing torrent, vuze or azureus.
  tor-software      such a name that is dist.torproject.org, archive.torproject.org, aus1.torproject.org,
                    bridges.torproject.org or starts with snowflake-broker.
  both              also a flow whose responder address a DNS answer earlier in the capture gave
                    for a matching name (the asked name), at the flow's first packet.
  tor-link-fingerprint  per TLS connection: the leaf certificate is www.<8-20 base32>.net issued by
                    www.<8-20 base32>.com -> alert at the certificate; a certificate that is not ->
                    none; no certificate (TLS 1.3, or none captured) -> alert at the ClientHello if
                    its SNI is www.<4-25 base32>.com, it offers no ALPN, and the label has a digit
                    or the client offers group P-224 (0x0015).

One alert per flow and rule; a flow is the TCP/UDP 5-tuple; `source` is the SYN sender; without one
(TCP caught mid-stream, UDP) the end not on a likely server port when the first packet came from one
(initiator(): system ports and src/flow/server-ports.ts's list, as Zeek flips such connections), else
the first packet's sender. destination.domain: the name a live DNS answer (TTL clamped to 60 s .. 1 day)
received by the initiator (source) gave for the responder address, at the alert's time (an answer
names addresses only for the host it was sent to).
"""
from __future__ import annotations

import ipaddress
import os
import re
import subprocess
from dataclasses import dataclass, field

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags.syn", "tcp.flags.ack",
          "communityid", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.resp.type",
          "dns.resp.ttl", "dns.a", "dns.aaaa", "tls.handshake.type", "tls.handshake.extensions_server_name",
          "tls.handshake.extensions_alpn_str", "tls.handshake.extensions_supported_group",
          "tls.handshake.extensions.supported_version", "tls.handshake.version", "tls.handshake.certificate",
          "http.request.method", "http.request.uri", "http.host"]

MIN_TTL, MAX_TTL = 60, 86_400
TOR_TLDS = {"onion", "exit", "tor"}
TORRENT_WORDS = ("torrent", "vuze", "azureus")
SNI_RE = re.compile(r"^www\.([a-z2-7]{4,25})\.com$")
CERT_SUBJECT_RE = re.compile(r"^www\.[a-z2-7]{8,20}\.net$")
CERT_ISSUER_RE = re.compile(r"^www\.[a-z2-7]{8,20}\.com$")


def tor2web_domains() -> set[str]:
    text = open(os.path.join(ROOT, "src/detect/rules/tor2web-domains.ts"), encoding="utf-8").read()
    body = text[text.index("TOR2WEB_DOMAINS"):]
    body = body[body.index("[") + 1: body.index("];")]
    return set(re.findall(r"'([^']+)'", body))


TOR2WEB = tor2web_domains()


def likely_server_ports() -> set[int]:
    """The registered ports of src/flow/server-ports.ts (LIKELY_SERVER_PORTS), read from there: one list."""
    text = open(os.path.join(ROOT, "src/flow/server-ports.ts"), encoding="utf-8").read()
    body = text[text.index("LIKELY_SERVER_PORTS"):]
    body = body[body.index("[") + 1: body.index("];")]
    body = re.sub(r"//[^\n]*", "", body)
    return {int(n) for n in re.findall(r"\d+", body)}


LIKELY_SERVER = likely_server_ports()


def is_likely_server(port: int) -> bool:
    return 0 < port < 1024 or port in LIKELY_SERVER


def initiator(src: tuple[str, int], dst: tuple[str, int]) -> tuple[tuple[str, int], tuple[str, int]]:
    """Without a handshake packet (TCP caught mid-stream, UDP): when the first packet comes from a likely
    server port (system ports, or the list above) and goes to a port that is not one, its sender is the
    responder (Zeek's likely_server_ports flip); otherwise the first packet's sender is the initiator."""
    if is_likely_server(src[1]) and not is_likely_server(dst[1]):
        return dst, src
    return src, dst


def normalise(name: str) -> str:
    n = name.lower()
    return n[:-1] if n.endswith(".") else n


def tor_match(name: str) -> bool:
    n = normalise(name)
    dot = n.rfind(".")
    if dot > 0 and n[dot + 1:] in TOR_TLDS:
        return True
    labels = n.split(".")
    return any(".".join(labels[i:]) in TOR2WEB for i in range(len(labels)))


def torrent_match(name: str) -> bool:
    n = normalise(name)
    return any(w in n for w in TORRENT_WORDS)


SOFTWARE_HOSTS = {"dist.torproject.org", "archive.torproject.org", "aus1.torproject.org", "bridges.torproject.org"}


def software_match(name: str) -> bool:
    """tor-software: the Tor Project's download, update-check and bridge hosts, any snowflake-broker.* name."""
    n = normalise(name)
    return n in SOFTWARE_HOSTS or n.startswith("snowflake-broker.")


HOSTNAME_RULES = (("tor-hostname", tor_match), ("torrent-hostname", torrent_match), ("tor-software", software_match))


def host_of_authority(a: str) -> str:
    h = a.strip()
    h = h.rsplit("@", 1)[-1]
    if h.startswith("["):
        h = h[1:h.index("]")] if "]" in h else h[1:]
    elif h.count(":") == 1:
        h = h.split(":")[0]
    return normalise(h)


def vals(row: dict[str, str], key: str) -> list[str]:
    return [v for v in row.get(key, "").split(",") if v != ""]


def last(value: str) -> str:
    return value.split(",")[-1] if value else ""


@dataclass
class Flow:
    key: tuple
    transport: str
    src: tuple[str, int]
    dst: tuple[str, int]
    community_id: str
    first_time: str
    syn_seen: bool = False
    fired: set = field(default_factory=set)
    # tor-link-fingerprint state
    hello: dict | None = None
    version: int = 0
    decided: bool = False


def tshark_fields(path: str, fields: list[str], display_filter: str, prefs: list[str],
                  heuristics: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """One dict per packet tshark shows under display_filter: each field's values (comma-joined), with
    Community IDs (seed 0, base64), the given extra preferences and heuristic dissectors enabled. Also
    used by expected-alerts.py and expected_bt.py."""
    cmd = ["tshark", "-n", "-r", path, "--enable-protocol", "communityid",
           "-o", "communityid.seed:0", "-o", "communityid.do_base64:TRUE"]
    for h in heuristics:
        cmd += ["--enable-heuristic", h]
    for p in prefs:
        cmd += ["-o", p]
    cmd += ["-Y", display_filter, "-T", "fields",
            "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"tshark failed on {path}: {res.stderr.strip()}")
    out = []
    for line in res.stdout.splitlines():
        parts = line.split("\t")
        parts += [""] * (len(fields) - len(parts))
        out.append(dict(zip(fields, parts)))
    return out


def rows_of(path: str) -> list[dict[str, str]]:
    return tshark_fields(path, FIELDS, "(tcp || udp) && !icmp && !icmpv6",
                         ["ip.defragment:TRUE", "tcp.desegment_tcp_streams:TRUE", "tls.desegment_ssl_records:TRUE",
                          "tls.desegment_ssl_application_data:TRUE"])


def endpoints(row: dict[str, str]) -> tuple[str, tuple[str, int], tuple[str, int]] | None:
    protos = row["frame.protocols"].split(":")
    transport = "tcp" if "tcp" in protos else "udp" if "udp" in protos else None
    if transport is None:
        return None
    before = protos[: len(protos) - 1 - protos[::-1].index(transport)]
    l3 = [p for p in before if p in ("ip", "ipv6")]
    if not l3:
        return None
    src, dst = (last(row["ip.src"]), last(row["ip.dst"])) if l3[-1] == "ip" else (last(row["ipv6.src"]), last(row["ipv6.dst"]))
    sport, dport = last(row[f"{transport}.srcport"]), last(row[f"{transport}.dstport"])
    if not sport:
        return None
    return transport, (src, int(sport)), (dst, int(dport))


def cert_names(hexder: str) -> tuple[str | None, str | None]:
    der = bytes.fromhex(hexder.replace(":", ""))
    res = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-subject", "-issuer", "-nameopt", "multiline,utf8"],
                         input=der, capture_output=True)
    if res.returncode != 0:
        return None, None
    subject = issuer = None
    current = None
    for line in res.stdout.decode("utf-8", "replace").splitlines():
        if line.startswith("subject="):
            current = "s"
        elif line.startswith("issuer="):
            current = "i"
        m = re.match(r"\s+commonName\s+= (.*)$", line)
        if m:
            if current == "s":
                subject = m.group(1)
            elif current == "i":
                issuer = m.group(1)
    return subject, issuer


class Cache:
    """(client that received the answer, address) -> (name, expiry)."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[str, float]] = {}

    def insert(self, client: str, addr: str, name: str, ttl: int, now: float) -> None:
        key = (str(ipaddress.ip_address(client)), str(ipaddress.ip_address(addr)))
        self.entries[key] = (name, now + min(MAX_TTL, max(MIN_TTL, ttl)))

    def lookup(self, client: str, addr: str, now: float) -> str | None:
        e = self.entries.get((str(ipaddress.ip_address(client)), str(ipaddress.ip_address(addr))))
        return e[0] if e and e[1] > now else None


def app_alerts(path: str, iso_time, digits: int) -> tuple[list[dict], Cache, dict]:
    """Alerts of the app-layer rules; also returns the DNS cache and the flows (for enrichment)."""
    flows: dict[tuple, Flow] = {}
    cache = Cache()
    alerts: list[dict] = []
    # Every answer seen, in frame order, for enriching other rules' alerts afterwards.
    answers: list[tuple[float, str, str, int, str]] = []

    def base(flow: Flow, rule: str, when: str) -> dict:
        a = {"rule.id": rule, "source.ip": flow.src[0], "source.port": flow.src[1],
             "destination.ip": flow.dst[0], "destination.port": flow.dst[1],
             "network.transport": flow.transport, "network.community_id": flow.community_id,
             "@timestamp": iso_time(when, digits)}
        dom = cache.lookup(flow.src[0], flow.dst[0], float(when))
        if dom:
            a["destination.domain"] = dom
        return a

    def hostname(flow: Flow, names: list[str], when: str, key: str | None) -> None:
        for rule, match in HOSTNAME_RULES:
            if rule in flow.fired:
                continue
            for n in names:
                if match(n):
                    flow.fired.add(rule)
                    a = base(flow, rule, when)
                    if key:
                        a[key] = n
                    alerts.append(a)
                    break

    def fingerprint(flow: Flow, when: str, subject: str | None = None, issuer: str | None = None) -> None:
        if flow.decided or "tor-link-fingerprint" in flow.fired:
            return
        flow.decided = True
        h = flow.hello
        if subject is not None or issuer is not None:
            if not (subject and issuer and CERT_SUBJECT_RE.match(subject) and CERT_ISSUER_RE.match(issuer)):
                return
            a = base(flow, "tor-link-fingerprint", when)
            a["tls.server.x509.subject.common_name"] = [subject]
            a["tls.server.x509.issuer.common_name"] = [issuer]
        else:
            if not h or not h["label"] or h["alpn"] or not (re.search(r"[2-7]", h["label"]) or 0x15 in h["groups"]):
                return
            a = base(flow, "tor-link-fingerprint", h["time"])
        if h and h["label"]:
            a["tls.client.server_name"] = h["sni"]
        flow.fired.add("tor-link-fingerprint")
        alerts.append(a)

    for row in rows_of(path):
        ep = endpoints(row)
        if ep is None:
            continue
        transport, s, d = ep
        key = (transport, *sorted([s, d]))
        when = row["frame.time_epoch"]
        flow = flows.get(key)
        syn = last(row["tcp.flags.syn"]) in ("1", "True") and last(row["tcp.flags.ack"]) not in ("1", "True")
        if flow is None:
            # The SYN's sender, else by server port (initiator()), else the first packet's sender.
            fs, fd = (s, d) if syn else initiator(s, d)
            flow = Flow(key, transport, fs, fd, last(row["communityid"]), when)
            flows[key] = flow
            if syn:
                flow.syn_seen = True
            # Named by an earlier DNS answer: hostname rules on the connection itself.
            dom = cache.lookup(flow.src[0], flow.dst[0], float(when))
            if dom:
                hostname(flow, [dom], when, "destination.domain")
        elif syn and not flow.syn_seen:
            # A SYN seen after other packets of the 5-tuple makes its sender the initiator.
            flow.syn_seen = True
            flow.src, flow.dst = s, d
        protos = row["frame.protocols"].split(":")
        # DNS (port 53 only, as torwatch parses it)
        if "dns" in protos and 53 in (s[1], d[1]):
            names = vals(row, "dns.qry.name")
            if names:
                hostname(flow, names, when, "dns.question.name")
            if row["dns.flags.response"] in ("1", "True") and row["dns.flags.rcode"] == "0" and names:
                types = [int(t) for t in vals(row, "dns.resp.type")]
                ttls = [int(t) for t in vals(row, "dns.resp.ttl")]
                a4, a6 = vals(row, "dns.a"), vals(row, "dns.aaaa")
                for t, ttl in zip(types, ttls):
                    if t == 1 and a4:
                        addr = a4.pop(0)
                    elif t == 28 and a6:
                        addr = a6.pop(0)
                    else:
                        continue
                    # The answer's receiver is the client it names addresses for.
                    cache.insert(d[0], addr, names[0], ttl, float(when))
                    answers.append((float(when), addr, names[0], ttl, d[0]))
        types = vals(row, "tls.handshake.type")
        if types:
            sni = vals(row, "tls.handshake.extensions_server_name")
            if "1" in types:
                if sni:
                    hostname(flow, sni[:1], when, "tls.client.server_name")
                if transport == "tcp":
                    label = SNI_RE.match(sni[0]) if sni else None
                    groups = [int(g, 0) for g in vals(row, "tls.handshake.extensions_supported_group")]
                    flow.hello = {"sni": sni[0] if sni else None, "label": label.group(1) if label else None,
                                  "alpn": bool(vals(row, "tls.handshake.extensions_alpn_str")), "groups": groups, "time": when}
            if "2" in types and transport == "tcp":
                sv = vals(row, "tls.handshake.extensions.supported_version")
                flow.version = int(sv[0], 0) if sv else int(vals(row, "tls.handshake.version")[0], 0)
                if flow.version >= 0x0304:
                    fingerprint(flow, when)
            if "11" in types and transport == "tcp":
                certs = vals(row, "tls.handshake.certificate")
                if certs:
                    subject, issuer = cert_names(certs[0])
                    fingerprint(flow, when, subject or "", issuer or "")
        if "http" in protos and row["http.request.method"]:
            method = row["http.request.method"].split(",")[0]
            uri = row["http.request.uri"].split(",")[0]
            names = [host_of_authority(h) for h in vals(row, "http.host")[:1]]
            if method == "CONNECT":
                names.append(host_of_authority(uri))
            m = re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://([^/?#]*)", uri)
            if m:
                names.append(host_of_authority(m.group(1)))
            hostname(flow, [n for n in names if n], when, "url.domain")
    # Handshakes that never showed a certificate or a TLS 1.3 ServerHello are decided at their end.
    for flow in flows.values():
        if flow.hello and not flow.decided:
            fingerprint(flow, flow.hello["time"])
    return alerts, cache, {"answers": answers}


def domain_at(answers: list[tuple[float, str, str, int, str]], addr: str, when: float, client: str) -> str | None:
    """The live DNS answer `client` received for `addr` at `when` (for other rules' alerts)."""
    name = None
    a = str(ipaddress.ip_address(addr))
    c = str(ipaddress.ip_address(client))
    for t, ad, n, ttl, cl in answers:
        if t > when:
            break
        if str(ipaddress.ip_address(ad)) == a and str(ipaddress.ip_address(cl)) == c and when < t + min(MAX_TTL, max(MIN_TTL, ttl)):
            name = n
    return name
