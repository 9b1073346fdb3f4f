"""Helpers for the firewall unit tests: load the captured real dumps by scenario name."""
import os

from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.iptables import (
    parse_iptables_save,
)
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import parse_nft_ruleset

FIXTURES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "firewall")
CAPTURED = os.path.join(FIXTURES, "captured")
RECORDED = os.path.join(FIXTURES, "recorded")

A4, B4, A6, B6 = "10.99.1.1", "10.99.2.1", "fd99:1::1", "fd99:2::1"


def read(name, folder=CAPTURED):
    with open(os.path.join(folder, name)) as f:
        return f.read()


if not os.path.isdir(CAPTURED):
    raise RuntimeError("fixtures not found at %s" % CAPTURED)


def exists(name):
    return os.path.exists(os.path.join(CAPTURED, name))


def sources_for(scenario):
    """{"nft", "nft_skip", "iptables"} built from a scenario's captured dumps."""
    src = {"nft": None, "nft_skip": [], "iptables": []}
    if exists(scenario + ".nft.json"):
        src["nft"] = parse_nft_ruleset(read(scenario + ".nft.json"))
    for family, tool in (("ipv4", "iptables"), ("ipv6", "ip6tables")):
        for variant in ("nft", "legacy"):
            name = "%s.%s-%s-save.txt" % (scenario, tool, variant)
            if exists(name):
                tables = parse_iptables_save(read(name), family, variant)
                src["iptables"].append(tables)
                if variant == "nft":
                    src["nft_skip"] += [("ip" if family == "ipv4" else "ip6", t) for t in tables]
    return src


def query(family, hook, icmp_type, node="b"):
    """The query for one leg of a ping between A and B as seen on B (or on R for forward)."""
    a, b = (A4, B4) if family == "ipv4" else (A6, B6)
    if hook == "forward":
        if icmp_type == "echo-request":   # A pings B
            return {"family": family, "hook": hook, "icmp_type": icmp_type, "src": a,
                    "dst": b, "iif": "ra", "oif": "rb"}
        return {"family": family, "hook": hook, "icmp_type": icmp_type, "src": b, "dst": a,
                "iif": "rb", "oif": "ra"}
    if hook == "input":
        return {"family": family, "hook": hook, "icmp_type": icmp_type, "src": a, "dst": b,
                "iif": "b0", "oif": None}
    return {"family": family, "hook": hook, "icmp_type": icmp_type, "src": b, "dst": a,
            "iif": None, "oif": "b0"}
