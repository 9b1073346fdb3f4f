# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""nftables: parse ``nft -j list ruleset`` and evaluate ICMP echo against its base chains.

See the package docstring (``firewall/__init__.py``) for the structures returned.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import ipaddress
import json

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.common import (
    MAYBE, NO, YES, PATH_HOOKS, evaluate_entries, icmp_type_number, ifname_match, rule_ref,
    trace_entry, tri_and, tri_bool, tri_not,
)

UNKNOWN = object()
NOT_APPLICABLE = object()   # an implied dependency (e.g. "tcp" for "tcp dport") fails
MAX_DEPTH = 32
PROTO_NUMBERS = {"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "ipv6-icmp": 58, "icmpv6": 58,
                 "gre": 47, "esp": 50, "ah": 51, "sctp": 132, "udplite": 136, "dccp": 33}
TERMINAL = ("accept", "drop", "reject", "queue")
L3_FAMILIES = {"ipv4": ("ip", "inet", "netdev"), "ipv6": ("ip6", "inet", "netdev")}
NON_TERMINAL_STMTS = ("counter", "log", "mangle", "notrack", "set", "ct helper", "ct timeout",
                      "ct expectation", "meta", "dup", "synproxy", "flow", "quota_", "secmark",
                      "tproxy", "last")
NAT_STMTS = ("snat", "dnat", "masquerade", "redirect")
XT_NON_TERMINAL = ("LOG", "NFLOG", "MARK", "CONNMARK", "CT", "NOTRACK", "TRACE", "CLASSIFY",
                   "TCPMSS", "DSCP", "TOS", "TTL", "HL", "SET", "CHECKSUM", "AUDIT", "ULOG")


def ckey(family, table, name):
    return "%s %s %s" % (family, table, name)


# --------------------------------------------------------------------------- parsing

def parse_nft_ruleset(json_text):
    """Parse ``nft -j list ruleset`` output into {tables, chains, sets} (see package docs)."""
    try:
        data = json.loads(json_text) if json_text.strip() else {"nftables": []}
    except ValueError as exc:
        raise DoctorError("nft -j list ruleset: invalid JSON: %s" % exc)
    items = data.get("nftables", []) if isinstance(data, dict) else []
    ruleset = {"tables": [], "chains": {}, "sets": {}}
    for item in items:
        if not isinstance(item, dict):
            continue
        if "table" in item:
            t = item["table"]
            ruleset["tables"].append({"family": t.get("family"), "name": t.get("name"),
                                      "handle": t.get("handle")})
        elif "chain" in item:
            c = item["chain"]
            ruleset["chains"][ckey(c.get("family"), c.get("table"), c.get("name"))] = {
                "family": c.get("family"), "table": c.get("table"), "name": c.get("name"),
                "handle": c.get("handle"), "type": c.get("type"), "hook": c.get("hook"),
                "prio": c.get("prio"), "policy": c.get("policy"),
                "dev": c.get("dev"), "base": c.get("hook") is not None, "rules": [],
            }
        elif "set" in item or "map" in item:
            s = item.get("set") or item.get("map")
            elems = s.get("elem", [])
            ruleset["sets"][ckey(s.get("family"), s.get("table"), s.get("name"))] = {
                "family": s.get("family"), "table": s.get("table"), "name": s.get("name"),
                "type": s.get("type"), "flags": s.get("flags", []), "map": s.get("map"),
                "elements": elems if isinstance(elems, list) else [elems],
            }
        elif "rule" in item:
            r = item["rule"]
            key = ckey(r.get("family"), r.get("table"), r.get("chain"))
            chain = ruleset["chains"].get(key)
            if chain is None:   # rule listed before its chain: keep it anyway
                chain = ruleset["chains"].setdefault(key, {
                    "family": r.get("family"), "table": r.get("table"), "name": r.get("chain"),
                    "handle": None, "type": None, "hook": None, "prio": None, "policy": None,
                    "dev": None, "base": False, "rules": []})
            expr = r.get("expr", [])
            chain["rules"].append({
                "family": r.get("family"), "table": r.get("table"), "chain": r.get("chain"),
                "handle": r.get("handle"), "expr": expr, "text": rule_text(expr),
                "comment": r.get("comment"),
            })
    return ruleset


# --------------------------------------------------------------------------- text

def _val_text(value):
    if isinstance(value, dict):
        if "set" in value:
            return "{ %s }" % ", ".join(_val_text(v) for v in value["set"])
        if "prefix" in value:
            return "%s/%s" % (_val_text(value["prefix"].get("addr")), value["prefix"].get("len"))
        if "range" in value:
            return "%s-%s" % tuple(_val_text(v) for v in value["range"][:2])
        if "elem" in value:
            return _val_text(value["elem"].get("val"))
        if "concat" in value:
            return " . ".join(_val_text(v) for v in value["concat"])
        if "payload" in value:
            p = value["payload"]
            if "protocol" in p:
                return "%s %s" % (p["protocol"], p.get("field"))
            return "@%s,%s,%s" % (p.get("base"), p.get("offset"), p.get("len"))
        if "meta" in value:
            key = value["meta"].get("key")
            return key if key in ("iifname", "oifname", "iif", "oif", "mark") else "meta " + key
        if "ct" in value:
            return "ct %s" % value["ct"].get("key")
        if "fib" in value:
            f = value["fib"]
            return "fib %s %s" % (" . ".join(f.get("flags", [])), f.get("result"))
        if "&" in value:
            return "%s & %s" % tuple(_val_text(v) for v in value["&"][:2])
        if len(value) == 1:
            k = list(value)[0]
            if value[k] is None:
                return k
            if k in ("jump", "goto"):
                return "%s %s" % (k, value[k].get("target"))
        return json.dumps(value, sort_keys=True)
    if isinstance(value, list):
        return ",".join(_val_text(v) for v in value)
    if isinstance(value, bool):
        return "exists" if value else "missing"
    if isinstance(value, str) and not value.startswith("@") and (" " in value or value == ""):
        return '"%s"' % value
    return str(value)


def stmt_text(stmt):
    key = list(stmt)[0]
    val = stmt[key]
    if key == "match":
        op = val.get("op")
        left = _val_text(val.get("left"))
        right = _val_text(val.get("right"))
        if left in ("iifname", "oifname") and isinstance(val.get("right"), str):
            right = '"%s"' % val["right"]
        if op in ("==", "in"):
            return "%s %s" % (left, right)
        return "%s %s %s" % (left, op, right)
    if val is None:
        return key
    if key in ("jump", "goto"):
        return "%s %s" % (key, val.get("target"))
    if key == "counter":
        return "counter"
    if key == "log":
        return 'log prefix "%s"' % val["prefix"] if "prefix" in val else "log"
    if key == "reject":
        if val.get("expr"):
            return "reject with %s %s" % (val.get("type", "icmp"), val.get("expr"))
        return "reject"
    if key == "limit":
        over = "over " if val.get("inv") else ""
        return "limit rate %s%s/%s" % (over, val.get("rate"), val.get("per"))
    if key == "vmap":
        data = val.get("data")
        if isinstance(data, dict) and "set" in data:
            quote = _val_text(val.get("key")) in ("iifname", "oifname")
            pairs = ["%s : %s" % ('"%s"' % k if quote and isinstance(k, str) else _val_text(k),
                                  _val_text(v)) for k, v in data["set"]]
            data = "{ %s }" % ", ".join(pairs)
        return "%s vmap %s" % (_val_text(val.get("key")), data)
    if key == "xt":
        return 'xt %s "%s"' % (val.get("type"), val.get("name"))
    return "%s %s" % (key, json.dumps(val, sort_keys=True))


def rule_text(expr):
    return " ".join(stmt_text(s) for s in expr if isinstance(s, dict) and s)


# --------------------------------------------------------------------------- matching

def _left_value(left, packet):
    """(kind, value) of a match's left-hand side for this packet."""
    if not isinstance(left, dict):
        return "raw", UNKNOWN
    if "payload" in left:
        p = left["payload"]
        proto, field = p.get("protocol"), p.get("field")
        if proto == "ip":
            if packet.family != "ipv4":
                return "none", NOT_APPLICABLE
            if field in ("saddr", "daddr"):
                return "addr", packet.src if field == "saddr" else packet.dst
            if field == "protocol":
                return "proto", packet.l4proto_num
            return "raw", UNKNOWN
        if proto == "ip6":
            if packet.family != "ipv6":
                return "none", NOT_APPLICABLE
            if field in ("saddr", "daddr"):
                return "addr", packet.src if field == "saddr" else packet.dst
            if field == "nexthdr":
                return "proto", packet.l4proto_num
            return "raw", UNKNOWN
        if proto in ("icmp", "icmpv6"):
            if (proto == "icmp") != (packet.family == "ipv4"):
                return "none", NOT_APPLICABLE
            if field == "type":
                return "icmptype", packet.icmp_type
            if field == "code":
                return "int", packet.icmp_code
            return "raw", UNKNOWN
        if proto in ("tcp", "udp", "sctp", "dccp", "udplite", "esp", "ah", "comp", "igmp",
                     "gre"):
            return "none", NOT_APPLICABLE
        return "raw", UNKNOWN
    if "meta" in left:
        key = left["meta"].get("key")
        if key == "l4proto":
            return "proto", packet.l4proto_num
        if key == "nfproto":
            return "str", packet.family
        if key == "protocol":
            return "str", "ip" if packet.family == "ipv4" else "ip6"
        if key in ("iifname", "iif"):
            return "ifname", packet.iif
        if key in ("oifname", "oif"):
            return "ifname", packet.oif
        if key == "pkttype" and packet.hook in ("prerouting", "input", "forward", "ingress"):
            return "str", "host"
        return "raw", UNKNOWN
    if "ct" in left:
        key = left["ct"].get("key")
        if key == "state":
            return "ctstate", packet.ct_state
        if key == "direction" and packet.ct_state != "invalid":
            return "str", packet.ct_direction
        if key == "status" and packet.ct_state != "invalid":
            return "ctstatus", packet.ct_state
        return "raw", UNKNOWN
    if "fib" in left:
        fib = left["fib"]
        flags = fib.get("flags", [])
        if fib.get("result") in ("oif", "oifname") and "saddr" in flags:
            # reverse-path lookup: assume the route back exists (rp_filter is reported by
            # the sysctl section); "missing" therefore does not match
            return "bool", True
        if fib.get("result") == "type" and "daddr" in flags:
            if packet.hook == "input":
                return "str", "local"
            if packet.hook == "forward":
                return "str", "unicast"
        if fib.get("result") == "type" and "saddr" in flags:
            return "str", "unicast"
        return "raw", UNKNOWN
    return "raw", UNKNOWN


def _proto_num(value):
    if isinstance(value, int):
        return value
    text = str(value).lower()
    if text.isdigit():
        return int(text)
    return PROTO_NUMBERS.get(text)


def _scalar_match(kind, value, elem, packet):
    """Does the single set element / right value ``elem`` contain ``value``?"""
    if isinstance(elem, dict) and "elem" in elem:
        elem = elem["elem"].get("val")
    if isinstance(elem, dict) and ("concat" in elem or "set" in elem):
        return MAYBE
    if kind == "addr":
        if value is None:
            return MAYBE
        try:
            if isinstance(elem, dict) and "prefix" in elem:
                net = ipaddress.ip_network("%s/%s" % (elem["prefix"]["addr"],
                                                      elem["prefix"]["len"]), strict=False)
                return tri_bool(net.version == value.version and value in net)
            if isinstance(elem, dict) and "range" in elem:
                low, high = [ipaddress.ip_address(v) for v in elem["range"][:2]]
                return tri_bool(low.version == value.version and low <= value <= high)
            net = ipaddress.ip_network(str(elem), strict=False)
            return tri_bool(net.version == value.version and value in net)
        except (ValueError, TypeError, KeyError):
            return MAYBE
    if kind == "ifname":
        if isinstance(elem, dict):
            return MAYBE
        return ifname_match(elem, value)
    if kind in ("icmptype", "int", "proto"):
        if isinstance(elem, dict) and "range" in elem:
            bounds = [_norm_int(kind, v, packet) for v in elem["range"][:2]]
            if None in bounds:
                return MAYBE
            return tri_bool(bounds[0] <= value <= bounds[1])
        num = _norm_int(kind, elem, packet)
        if num is None:
            return MAYBE
        return tri_bool(num == value)
    if kind == "ctstate":
        if isinstance(elem, list):
            return tri_bool(value in elem)
        return tri_bool(str(elem) == value)
    if kind == "ctstatus":
        # status bits of a plain (un-NATed) ping flow: a reply means seen-reply/confirmed;
        # assured and others are not predictable
        flags = elem if isinstance(elem, list) else [elem]
        results = []
        for flag in flags:
            flag = str(flag)
            if flag in ("dnat", "snat", "expected", "dying"):
                results.append(NO)
            elif flag in ("seen-reply", "confirmed"):
                results.append(tri_bool(value == "established"))
            else:
                results.append(MAYBE)
        return YES if YES in results else (MAYBE if MAYBE in results else NO)
    if kind == "bool":
        return tri_bool(bool(elem) == value)
    if kind == "str":
        return tri_bool(str(elem).lower() == str(value).lower())
    return MAYBE


def _norm_int(kind, value, packet):
    if kind == "icmptype":
        return icmp_type_number(packet.family, value)
    if kind == "proto":
        return _proto_num(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _elements(right, ruleset, chain):
    """Right side -> list of elements, or None when unknown (e.g. missing named set)."""
    if isinstance(right, str) and right.startswith("@"):
        s = ruleset["sets"].get(ckey(chain["family"], chain["table"], right[1:]))
        if s is None:
            return None
        return s["elements"]
    if isinstance(right, dict) and "set" in right:
        return right["set"]
    return [right]


def _any(kind, value, elems, packet):
    results = [_scalar_match(kind, value, e, packet) for e in elems]
    if YES in results:
        return YES
    if MAYBE in results:
        return MAYBE
    return NO


def eval_match(match, packet, ruleset, chain):
    """Three-valued result of one ``match`` expression."""
    op = match.get("op")
    kind, value = _left_value(match.get("left"), packet)
    if value is NOT_APPLICABLE:
        return NO
    if value is UNKNOWN:
        return MAYBE
    right = match.get("right")
    if kind == "ctstatus" and isinstance(right, list):
        res = _scalar_match(kind, value, right, packet)
        return res if op in ("in", "==") else (tri_not(res) if op == "!=" else MAYBE)
    if kind == "ctstate" and isinstance(right, list):
        return tri_bool(value in right) if op in ("in", "==") else (
            tri_bool(value not in right) if op == "!=" else MAYBE)
    elems = _elements(right, ruleset, chain)
    if elems is None:
        return MAYBE
    if op in ("==", "in"):
        return _any(kind, value, elems, packet)
    if op == "!=":
        return tri_not(_any(kind, value, elems, packet))
    if op in ("<", ">", "<=", ">=") and kind in ("int", "icmptype", "proto"):
        bound = _norm_int(kind, right, packet)
        if bound is None or value is None:
            return MAYBE
        return tri_bool({"<": value < bound, ">": value > bound, "<=": value <= bound,
                         ">=": value >= bound}[op])
    return MAYBE


def _verdict_of(obj):
    """JSON verdict object ({"accept": null}, {"jump": {...}}) -> verdict tuple."""
    if isinstance(obj, dict) and len(obj) == 1:
        key = list(obj)[0]
        if key in ("jump", "goto"):
            return (key, obj[key].get("target"))
        if key in ("accept", "drop", "return", "continue", "queue"):
            return (key, None)
    return ("unknown", None)


def eval_rule(rule, packet, ruleset, chain):
    """-> (match, likely, verdict) where match is YES/NO/MAYBE, likely says whether a MAYBE
    is probably a match (rate limits), verdict is a tuple (kind, target) or a list of
    (match, verdict) candidates (verdict maps), or None (no terminal statement)."""
    state, likely = YES, True
    for stmt in rule["expr"]:
        if not isinstance(stmt, dict) or not stmt:
            continue
        key = list(stmt)[0]
        val = stmt[key]
        if key == "match":
            result = eval_match(val, packet, ruleset, chain)
            if result == NO:
                return NO, False, None
            if result == MAYBE:
                state, likely = MAYBE, False
        elif key in ("limit", "quota"):
            if key == "limit" and val and val.get("inv"):
                state, likely = tri_and([state, MAYBE]), False   # "limit rate over": rarely
            else:
                state = tri_and([state, MAYBE])
        elif key in ("accept", "drop", "return", "continue", "queue"):
            return state, likely, (key, None)
        elif key in ("jump", "goto"):
            return state, likely, (key, val.get("target"))
        elif key == "reject":
            return state, likely, ("reject", None)
        elif key in NAT_STMTS:
            return state, likely, ("accept", None)
        elif key == "fwd":
            return state, likely, ("queue", None)
        elif key == "vmap":
            kind, value = _left_value(val.get("key"), packet)
            if value is NOT_APPLICABLE:
                return NO, False, None
            data = val.get("data")
            if isinstance(data, str) and data.startswith("@"):
                s = ruleset["sets"].get(ckey(chain["family"], chain["table"], data[1:]))
                pairs = s["elements"] if s else None
            elif isinstance(data, dict) and "set" in data:
                pairs = data["set"]
            else:
                pairs = None
            if pairs is None:
                return tri_and([state, MAYBE]), False, None
            cands = []
            for pair in pairs:
                if not (isinstance(pair, list) and len(pair) == 2):
                    cands.append((MAYBE, ("unknown", None)))
                    continue
                m = MAYBE if value is UNKNOWN else _scalar_match(kind, value, pair[0], packet)
                if m != NO:
                    cands.append((m, _verdict_of(pair[1])))
            return state, likely, cands
        elif key == "xt":
            name = (val or {}).get("name")
            if (val or {}).get("type") == "target":
                if name == "REJECT":
                    return state, likely, ("reject", None)
                if name in ("NFQUEUE", "QUEUE"):
                    return state, likely, ("queue", None)
                if name not in XT_NON_TERMINAL:
                    state, likely = tri_and([state, MAYBE]), False
            else:
                state, likely = tri_and([state, MAYBE]), False
        elif key in NON_TERMINAL_STMTS:
            continue
        else:
            state, likely = tri_and([state, MAYBE]), False
    return state, likely, None


# --------------------------------------------------------------------------- evaluation

def _ref(rule):
    return rule_ref("nftables", rule["family"], rule["table"], rule["chain"],
                    handle=rule["handle"], text=rule["text"], comment=rule.get("comment"))


def _verdict_label(verdict):
    if verdict is None:
        return "continue"
    if isinstance(verdict, list):
        return "vmap"
    kind, target = verdict
    return "%s %s" % (kind, target) if target else kind


def _run_chain(ctx, packet, ruleset, chain, depth):
    """Run one chain. -> (verdict, ref); verdict in TERMINAL, 'return' or None (fell off)."""
    if depth > MAX_DEPTH:
        ctx.maybe_seen = True
        return None, None
    for rule in chain["rules"]:
        match, likely, verdict = eval_rule(rule, packet, ruleset, chain)
        if match == NO:
            continue
        if match == MAYBE and verdict is None:
            # a maybe-rule that only counts/logs changes nothing: no need to branch
            ctx.trace.append(trace_entry(_ref(rule), packet.hook, MAYBE, "continue"))
            continue
        if not ctx.decide(match, likely):
            ctx.trace.append(trace_entry(_ref(rule), packet.hook, MAYBE, _verdict_label(verdict)))
            continue
        ctx.trace.append(trace_entry(_ref(rule), packet.hook, match, _verdict_label(verdict)))
        if isinstance(verdict, list):   # verdict map: first candidate that matches
            chosen = None
            for cmatch, cverdict in verdict:
                if ctx.decide(cmatch):
                    chosen = cverdict
                    break
            if chosen is None:
                continue
            verdict = chosen
        if verdict is None or verdict[0] == "continue":
            continue
        kind, target = verdict
        if kind in TERMINAL:
            return kind, _ref(rule)
        if kind == "return":
            return "return", None
        if kind in ("jump", "goto"):
            sub = ruleset["chains"].get(ckey(chain["family"], chain["table"], target))
            if sub is None:
                ctx.maybe_seen = True
                continue
            result, ref = _run_chain(ctx, packet, ruleset, sub, depth + 1)
            if result in TERMINAL:
                return result, ref
            if kind == "goto":
                return "return", None
            continue
        # unknown verdict: cannot tell what happens
        ctx.maybe_seen = True
    return None, None


def _base_runner(ruleset, chain, conntrack):
    def run(ctx, packet):
        dev = chain.get("dev")
        if not dev and chain.get("hook") == "ingress":
            # nft < 1.0.7 does not print the device of ingress chains in JSON: the chain may
            # or may not be bound to the packet's interface
            if not ctx.decide(MAYBE, True):
                return None, None
        elif dev:
            devs = dev if isinstance(dev, list) else [dev]
            applies = NO
            for d in devs:
                m = ifname_match(d, packet.iif)
                if m == YES:
                    applies = YES
                elif m == MAYBE and applies == NO:
                    applies = MAYBE
            if not ctx.decide(applies):
                return None, None
        untracked = packet.ct_state != "new" or packet.family not in conntrack
        if chain.get("type") == "nat" and untracked:
            # nat chains see only the first packet of a connection, and only when conntrack
            # is in use in this network namespace for the family (a nat chain alone does not
            # enable it: seen on the lab kernel, counters stay at 0)
            return None, None
        result, ref = _run_chain(ctx, packet, ruleset, chain, 0)
        if result in TERMINAL:
            return result, ref
        policy = chain.get("policy") or "accept"
        pref = rule_ref("nftables", chain["family"], chain["table"], chain["name"], policy=True,
                        text="policy %s" % policy)
        ctx.trace.append(trace_entry(pref, packet.hook, YES, policy))
        return policy, pref
    return run


def nft_conntrack_families(ruleset):
    """L3 families ("ipv4"/"ipv6") for which a rule uses conntrack (ct expressions, nat
    statements, xt conntrack/state matches): only then does the kernel track connections."""
    found = set()
    fam_map = {"ip": ("ipv4",), "ip6": ("ipv6",), "inet": ("ipv4", "ipv6")}
    for chain in ruleset["chains"].values():
        fams = fam_map.get(chain["family"], ())
        for rule in chain["rules"]:
            text = json.dumps(rule["expr"])
            if '"ct"' in text or any(k in text for k in ('"snat"', '"dnat"', '"masquerade"',
                                                         '"redirect"', '"conntrack"',
                                                         '"state"', '"notrack"')):
                found.update(fams)
    return found


def nft_entries(ruleset, query, skip_tables=(), conntrack=None):
    """Base-chain entries (for common.walk_base_chains) of the chains this packet crosses.
    ``conntrack``: families with conntrack in use (default: derived from this ruleset)."""
    if conntrack is None:
        conntrack = nft_conntrack_families(ruleset)
    families = L3_FAMILIES.get(query.get("family") or "ipv4", ())
    hooks = PATH_HOOKS.get(query.get("hook") or "input", ())
    skip = set(tuple(t) for t in skip_tables)
    entries = []
    for order, chain in enumerate(ruleset["chains"].values()):
        if not chain["base"] or chain["family"] not in families or chain["hook"] not in hooks:
            continue
        if (chain["family"], chain["table"]) in skip:
            continue
        if chain["family"] == "netdev" and chain["hook"] != "ingress":
            continue
        entries.append({"hook": chain["hook"], "prio": chain.get("prio") or 0, "order": order,
                        "run": _base_runner(ruleset, chain, conntrack)})
    return entries


def evaluate_nft(ruleset, packet, skip_tables=()):
    """Evaluate one packet (query dict) against nftables only -> evaluation dict.
    ``verdict`` is None when no nftables base chain is on the packet's path."""
    entries = nft_entries(ruleset, packet, skip_tables)
    return evaluate_entries(entries, packet)


def iptables_nft_tables(ruleset):
    """(family, table) pairs that look like iptables-nft's (contain xt expressions)."""
    found = set()
    for chain in ruleset["chains"].values():
        for rule in chain["rules"]:
            if any(isinstance(s, dict) and "xt" in s for s in rule["expr"]):
                found.add((chain["family"], chain["table"]))
    return found


# --------------------------------------------------------------------------- bridge

def set_elements(ruleset, family, table, name):
    """Lower-cased plain elements of the named set, or None when the ruleset has no such set."""
    s = ruleset.get("sets", {}).get(ckey(family, table, name))
    if s is None:
        return None
    out = []
    for e in s.get("elements") or []:
        if isinstance(e, dict) and "elem" in e:
            e = e["elem"].get("val")
        if isinstance(e, str):
            out.append(e.lower())
    return out


def nft_bridge_mac_drops(ruleset):
    """Bridge-family rules that drop (or reject) by source/destination MAC."""
    found = []
    for chain in ruleset["chains"].values():
        if chain["family"] != "bridge":
            continue
        for rule in chain["rules"]:
            macs, port, verdict = [], None, None
            for stmt in rule["expr"]:
                if not isinstance(stmt, dict) or not stmt:
                    continue
                key = list(stmt)[0]
                val = stmt[key]
                if key == "match" and val.get("op") in ("==", "in"):
                    left = val.get("left") or {}
                    p = left.get("payload") if isinstance(left, dict) else None
                    if p and p.get("protocol") == "ether" and p.get("field") in ("saddr", "daddr"):
                        direction = "source" if p["field"] == "saddr" else "destination"
                        right = val.get("right")
                        elems = right["set"] if isinstance(right, dict) and "set" in right \
                            else [right]
                        for e in elems:
                            if isinstance(e, str) and e.startswith("@"):
                                named = set_elements(ruleset, rule["family"], rule["table"], e[1:]) or []
                                macs.extend((m, direction) for m in named)
                            elif isinstance(e, str):
                                macs.append((e.lower(), direction))
                    meta = left.get("meta") if isinstance(left, dict) else None
                    if meta and meta.get("key") in ("iifname", "oifname", "iif", "oif") \
                            and isinstance(val.get("right"), str):
                        port = val["right"]
                elif key in ("drop", "reject"):
                    verdict = key
            if macs and verdict:
                ref = {"backend": "nftables", "family": "bridge", "table": rule["table"],
                       "chain": rule["chain"], "handle": rule["handle"], "text": rule["text"]}
                for mac, direction in macs:
                    found.append({"mac": mac, "direction": direction, "port": port,
                                  "verdict": verdict, "rule": dict(ref)})
    return found
