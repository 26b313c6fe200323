#!/usr/bin/python3
"""Derive the expected alerts of each regression capture.

tor-port-private is derived here; the app-layer rules (tor-hostname, torrent-hostname, tor-software,
tor-link-fingerprint) and destination.domain in scripts/pcaps/expected_app.py, the BitTorrent rules
(torrent-peer, torrent-dht, torrent-tracker, torrent-lsd) in scripts/pcaps/expected_bt.py, and the
bridge and pluggable-transport rules (tor-bridge, tor-obfs4, tor-snowflake, tor-meek) in
scripts/pcaps/expected_transport.py, the same way: facts from tshark, rules as SPEC.md and the README
state them.

The packet facts come from tshark (Wireshark 4.0 dissectors, IPv4 reassembly on,
its Community ID post-dissector enabled), not from torwatch. This script only
groups tshark's TCP packets into flows and applies the seed-004 rule as SPEC.md
states it:

  TCP, destination port 9001 or 9030, source in 10/8, 172.16/12, 192.168/16,
  destination not in 10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4,
  ::1, fe80::/10, ff00::/8. One alert per flow. `source` is the initiator: the
  sender of the first SYN (without ACK); without one (the capture started
  mid-stream), the end that is not on a likely server port when the flow's first
  packet came from one (expected_app.initiator(): system ports and the list in
  src/flow/server-ports.ts, Zeek's likely_server_ports flip), else the sender of
  the flow's first packet. @timestamp is the time of the flow's first packet.

For tunnelled packets the innermost IP/TCP is used (tshark lists every layer's
ip.src; the last one is the inner packet). ICMP errors that quote a TCP header are
not TCP packets and are skipped. Each Community ID tshark reports is re-computed
here from the 5-tuple (Community ID v1, seed 0) as a cross-check; a mismatch stops
the script.

Usage:
  expected-alerts.py [--check] [FILE...]     default: every capture in pcaps/
    writes pcaps/expected/<file name>.alerts.ndjson (one JSON object per line,
    an empty file when no alert is expected); --check compares instead and exits
    1 when a file differs.
"""
from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import re
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expected_app  # noqa: E402  (next to this script)
import expected_bt  # noqa: E402
import expected_transport  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PCAPS = os.path.join(ROOT, "pcaps")
EXPECTED = os.path.join(PCAPS, "expected")

RULE_ID = "tor-port-private"
PORTS = {9001, 9030}
SOURCE_NETS = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
EXCLUDED_DEST = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
    "224.0.0.0/4", "::1/128", "fe80::/10", "ff00::/8")]

FIELDS = ["frame.number", "frame.time_epoch", "frame.protocols", "ip.src", "ip.dst",
          "ipv6.src", "ipv6.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.syn",
          "tcp.flags.ack", "communityid"]


@dataclass
class Flow:
    first_time: str
    first_src: tuple[str, int]
    first_dst: tuple[str, int]
    community_id: str
    syn_src: tuple[str, int] | None = None
    syn_dst: tuple[str, int] | None = None
    packets: int = 0


def in_any(ip: str, nets: list[ipaddress._BaseNetwork]) -> bool:
    addr = ipaddress.ip_address(ip)
    return any(addr.version == n.version and addr in n for n in nets)


def community_id(src: str, sport: int, dst: str, dport: int, proto: int = 6, seed: int = 0) -> str:
    """Community ID v1 (github.com/corelight/community-id-spec), written from the spec."""
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    s, d = socket.inet_pton(fam, src), socket.inet_pton(fam, dst)
    if (s, sport) > (d, dport):
        s, d, sport, dport = d, s, dport, sport
    data = struct.pack("!H", seed) + s + d + struct.pack("!BB", proto, 0) + struct.pack("!HH", sport, dport)
    return "1:" + base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")


def precision_digits(path: str) -> int:
    out = subprocess.run(["capinfos", "-M", path], capture_output=True, text=True, check=True).stdout
    m = re.search(r"File timestamp precision:\s+\w+ \((\d+)\)", out)
    return int(m.group(1)) if m else 9


def iso_time(epoch: str, digits: int) -> str:
    sec, _, frac = epoch.partition(".")
    base = dt.datetime.fromtimestamp(int(sec), tz=dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    frac = (frac + "0" * 9)[:digits]
    return f"{base}.{frac}Z" if digits else f"{base}Z"


def last(value: str) -> str:
    return value.split(",")[-1] if value else ""


def tshark_rows(path: str) -> list[dict[str, str]]:
    return expected_app.tshark_fields(path, FIELDS, "tcp", ["ip.defragment:TRUE"])


def innermost_ips(row: dict[str, str]) -> tuple[str, str] | None:
    protos = row["frame.protocols"].split(":")
    if "tcp" not in protos:
        return None
    before_tcp = protos[: len(protos) - 1 - protos[::-1].index("tcp")]
    l3 = [p for p in before_tcp if p in ("ip", "ipv6")]
    if not l3:
        return None
    if l3[-1] == "ip":
        return last(row["ip.src"]), last(row["ip.dst"])
    return last(row["ipv6.src"]), last(row["ipv6.dst"])


def flows_of(path: str) -> tuple[dict[tuple, Flow], list[str]]:
    flows: dict[tuple, Flow] = {}
    order: list[tuple] = []
    for row in tshark_rows(path):
        protos = row["frame.protocols"].split(":")
        # An ICMP error quoting a TCP header matches the `tcp` filter but is not a TCP packet.
        if "icmp" in protos or "icmpv6" in protos:
            continue
        ips = innermost_ips(row)
        if ips is None or not row["tcp.srcport"]:
            continue
        src = (ips[0], int(last(row["tcp.srcport"])))
        dst = (ips[1], int(last(row["tcp.dstport"])))
        cid = last(row["communityid"])
        mine = community_id(src[0], src[1], dst[0], dst[1])
        if cid != mine:
            raise SystemExit(f"{path} frame {row['frame.number']}: tshark community id {cid!r} "
                             f"!= recomputed {mine!r} for {src}->{dst}")
        key = tuple(sorted([src, dst]))
        flow = flows.get(key)
        if flow is None:
            flow = Flow(first_time=row["frame.time_epoch"], first_src=src, first_dst=dst, community_id=cid)
            flows[key] = flow
            order.append(key)
        flow.packets += 1
        syn = last(row["tcp.flags.syn"]) in ("1", "True")
        ack = last(row["tcp.flags.ack"]) in ("1", "True")
        if syn and not ack and flow.syn_src is None:
            flow.syn_src, flow.syn_dst = src, dst
    return {k: flows[k] for k in order}, order


def expected_alerts(path: str) -> list[dict[str, object]]:
    digits = precision_digits(path)
    flows, _ = flows_of(path)
    alerts = []
    for flow in flows.values():
        src, dst = (flow.syn_src, flow.syn_dst) if flow.syn_src else expected_app.initiator(flow.first_src, flow.first_dst)
        if dst[1] not in PORTS:
            continue
        if not in_any(src[0], SOURCE_NETS) or in_any(dst[0], EXCLUDED_DEST):
            continue
        alerts.append({
            "_epoch": flow.first_time,
            "rule.id": RULE_ID,
            "source.ip": src[0],
            "source.port": src[1],
            "destination.ip": dst[0],
            "destination.port": dst[1],
            "network.transport": "tcp",
            "network.community_id": flow.community_id,
            "@timestamp": iso_time(flow.first_time, digits),
        })
    app, _cache, extra = expected_app.app_alerts(path, iso_time, digits)
    # Every alert of any rule names its destination when DNS answered for it earlier.
    for a in alerts:
        dom = expected_app.domain_at(extra["answers"], str(a["destination.ip"]), float(_epoch(a, path)), str(a["source.ip"]))
        if dom:
            a["destination.domain"] = dom
    alerts += app
    bt = expected_bt.bt_alerts(path, iso_time, digits)
    for a in bt:
        dom = expected_app.domain_at(extra["answers"], str(a["destination.ip"]), float(_iso_epoch(a)), str(a["source.ip"]))
        if dom:
            a["destination.domain"] = dom
    alerts += bt
    alerts += expected_transport.transport_alerts(path, iso_time, digits, extra["answers"])
    alerts.sort(key=lambda a: (str(a["@timestamp"]), str(a["rule.id"])))
    return alerts


def _iso_epoch(a: dict) -> float:
    t = str(a["@timestamp"]).rstrip("Z")
    sec, _, frac = t.partition(".")
    return dt.datetime.strptime(sec, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp() + float("0." + (frac or "0"))


def _epoch(a: dict, path: str) -> str:
    return str(a.pop("_epoch"))


def capture_files() -> list[str]:
    out = []
    for name in sorted(os.listdir(PCAPS)):
        full = os.path.join(PCAPS, name)
        # Captures replayed with options (a relay list) have their own generator: expected-relay-alerts.py.
        if os.path.exists(os.path.join(EXPECTED, name + ".args")):
            continue
        if os.path.isfile(full) and not name.endswith(".md"):
            out.append(full)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="compare with pcaps/expected instead of writing")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    files = args.files or capture_files()
    os.makedirs(EXPECTED, exist_ok=True)
    status = 0
    for path in files:
        alerts = expected_alerts(path)
        status |= write_or_check(path, alerts, f"{len(alerts)} alert(s)", args.check)
    return status


def write_or_check(capture: str, alerts: list[dict], summary: str, check: bool) -> int:
    """Write the capture's pcaps/expected/<name>.alerts.ndjson, or with --check compare it: 1 if it differs.
    Also used by expected-relay-alerts.py."""
    text = "".join(json.dumps(a, separators=(",", ":")) + "\n" for a in alerts)
    target = os.path.join(EXPECTED, os.path.basename(capture) + ".alerts.ndjson")
    if check:
        same = os.path.exists(target) and open(target, encoding="utf-8").read() == text
        print(f"{'ok  ' if same else 'DIFF'} {os.path.basename(capture)}: {summary}")
        return 0 if same else 1
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{os.path.basename(capture)}: {summary} -> {os.path.relpath(target, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
