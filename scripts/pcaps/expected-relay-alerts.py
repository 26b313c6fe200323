#!/usr/bin/python3
"""Derive the expected alerts of captures replayed with a relay list.

A capture that needs replay options has pcaps/expected/<file>.args (a JSON list
of torwatch arguments; paths relative to pcaps/), e.g. tor-private-net.pcap with
its directory of consensuses. This script writes pcaps/expected/<file>.alerts.ndjson
for those captures from:

  - tshark's TCP flows (the same grouping and initiator rule as expected-alerts.py:
    source = sender of the first SYN without ACK; mid-stream, the end not on a
    likely server port when the first packet came from one; else the sender of
    the flow's first packet);
  - the consensus documents, parsed here independently of torwatch ('r' lines:
    address, ORPort, DirPort; 'a' lines; 's' flags; valid-after/valid-until);
  - the rules as SPEC.md and the issue state them, with the default home-net
    (RFC 1918 + fc00::/7):
      tor-relay: a side is a listed relay in the consensus in force at the flow's
        first packet (latest valid-after <= t, used up to 24 h past valid-until; before
        the first, that one within an hour of its valid-after);
        a home-net relay -> internal_relay; else the responder outside home-net
        -> client_to_relay; else an initiator outside home-net -> relay_to_internal.
        Confidence high when that side's port is the relay's ORPort/DirPort.
      tor-exit: the remote (outside home-net) side has the Exit flag; responder ->
        to_exit risk MEDIUM, initiator -> from_exit risk LOW (no threat intel).
      tor-port-private: as in expected-alerts.py.

Usage: expected-relay-alerts.py [--check] [FILE...]   default: captures with an .args file
"""
from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import ipaddress
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("expected_alerts", os.path.join(HERE, "expected-alerts.py"))
ea = importlib.util.module_from_spec(_spec)
sys.modules["expected_alerts"] = ea  # dataclasses look their module up here
_spec.loader.exec_module(ea)  # type: ignore[union-attr]

HOME = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]
GRACE_S = 24 * 3600
# --relays-early-grace's default: the earliest consensus also applies this long before its valid-after.
EARLY_S = 3600


def tor_time(s: str) -> float:
    return dt.datetime.strptime(s, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.timezone.utc).timestamp()


def parse_consensus(path: str) -> dict:
    snap = {"relays": {}, "file": path}
    cur = None
    with open(path, encoding="ascii") as f:
        for line in f:
            parts = line.rstrip("\n").split(" ")
            kw = parts[0]
            if kw == "valid-after":
                snap["va"] = tor_time(" ".join(parts[1:3]))
            elif kw == "valid-until":
                snap["vu"] = tor_time(" ".join(parts[1:3]))
            elif kw == "r":
                ip, orport, dirport = parts[-3], int(parts[-2]), int(parts[-1])
                cur = {"nick": parts[1], "flags": set()}
                snap["relays"].setdefault(ip, []).append((cur, orport, dirport))
            elif kw == "a" and cur is not None:
                host, _, port = parts[1].rpartition(":")
                snap["relays"].setdefault(host.strip("[]"), []).append((cur, int(port), 0))
            elif kw == "s" and cur is not None:
                cur["flags"] = set(parts[1:])
            elif kw == "directory-footer":
                break
    return snap


def load_snapshots(path: str) -> list[dict]:
    files = [os.path.join(path, n) for n in sorted(os.listdir(path))] if os.path.isdir(path) else [path]
    return sorted((parse_consensus(f) for f in files), key=lambda s: s["va"])


def in_force(snaps: list[dict], t: float) -> dict | None:
    best = None
    for s in snaps:
        if s["va"] <= t:
            best = s
    if best is None:
        return snaps[0] if snaps and snaps[0]["va"] - t <= EARLY_S else None
    return best if t <= best["vu"] + GRACE_S else None


def lookup(snap: dict | None, ip: str, port: int) -> dict | None:
    if snap is None or ip not in snap["relays"]:
        return None
    entries = snap["relays"][ip]
    flags = set().union(*(e[0]["flags"] for e in entries))
    pm = "none"
    for _, orport, dirport in entries:
        if port == orport:
            pm = "orport"
            break
        if port == dirport and dirport:
            pm = "dirport"
    return {"flags": flags, "port_match": pm}


def home(ip: str) -> bool:
    return ea.in_any(ip, HOME)


def expected(path: str, args: list[str]) -> list[dict]:
    relays = args[args.index("--relays") + 1]
    rules = set(args[args.index("--rules") + 1].split(",")) if "--rules" in args else {"tor-relay", "tor-exit", "tor-port-private"}
    snaps = load_snapshots(os.path.join(ea.PCAPS, relays))
    digits = ea.precision_digits(path)
    flows, _ = ea.flows_of(path)
    out = []
    for flow in flows.values():
        src, dst = (flow.syn_src, flow.syn_dst) if flow.syn_src else ea.expected_app.initiator(flow.first_src, flow.first_dst)
        t = float(flow.first_time)
        snap = in_force(snaps, t)
        a, b = lookup(snap, src[0], src[1]), lookup(snap, dst[0], dst[1])
        a_home, b_home = home(src[0]), home(dst[0])
        base = {
            "source.ip": src[0], "source.port": src[1], "destination.ip": dst[0], "destination.port": dst[1],
            "network.transport": "tcp", "network.community_id": flow.community_id,
            "@timestamp": ea.iso_time(flow.first_time, digits),
        }
        if "tor-relay" in rules:
            case = None
            if b_home and b:
                case, m = "internal_relay", b
            elif a_home and a:
                case, m = "internal_relay", a
            elif not b_home and b:
                case, m = "client_to_relay", b
            elif not a_home and a:
                case, m = ("relay_to_internal" if b_home else "relay_to_host"), a
            if case:
                out.append({"rule.id": "tor-relay", **base, "torwatch.confidence": "high" if m["port_match"] != "none" else "medium",
                            "labels.tor_relay_case": case, "labels.tor_port_match": m["port_match"]})
        if "tor-exit" in rules:
            kind = None
            if not b_home and b and ({"Exit", "BadExit"} & b["flags"]):
                kind, risk = "to_exit", "MEDIUM"
            elif not a_home and a and ({"Exit", "BadExit"} & a["flags"]):
                kind, risk = "from_exit", "LOW"
            if kind:
                out.append({"rule.id": "tor-exit", **base, "torwatch.confidence": "high", "labels.tor_exit_flow": kind, "labels.risk_level": risk})
        if "tor-port-private" in rules and dst[1] in ea.PORTS and ea.in_any(src[0], ea.SOURCE_NETS) and not ea.in_any(dst[0], ea.EXCLUDED_DEST):
            out.append({"rule.id": "tor-port-private", **base})
    out.sort(key=lambda x: (str(x["@timestamp"]), str(x["rule.id"])))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("files", nargs="*")
    o = ap.parse_args()
    files = o.files or [os.path.join(ea.PCAPS, n[: -len(".args")]) for n in sorted(os.listdir(ea.EXPECTED)) if n.endswith(".args")]
    status = 0
    for path in files:
        args = json.load(open(os.path.join(ea.EXPECTED, os.path.basename(path) + ".args"), encoding="utf-8"))
        alerts = expected(path, args)
        counts = {r: sum(1 for a in alerts if a["rule.id"] == r) for r in sorted({a["rule.id"] for a in alerts})}
        status |= ea.write_or_check(path, alerts, str(counts), o.check)
    return status


if __name__ == "__main__":
    sys.exit(main())
