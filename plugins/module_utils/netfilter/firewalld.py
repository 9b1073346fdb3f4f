# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""firewalld and ufw: parse their status output and explain ICMP echo with zone settings.

firewalld's real filtering happens in its nftables table (``inet firewalld``) or iptables
chains, which the nft/iptables evaluators walk. This module adds the explanation a firewalld
user thinks in: which zone took the packet and which zone setting (rich rule, icmp-block,
icmp-block-inversion, target) decided. Modelled on firewalld >= 0.9 zone semantics.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
import shlex

from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.common import (
    NO, YES, addr_in, parse_ip, parse_net,
)

LIST_KEYS = ("interfaces", "sources", "services", "ports", "protocols", "forward-ports",
             "source-ports", "icmp-blocks")


def parse_firewalld_zones(text):
    """``firewall-cmd --list-all-zones`` -> {zone: {name, active, default, target,
    icmp_block_inversion, interfaces, sources, icmp_blocks, rich_rules, ...}}."""
    zones = {}
    zone = None
    in_rich = False
    for raw in text.splitlines():
        if not raw.strip():
            zone, in_rich = None, False
            continue
        if not raw[0].isspace():
            match = re.match(r"^(\S+)(?:\s+\((.*)\))?\s*$", raw)
            if not match:
                continue
            flags = [f.strip() for f in (match.group(2) or "").split(",")]
            zone = zones.setdefault(match.group(1), {
                "name": match.group(1), "active": "active" in flags,
                "default": "default" in flags, "target": "default",
                "icmp_block_inversion": False, "interfaces": [], "sources": [],
                "icmp_blocks": [], "rich_rules": [], "services": [], "protocols": [],
                "forward": None, "masquerade": None})
            in_rich = False
            continue
        if zone is None:
            continue
        line = raw.strip()
        if in_rich and line.startswith("rule"):
            zone["rich_rules"].append(line)
            continue
        key, _sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        in_rich = key == "rich rules"
        if in_rich:
            if value:
                zone["rich_rules"].append(value)
        elif key == "target":
            zone["target"] = value.replace("%%", "") or "default"
        elif key == "icmp-block-inversion":
            zone["icmp_block_inversion"] = value == "yes"
        elif key in ("forward", "masquerade"):
            zone[key] = value == "yes"
        elif key in LIST_KEYS:
            zone[key.replace("-", "_")] = value.split()
    return zones


def parse_rich_rule(text):
    """'rule family="ipv4" source address="10.0.0.0/8" icmp-type name="echo-request" accept'
    -> {family, source, source_invert, destination, icmp_type, icmp_block, protocol, action,
        other}."""
    try:
        tokens = shlex.split(text)
    except ValueError:
        tokens = text.split()
    rule = {"family": None, "source": None, "source_invert": False, "destination": None,
            "destination_invert": False, "icmp_type": None, "icmp_block": None,
            "protocol": None, "action": None, "other": False, "text": text}
    element = None
    for tok in tokens:
        key, sep, value = tok.partition("=")
        if not sep:
            if tok in ("accept", "drop", "reject"):
                rule["action"] = tok
            elif tok in ("source", "destination", "icmp-type", "icmp-block", "protocol",
                         "service", "port", "forward-port", "source-port", "masquerade",
                         "log", "audit", "nflog", "limit", "mark"):
                element = tok
                if tok in ("service", "port", "forward-port", "source-port", "masquerade",
                           "mark"):
                    rule["other"] = True
            elif tok == "NOT" and element in ("source", "destination"):
                rule[element + "_invert"] = True
            continue
        if key == "family":
            rule["family"] = value
        elif element in ("source", "destination") and key in ("address", "ipset", "mac"):
            rule[element] = value if key == "address" else "%s:%s" % (key, value)
        elif element in ("icmp-type", "icmp-block") and key == "name":
            rule[element.replace("-", "_")] = value
        elif element == "protocol" and key == "value":
            rule["protocol"] = value
    if rule["icmp_block"]:
        rule["action"] = "reject"
    return rule


def _rich_matches(rule, packet):
    family = packet["family"]
    if rule["other"]:
        return False
    if rule["family"] and rule["family"] != family:
        return False
    for which, key in (("src", "source"), ("dst", "destination")):
        value = rule[key]
        if value is None:
            continue
        net = parse_net(value)
        if net is None:   # ipset / mac: cannot tell
            return None
        result = addr_in(_P(packet), which, [net])
        if result not in (YES, NO):
            return None
        inside = result == YES
        if inside == rule[key + "_invert"]:
            return False
    icmp = rule["icmp_type"] or rule["icmp_block"]
    if icmp is not None:
        return icmp == packet["icmp_type"]
    if rule["protocol"] is not None:
        return rule["protocol"] in (("icmp", "1") if family == "ipv4" else ("ipv6-icmp", "58"))
    return True


class _P(object):
    def __init__(self, q):
        self.src = parse_ip(q.get("src"))
        self.dst = parse_ip(q.get("dst"))

    def addr(self, which):
        return (self.src, self.src is None) if which == "src" else (self.dst, self.dst is None)


def select_zone(zones, packet, default_zone=None):
    """Zone that takes a packet: source binding, then interface, then the default zone."""
    src = parse_ip(packet.get("src"))
    if src is not None:
        for zone in zones.values():
            for source in zone["sources"]:
                net = parse_net(source)
                if net is not None and net.version == src.version and src in net:
                    return zone, "source %s" % source
    iif = packet.get("iif")
    for zone in zones.values():
        if iif and iif in zone["interfaces"]:
            return zone, "interface %s" % iif
    if default_zone in zones:
        return zones[default_zone], "default zone"
    for zone in zones.values():
        if zone["default"]:
            return zone, "default zone"
    return None, None


def _settings_verdict(zone, packet, result):
    """The icmp-blocks, icmp-block-inversion and rich rules of a zone or policy: True when one
    of them decides (``result`` updated), False when the target is left to decide."""
    rich = [parse_rich_rule(r) for r in zone["rich_rules"]]
    for action_set in (("drop", "reject"), ("accept",)):
        if action_set == ("accept",):
            blocked = packet.get("icmp_type") in zone["icmp_blocks"]
            if zone["icmp_block_inversion"]:
                if blocked:
                    result.update({"setting": "icmp-block-inversion", "verdict": "accept",
                                   "text": "icmp-block-inversion: yes (%s listed in "
                                           "icmp-blocks)" % packet.get("icmp_type")})
                    return True
                if zone["target"] != "ACCEPT":
                    result.update({"setting": "icmp-block-inversion", "verdict": "reject",
                                   "text": "icmp-block-inversion: yes (%s not listed in "
                                           "icmp-blocks: %s)" % (
                                               packet.get("icmp_type"),
                                               " ".join(zone["icmp_blocks"]) or "none")})
                    return True
            elif blocked:
                result.update({"setting": "icmp-block", "verdict": "reject",
                               "text": "icmp-blocks: %s" % " ".join(zone["icmp_blocks"])})
                return True
        for rule in rich:
            if rule["action"] not in action_set:
                continue
            matched = _rich_matches(rule, packet)
            if matched is None:
                result["certain"] = False
                continue
            if matched:
                result.update({"setting": "rich rule", "verdict": rule["action"],
                               "text": rule["text"]})
                return True
    return False


def evaluate_firewalld(zones, packet, default_zone=None):
    """Zone-level explanation -> {zone, selected_by, setting, verdict, certain, text} or None
    (firewalld does not filter this path: output; forward is reported uncertain).
    ``zones`` is not modified."""
    hook = packet.get("hook") or "input"
    if hook == "output":
        return None
    zone, selected_by = select_zone(zones, packet, default_zone)
    if zone is None:
        return None
    result = {"zone": zone["name"], "selected_by": selected_by, "certain": hook == "input"}
    if packet.get("icmp_type") == "echo-reply":
        result.update({"setting": "established", "verdict": "accept",
                       "text": "ct state established,related accept"})
        return result
    if _settings_verdict(zone, packet, result):
        return result
    target = zone["target"]
    verdict = {"ACCEPT": "accept", "DROP": "drop", "REJECT": "reject"}.get(target, "accept")
    result.update({"setting": "target", "verdict": verdict,
                   "text": "target: %s%s" % (target, " (ICMP is allowed by the default target)"
                                             if target == "default" else "")})
    return result


POLICY_KEYS = ("priority", "ingress-zones", "egress-zones")


def parse_firewalld_policies(text):
    """``firewall-cmd --list-all-policies`` (firewalld >= 0.9) -> {policy: the keys of a zone
    (target, icmp_blocks, rich_rules, ...) + priority, ingress_zones, egress_zones}."""
    policies = parse_firewalld_zones(text)
    name = None
    for raw in text.splitlines():
        if raw.strip() and not raw[0].isspace():
            name = raw.split()[0]
            continue
        key, _sep, value = raw.strip().partition(":")
        if name in policies and key.strip() in POLICY_KEYS:
            if key.strip() == "priority":
                policies[name]["priority"] = int(value) if re.match(r"^\s*-?\d+\s*$", value) else 0
            else:
                policies[name][key.strip().replace("-", "_")] = value.split()
    for policy in policies.values():
        policy.setdefault("priority", -1)
        policy.setdefault("ingress_zones", [])
        policy.setdefault("egress_zones", [])
        if policy["target"] == "default":
            policy["target"] = "CONTINUE"
    return policies


def egress_zone(zones, packet, default_zone=None):
    """Zone a forwarded packet leaves by: a zone bound to its destination, then to its outgoing
    interface, then the default zone."""
    return select_zone(zones, {"src": packet.get("dst"), "iif": packet.get("oif")}, default_zone)


def forward_zones(zones, packet, default_zone=None):
    """(ingress zone name, egress zone name) of a forwarded packet (None when unknown)."""
    ingress, _how = select_zone(zones, packet, default_zone)
    egress, _how = egress_zone(zones, packet, default_zone)
    return (ingress or {}).get("name"), (egress or {}).get("name")


def evaluate_firewalld_policy(zones, policies, packet, default_zone=None):
    """The policy between zones that decides a forwarded packet -> {policy, ingress_zone,
    egress_zone, priority, setting, verdict, certain, text} or None (no policy decides: the zones
    do, or no policy applies). Policies run in priority order and target CONTINUE passes the
    packet on; the zones' own forwarding (``forward: yes``, between priorities < 0 and > 0) is
    not modelled here: the nftables walk decides, this names the policy."""
    if (packet.get("hook") or "input") != "forward" or not policies:
        return None
    if packet.get("icmp_type") == "echo-reply":
        return None   # ct state established,related accept comes first
    names = forward_zones(zones, packet, default_zone)
    for policy in sorted(policies.values(), key=lambda p: (p["priority"], p["name"])):
        if not policy.get("active", True):
            continue
        if not ("ANY" in policy["ingress_zones"] or names[0] in policy["ingress_zones"]):
            continue
        if not ("ANY" in policy["egress_zones"] or names[1] in policy["egress_zones"]):
            continue
        result = {"policy": policy["name"], "ingress_zone": names[0], "egress_zone": names[1],
                  "priority": policy["priority"], "certain": True}
        if _settings_verdict(policy, packet, result):
            return result
        target = policy["target"]
        if target in ("ACCEPT", "DROP", "REJECT"):
            result.update({"setting": "target", "verdict": target.lower(), "text": "target: %s" % target})
            return result
    return None


def parse_ufw_status(text):
    """``ufw status verbose`` -> {active, default_incoming, default_outgoing, default_routed}."""
    result = {"active": False, "default_incoming": None, "default_outgoing": None,
              "default_routed": None}
    for line in text.splitlines():
        line = line.strip()
        if line.lower().startswith("status:"):
            result["active"] = line.split(":", 1)[1].strip().lower() == "active"
        elif line.lower().startswith("default:"):
            for part in line.split(":", 1)[1].split(","):
                match = re.match(r"\s*(\w+)\s+\((\w+)\)", part)
                if match:
                    result["default_" + match.group(2)] = match.group(1)
    return result
