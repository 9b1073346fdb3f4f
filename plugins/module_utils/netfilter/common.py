# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the firewall evaluators: three-valued matching, the packet model,
the "maybe" oracle that lets callers explore both outcomes of an uncertain match, and the
walker that runs base chains of every backend in netfilter priority order."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress

YES = "yes"
NO = "no"
MAYBE = "maybe"

# Hooks a packet crosses for each path, in order.
PATH_HOOKS = {
    "input": ("ingress", "prerouting", "input"),
    "output": ("output", "postrouting"),
    "forward": ("ingress", "prerouting", "forward", "postrouting"),
}
CONNTRACK_PRIO = -200

ICMP_TYPES = {
    "echo-reply": 0, "destination-unreachable": 3, "source-quench": 4, "redirect": 5,
    "echo-request": 8, "router-advertisement": 9, "router-solicitation": 10,
    "time-exceeded": 11, "parameter-problem": 12, "timestamp-request": 13,
    "timestamp-reply": 14, "info-request": 15, "info-reply": 16,
    "address-mask-request": 17, "address-mask-reply": 18,
    # iptables aliases
    "any": None, "ping": 8, "pong": 0, "network-unreachable": (3, 0),
}
ICMPV6_TYPES = {
    "destination-unreachable": 1, "packet-too-big": 2, "time-exceeded": 3,
    "parameter-problem": 4, "echo-request": 128, "echo-reply": 129,
    "mld-listener-query": 130, "mld-listener-report": 131, "mld-listener-done": 132,
    "mld-listener-reduction": 132, "nd-router-solicit": 133, "nd-router-advert": 134,
    "nd-neighbor-solicit": 135, "nd-neighbor-advert": 136, "nd-redirect": 137,
    "router-renumbering": 138, "ind-neighbor-solicit": 141, "ind-neighbor-advert": 142,
    "mld2-listener-report": 143,
    # ip6tables aliases
    "router-solicitation": 133, "router-advertisement": 134, "neighbour-solicitation": 135,
    "neighbor-solicitation": 135, "neighbour-advertisement": 136,
    "neighbor-advertisement": 136, "ping": 128, "pong": 129,
}


def tri_and(values):
    """AND of three-valued results."""
    result = YES
    for value in values:
        if value == NO:
            return NO
        if value == MAYBE:
            result = MAYBE
    return result


def tri_not(value):
    if value == YES:
        return NO
    if value == NO:
        return YES
    return MAYBE


def tri_bool(flag):
    return YES if flag else NO


def icmp_type_number(family, name):
    """echo-request/echo-reply (or any known name, or a number) -> ICMP type number or None."""
    if isinstance(name, int):
        return name
    if name is None:
        return None
    text = str(name).strip().lower()
    if text.isdigit():
        return int(text)
    table = ICMPV6_TYPES if family == "ipv6" else ICMP_TYPES
    value = table.get(text)
    if isinstance(value, tuple):
        return value[0]
    return value


def parse_ip(value):
    """Address string -> ipaddress object, or None."""
    if value is None:
        return None
    try:
        return ipaddress.ip_address(str(value).split("%", maxsplit=1)[0])
    except ValueError:
        return None


def parse_net(value):
    """'10.0.0.0/8', '10.0.0.1', '10.0.0.0/255.0.0.0' -> ip_network or None."""
    try:
        return ipaddress.ip_network(str(value), strict=False)
    except ValueError:
        return None


def ifname_match(pattern, name):
    """Interface name match with nft ('*') / iptables ('+') wildcard; name None = unknown."""
    if name is None:
        return MAYBE
    pattern = str(pattern)
    if pattern.endswith("*") or pattern.endswith("+"):
        return tri_bool(name.startswith(pattern[:-1]))
    return tri_bool(name == pattern)


class Packet(object):
    """The packet as one hook sees it.

    ``iif``/``oif``: interface name, "" when the hook has no such device (e.g. oif in input),
    None when the device exists but is unknown.
    """

    def __init__(self, query, hook, prio):
        self.query = query
        self.family = query.get("family") or "ipv4"
        self.path = query.get("hook") or "input"
        self.hook = hook
        self.prio = prio
        self.icmp_type_name = query.get("icmp_type") or "echo-request"
        self.icmp_type = icmp_type_number(self.family, self.icmp_type_name)
        self.icmp_code = 0
        self.l4proto = "ipv6-icmp" if self.family == "ipv6" else "icmp"
        self.l4proto_num = 58 if self.family == "ipv6" else 1
        self.src = parse_ip(query.get("src"))
        self.dst = parse_ip(query.get("dst"))
        self.src_unknown = query.get("src") is None
        self.dst_unknown = query.get("dst") is None
        has_in = hook in ("ingress", "prerouting", "input", "forward")
        has_out = hook in ("output", "forward", "postrouting")
        self.iif = query.get("iif") if has_in else ""
        self.oif = query.get("oif") if has_out else ""
        self.is_reply = self.icmp_type_name == "echo-reply"
        early = hook in ("prerouting", "output") and prio is not None and prio < CONNTRACK_PRIO
        if hook == "ingress" or early:
            self.ct_state = "invalid"
        else:
            self.ct_state = "established" if self.is_reply else "new"
        self.ct_direction = "reply" if self.is_reply else "original"

    def addr(self, which):
        """'src'/'dst' -> (ip or None, unknown flag)."""
        if which == "src":
            return self.src, self.src_unknown
        return self.dst, self.dst_unknown


def addr_in(packet, which, nets):
    """Three-valued: is the packet's src/dst inside any of ``nets`` (ip_network objects)?"""
    addr = packet.addr(which)[0]
    if addr is None:
        return MAYBE
    for net in nets:
        if net is None:
            return MAYBE
        if net.version == addr.version and addr in net:
            return YES
    return NO


class Oracle(object):
    """Decides "maybe" matches. ``forced`` is a prefix of decisions to replay; after it the
    default (primary) guess is taken. ``taken`` records every decision with its default."""

    def __init__(self, forced=()):
        self.forced = list(forced)
        self.taken = []

    def choose(self, default):
        index = len(self.taken)
        value = self.forced[index] if index < len(self.forced) else default
        self.taken.append((value, default))
        return value


def explore(run_once, limit=64):
    """Run ``run_once(oracle) -> result`` over the decision tree of maybe matches.

    Returns (primary_result, all_results). The primary result takes every default guess.
    At most ``limit`` runs; beyond that the exploration stops (and the caller should treat
    the answer as uncertain when maybes were seen).
    """
    primary = None
    results = []
    stack = [()]
    truncated = False
    while stack:
        if len(results) >= limit:
            truncated = True
            break
        forced = stack.pop()
        oracle = Oracle(forced)
        result = run_once(oracle)
        if primary is None:
            primary = result
        results.append(result)
        decisions = [value for value, _default in oracle.taken]
        for index in range(len(forced), len(decisions)):
            stack.append(tuple(decisions[:index]) + (not decisions[index],))
    return primary, results, truncated


def rule_ref(backend, family, table, chain, handle=None, rule_number=None, variant=None,
             policy=False, text=None, comment=None):
    """The schema's deciding_rule shape."""
    return {
        "backend": backend, "family": family, "table": table, "chain": chain,
        "handle": handle, "rule_number": rule_number, "variant": variant,
        "policy": policy, "text": text, "comment": comment,
    }


def trace_entry(ref, hook, match, verdict):
    entry = dict(ref)
    entry.update({"hook": hook, "match": match, "verdict": verdict})
    return entry


class Context(object):
    """State of one evaluation run: the oracle and the trace."""

    def __init__(self, query, oracle):
        self.query = query
        self.oracle = oracle
        self.trace = []
        self.maybe_seen = False

    def decide(self, value, likely=False):
        """YES/NO/MAYBE -> bool; MAYBE asks the oracle (default: ``likely``)."""
        if value == YES:
            return True
        if value == NO:
            return False
        self.maybe_seen = True
        return self.oracle.choose(likely)


def walk_base_chains(entries, query, oracle):
    """Run base chains in order. ``entries`` are dicts {hook, prio, order, run} where
    ``run(ctx, packet)`` returns (verdict, ref) with verdict accept|drop|reject|queue|None
    (None: the chain did not apply). Returns (verdict, deciding_ref, ctx)."""
    ctx = Context(query, oracle)
    hooks = PATH_HOOKS.get(query.get("hook") or "input", ())
    ordered = sorted(entries, key=lambda e: (hooks.index(e["hook"]), e["prio"], e["order"]))
    accepts = []
    for entry in ordered:
        packet = Packet(query, entry["hook"], entry["prio"])
        verdict, ref = entry["run"](ctx, packet)
        if verdict is None:
            continue
        if verdict in ("drop", "reject", "queue"):
            return verdict, ref, ctx
        accepts.append(ref)
    explicit = [ref for ref in accepts if not ref.get("policy")]
    if explicit:
        return "accept", explicit[-1], ctx
    if accepts:
        return "accept", accepts[-1], ctx
    return "accept", rule_ref("policy", None, None, None, policy=True,
                              text="no firewall chain on this path"), ctx


QUERY_KEYS = ("family", "hook", "icmp_type", "src", "dst", "iif", "oif")


def evaluate_entries(entries, query, limit=64):
    """Explore every outcome of the maybe matches over ``entries`` -> evaluation dict.

    The reported verdict, deciding rule and trace follow the primary guesses (maybe = no
    match, except rate limits); ``certain`` is True only when every explored outcome gives
    the same verdict (and the exploration was complete)."""
    if not entries:
        result = dict((k, query.get(k)) for k in QUERY_KEYS)
        result.update({"verdict": None, "certain": True, "deciding_rule": None, "trace": []})
        return result

    def run_once(oracle):
        return walk_base_chains(entries, query, oracle)

    primary, results, truncated = explore(run_once, limit)
    verdict, ref, ctx = primary
    verdicts = set(r[0] for r in results)
    certain = len(verdicts) == 1 and not truncated and verdict != "queue"
    certain = certain and not any(r[2].maybe_seen and r[0] == "queue" for r in results)
    result = dict((k, query.get(k)) for k in QUERY_KEYS)
    result.update({
        "verdict": "drop" if verdict == "queue" else verdict,
        "certain": certain,
        "deciding_rule": ref,
        "trace": ctx.trace,
    })
    if not certain:
        result["alternatives"] = sorted(v for v in verdicts if v != verdict)
    return result
