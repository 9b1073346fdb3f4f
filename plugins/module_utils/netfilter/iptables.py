# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""iptables: parse ``iptables-save``/``ip6tables-save`` and evaluate ICMP echo against them.

See the package docstring (``firewall/__init__.py``) for the structures returned.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import re
import shlex

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.common import (
    MAYBE, NO, YES, PATH_HOOKS, addr_in, evaluate_entries, icmp_type_number, ifname_match,
    parse_net, rule_ref, trace_entry, tri_and, tri_bool, tri_not,
)

# table -> (priority, {chain: hook})
TABLE_HOOKS = {
    "raw": (-300, {"PREROUTING": "prerouting", "OUTPUT": "output"}),
    "mangle": (-150, {"PREROUTING": "prerouting", "INPUT": "input", "FORWARD": "forward",
                      "OUTPUT": "output", "POSTROUTING": "postrouting"}),
    "filter": (0, {"INPUT": "input", "FORWARD": "forward", "OUTPUT": "output"}),
    "security": (50, {"INPUT": "input", "FORWARD": "forward", "OUTPUT": "output"}),
}
MAX_DEPTH = 32
PROTO_NUMBERS = {"icmp": 1, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "icmpv6": 58, "sctp": 132,
                 "udplite": 136, "dccp": 33, "esp": 50, "ah": 51, "gre": 47, "igmp": 2,
                 "mh": 135, "ipv6-mh": 135}
L4_MODULES = ("tcp", "udp", "multiport", "sctp", "dccp", "udplite")
NON_TERMINAL_TARGETS = ("LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE",
                        "CLASSIFY", "TCPMSS", "DSCP", "TOS", "TTL", "HL", "SET", "CHECKSUM",
                        "AUDIT", "CONNSECMARK", "SECMARK", "IDLETIMER", "LED", "RATEEST")
NAT_TARGETS = ("DNAT", "SNAT", "MASQUERADE", "REDIRECT", "NETMAP")
LIKELY_MODULES = ("limit",)


# --------------------------------------------------------------------------- parsing

def _take_args(tokens, i):
    """Arguments of the option at tokens[i]: following tokens not starting with '-' or '!'."""
    args = []
    j = i + 1
    while j < len(tokens) and not (tokens[j].startswith("-") and len(tokens[j]) > 1) \
            and tokens[j] != "!":
        args.append(tokens[j])
        j += 1
    return args, j


def parse_rule(tokens):
    """Tokens after ``-A CHAIN`` -> {matches, target, target_args, goto, comment}."""
    rule = {"matches": [], "target": None, "target_args": [], "goto": False, "comment": None}
    module = None
    negate = False
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok == "!":
            negate = True
            i += 1
            continue
        if tok in ("-j", "--jump", "-g", "--goto"):
            rule["target"] = tokens[i + 1] if i + 1 < len(tokens) else None
            rule["goto"] = tok in ("-g", "--goto")
            rule["target_args"] = tokens[i + 2:]
            break
        if tok in ("-m", "--match"):
            module = tokens[i + 1] if i + 1 < len(tokens) else None
            rule["matches"].append({"type": "module", "module": module, "neg": False})
            i += 2
            continue
        if tok in ("-c", "--set-counters"):
            i += 3
            continue
        if tok.startswith("[") and tok.endswith("]"):
            i += 1
            continue
        args, nxt = _take_args(tokens, i)
        value = args[0] if args else None
        simple = {"-p": "proto", "--protocol": "proto", "-s": "src", "--source": "src",
                  "-d": "dst", "--destination": "dst", "-i": "iif", "--in-interface": "iif",
                  "-o": "oif", "--out-interface": "oif"}
        count = len(rule["matches"])
        if tok in simple:
            rule["matches"].append({"type": simple[tok], "value": value, "neg": negate})
            count += 1   # not a module option
        elif tok in ("-f", "--fragment"):
            rule["matches"].append({"type": "fragment", "value": None, "neg": negate})
        elif tok in ("--icmp-type", "--icmpv6-type"):
            rule["matches"].append({"type": "icmp_type", "value": value, "neg": negate,
                                    "family": "ipv6" if tok == "--icmpv6-type" else "ipv4"})
        elif tok in ("--ctstate", "--state"):
            rule["matches"].append({"type": "ctstate", "value": value, "neg": negate})
        elif tok == "--comment":
            rule["comment"] = value
        elif tok in ("--dst-type", "--src-type") and module == "addrtype":
            rule["matches"].append({"type": "addrtype", "which": tok[2:5], "value": value,
                                    "neg": negate})
        elif tok in ("--src-range", "--dst-range") and module == "iprange":
            rule["matches"].append({"type": "iprange", "which": tok[2:5], "value": value,
                                    "neg": negate})
        elif tok == "--pkt-type" and module == "pkttype":
            rule["matches"].append({"type": "pkttype", "value": value, "neg": negate})
        elif tok == "--invert" and module == "rpfilter":
            rule["matches"].append({"type": "rpfilter_invert", "neg": negate})
        elif module in ("limit",) or (module == "hashlimit" and "upto" in tok):
            rule["matches"].append({"type": "limit", "module": module, "option": tok,
                                    "value": value, "neg": negate})
        elif module in ("rpfilter", "comment"):
            pass
        elif module in L4_MODULES or tok in ("--dport", "--sport", "--syn", "--tcp-flags"):
            rule["matches"].append({"type": "l4", "module": module, "option": tok,
                                    "value": value, "neg": negate})
        else:
            rule["matches"].append({"type": "unknown", "module": module, "option": tok,
                                    "value": " ".join(args) or None, "neg": negate})
        for m in rule["matches"][count:]:
            m.setdefault("module", module)
        negate = False
        i = nxt
    # a module given with no option we understand is an unknown match
    seen_modules = set(m.get("module") for m in rule["matches"] if m["type"] != "module")
    seen_modules.add(None)
    for m in rule["matches"]:
        if m["type"] == "module" and m["module"] not in seen_modules and m["module"] not in (
                "icmp", "icmp6", "comment", "conntrack", "state", "rpfilter"):
            m["type"] = "unknown"
    rule["matches"] = [m for m in rule["matches"] if m["type"] != "module"]
    return rule


def parse_iptables_save(text, family, variant):
    """Parse iptables-save / ip6tables-save output (see package docs for the structure).

    ``family`` is "ipv4" or "ipv6"; ``variant`` "legacy" or "nft"."""
    tables = {}
    current = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"^\[\d+:\d+\]\s+", "", raw.strip())   # iptables-save -c
        if not line or line.startswith("#"):
            continue
        if line.startswith("*"):
            name = line[1:].strip()
            current = tables.setdefault(name, {"name": name, "family": family,
                                               "variant": variant, "chains": {}})
        elif line == "COMMIT":
            current = None
        elif current is None:
            raise DoctorError("iptables-save line %d outside a table: %s" % (lineno, line))
        elif line.startswith(":"):
            parts = line[1:].split()
            policy = parts[1] if len(parts) > 1 and parts[1] != "-" else None
            current["chains"].setdefault(parts[0], {"name": parts[0], "policy": policy,
                                                    "rules": []})["policy"] = policy
        elif line.startswith("-A "):
            try:
                tokens = shlex.split(line)
            except ValueError as exc:
                raise DoctorError("iptables-save line %d: %s" % (lineno, exc))
            chain = current["chains"].setdefault(tokens[1], {"name": tokens[1], "policy": None,
                                                             "rules": []})
            rule = parse_rule(tokens[2:])
            rule["rule_number"] = len(chain["rules"]) + 1
            rule["text"] = line.split(None, 2)[2] if len(line.split(None, 2)) > 2 else ""
            chain["rules"].append(rule)
    return tables


# --------------------------------------------------------------------------- matching

def _proto_num(value):
    text = str(value).lower()
    if text.isdigit():
        return int(text)
    return PROTO_NUMBERS.get(text)


def _addrtype(packet, which, value):
    """Address type of the packet's src/dst for ``-m addrtype``. Queries are about unicast
    host addresses: the destination is LOCAL on input, the source is LOCAL on output."""
    addr = packet.dst if which == "dst" else packet.src
    types = set(t.strip().upper() for t in (value or "").split(","))
    if addr is not None and addr.is_multicast:
        actual = "MULTICAST"
    elif addr is not None and addr.version == 4 and str(addr) == "255.255.255.255":
        actual = "BROADCAST"
    elif addr is not None and addr.is_loopback:
        actual = "LOCAL"
    elif which == "dst":
        actual = {"input": "LOCAL", "forward": "UNICAST", "output": "UNICAST"}.get(packet.path)
    else:
        actual = {"input": "UNICAST", "forward": "UNICAST", "output": "LOCAL"}.get(packet.path)
    if actual is None:
        return MAYBE
    return tri_bool(actual in types)


def match_one(m, packet):
    kind = m["type"]
    if kind == "proto":
        text = str(m["value"]).lower()
        if text in ("all", "0"):
            res = YES
        else:
            num = _proto_num(text)
            res = MAYBE if num is None else tri_bool(num == packet.l4proto_num)
    elif kind in ("src", "dst"):
        nets = [parse_net(v) for v in str(m["value"]).split(",")]
        res = addr_in(packet, kind, nets)
    elif kind in ("iif", "oif"):
        res = ifname_match(m["value"], packet.iif if kind == "iif" else packet.oif)
    elif kind == "fragment":
        res = NO
    elif kind == "icmp_type":
        if m["family"] != packet.family:
            return NO
        text = str(m["value"]).lower()
        if text == "any":
            res = YES
        else:
            code = None
            if "/" in text:
                text, code = text.split("/", 1)
            num = icmp_type_number(packet.family, text)
            if num is None:
                res = MAYBE
            else:
                res = tri_bool(num == packet.icmp_type and (
                    code is None or not code.isdigit() or int(code) == packet.icmp_code))
    elif kind == "ctstate":
        states = [s.strip().upper() for s in str(m["value"]).split(",")]
        if packet.ct_state.upper() in states:
            res = YES
        elif "SNAT" in states or "DNAT" in states:
            res = MAYBE
        else:
            res = NO
    elif kind == "addrtype":
        res = _addrtype(packet, m["which"], m["value"])
    elif kind == "iprange":
        try:
            low, high = [ipaddress.ip_address(v) for v in str(m["value"]).split("-", 1)]
        except ValueError:
            return MAYBE
        addr = packet.src if m["which"] == "src" else packet.dst
        if addr is None:
            res = MAYBE
        else:
            res = tri_bool(addr.version == low.version and low <= addr <= high)
    elif kind == "pkttype":
        res = tri_bool(str(m["value"]).lower() in ("unicast", "host"))
    elif kind == "rpfilter_invert":
        return NO   # assume the reverse path is fine (rp_filter is reported elsewhere)
    elif kind == "l4":
        return NO   # a tcp/udp/sctp match never matches an ICMP packet
    else:
        return MAYBE
    return tri_not(res) if m.get("neg") else res


def match_rule(rule, packet):
    """-> (YES/NO/MAYBE, likely)."""
    results = []
    likely = True
    for m in rule["matches"]:
        res = match_one(m, packet)
        if res == NO:
            return NO, False
        if res == MAYBE and m["type"] != "limit":
            likely = False   # rate limits probably let one ping through; others unknown
        results.append(res)
    return tri_and(results), likely


# --------------------------------------------------------------------------- evaluation

def _backend_for(chain_name):
    if chain_name.startswith("ufw-") or chain_name.startswith("ufw6-"):
        return "ufw"
    return "iptables"


def _ref(table, chain, rule):
    return rule_ref(_backend_for(chain["name"]), table["family"], table["name"], chain["name"],
                    rule_number=rule["rule_number"], variant=table["variant"],
                    text=rule["text"], comment=rule.get("comment"))


def _target_kind(table, rule):
    target = rule["target"]
    if target is None:
        return None
    if target in ("ACCEPT", "DROP", "REJECT", "RETURN"):
        return target.lower()
    if target in ("QUEUE", "NFQUEUE"):
        return "queue"
    if target in NAT_TARGETS:
        return "accept"
    if target in table["chains"]:
        return "goto" if rule["goto"] else "jump"
    if target in NON_TERMINAL_TARGETS:
        return None
    return "unknown"


def _label(kind, rule):
    if kind in ("jump", "goto"):
        return "%s %s" % (kind, rule["target"])
    return kind or "continue"


def _run_chain(ctx, packet, table, chain, depth):
    if depth > MAX_DEPTH:
        ctx.maybe_seen = True
        return None, None
    for rule in chain["rules"]:
        match, likely = match_rule(rule, packet)
        if match == NO:
            continue
        kind = _target_kind(table, rule)
        ref = _ref(table, chain, rule)
        if match == MAYBE and kind is None:   # maybe-rule that only logs/marks: no branch
            ctx.trace.append(trace_entry(ref, packet.hook, MAYBE, _label(kind, rule)))
            continue
        if not ctx.decide(match, likely):
            ctx.trace.append(trace_entry(ref, packet.hook, MAYBE, _label(kind, rule)))
            continue
        ctx.trace.append(trace_entry(ref, packet.hook, match, _label(kind, rule)))
        if kind is None:
            continue
        if kind in ("accept", "drop", "reject", "queue"):
            return kind, ref
        if kind == "return":
            return "return", None
        if kind in ("jump", "goto"):
            result, sref = _run_chain(ctx, packet, table, table["chains"][rule["target"]],
                                      depth + 1)
            if result in ("accept", "drop", "reject", "queue"):
                return result, sref
            if kind == "goto":
                return "return", None
            continue
        ctx.maybe_seen = True   # unknown target: it may do anything
    return None, None


def _base_runner(table, chain):
    def run(ctx, packet):
        result, ref = _run_chain(ctx, packet, table, chain, 0)
        if result in ("accept", "drop", "reject", "queue"):
            return result, ref
        policy = (chain.get("policy") or "ACCEPT")
        pref = rule_ref(_backend_for(chain["name"]), table["family"], table["name"],
                        chain["name"], variant=table["variant"], policy=True,
                        text="-P %s %s" % (chain["name"], policy))
        ctx.trace.append(trace_entry(pref, packet.hook, YES, policy.lower()))
        return policy.lower(), pref
    return run


def iptables_entries(tables_list, query):
    """Base-chain entries (for common.walk_base_chains) for a list of parsed dumps."""
    family = query.get("family") or "ipv4"
    hooks = PATH_HOOKS.get(query.get("hook") or "input", ())
    entries = []
    order = 0
    for tables in tables_list:
        for name, (prio, chain_hooks) in TABLE_HOOKS.items():
            table = tables.get(name)
            if table is None or table["family"] != family:
                continue
            for chain_name, hook in chain_hooks.items():
                chain = table["chains"].get(chain_name)
                if chain is None or hook not in hooks:
                    continue
                order += 1
                entries.append({"hook": hook, "prio": prio, "order": 1000 + order,
                                "run": _base_runner(table, chain)})
    return entries


def evaluate_iptables(tables, packet):
    """Evaluate one packet (query dict) against parsed iptables dump(s) -> evaluation dict.
    ``tables`` is one parse_iptables_save() result or a list of them."""
    tables_list = tables if isinstance(tables, list) else [tables]
    return evaluate_entries(iptables_entries(tables_list, packet), packet)


def iptables_conntrack_families(tables_list):
    """Families whose iptables rules use conntrack (state/conntrack matches, CT/NOTRACK,
    nat targets, or a loaded nat table)."""
    found = set()
    for tables in tables_list:
        for table in tables.values():
            if table["name"] == "nat":
                found.add(table["family"])
            for chain in table["chains"].values():
                for rule in chain["rules"]:
                    if rule["target"] in ("CT", "NOTRACK") + NAT_TARGETS or any(
                            m["type"] == "ctstate" for m in rule["matches"]):
                        found.add(table["family"])
    return found
