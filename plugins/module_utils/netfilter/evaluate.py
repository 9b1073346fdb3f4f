# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Collect every firewall backend of a Linux host and evaluate ICMP echo queries across all of
them in netfilter priority order. ``collect_firewall`` is the only function doing I/O, and only
through the ``run`` callable. See the package docstring for the API."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.runner import C_LOCALE
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.common import evaluate_entries
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.firewalld import (
    evaluate_firewalld, evaluate_firewalld_policy, forward_zones, parse_firewalld_policies,
    parse_firewalld_zones, parse_ufw_status,
)

MISSING_RC = 127
FIREWALLD_TABLES = ("firewalld",)
# chains of firewalld's iptables backend (firewalld < 0.6 / FirewallBackend=iptables)
FIREWALLD_IPT_CHAINS = ("IN_", "FWDI_", "FWDO_", "FWD_", "INPUT_ZONES", "FORWARD_IN_ZONES",
                        "FORWARD_OUT_ZONES", "INPUT_direct", "FORWARD_direct", "OUTPUT_direct")
# firewalld >= 0.9 runs a policy's forward rules in chain filter_FWD_policy_<name>[_pre|_log|...];
# a forwarded packet no policy and no zone accepts ends in the final reject of filter_FWD_<ingress zone>
FIREWALLD_POLICY_CHAIN = "filter_FWD_policy_"
FIREWALLD_FWD_ZONE_CHAIN = "filter_FWD_"


def _safe_run(run, argv):
    """-> (rc, out, err); a missing binary gives rc 127."""
    try:
        rc, out, err = run(argv)
    except OSError as exc:
        return MISSING_RC, "", str(exc)
    return rc, out or "", err or ""


def _json_or_text(out):
    try:
        return json.loads(out)
    except ValueError:
        return out


def iptables_tables_in(text):
    """True when an ``iptables-save`` dump holds a table (a ``*name`` line): an empty dump needs no parser."""
    return any(line.startswith("*") for line in (text or "").splitlines())


def nft_tables_in(json_text):
    """False when ``nft -j list ruleset`` output is readable and names no table (an empty ruleset): the nft
    parser is then not needed. Unreadable output goes to the parser, which reports it."""
    if '"table"' in (json_text or ""):
        return True
    try:
        json.loads(json_text)
    except (TypeError, ValueError):
        return True
    return False


def _has_content(tables):
    for table in tables.values():
        for chain in table["chains"].values():
            if chain["rules"] or (chain["policy"] not in (None, "ACCEPT")):
                return True
    return False


def evaluate_packet(sources, query):
    """Evaluate one query against all sources -> evaluation dict (schema shape).

    ``sources``: {"nft": ruleset or None, "nft_skip": [(family, table), ...],
    "iptables": [parsed iptables-save dumps], "firewalld": {"zones": ..., "default_zone": ...}
    or None}."""
    entries = []
    # A backend's parser and evaluator are imported only when that backend holds rules (see _parsed).
    if sources.get("iptables"):
        from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.iptables import (
            iptables_conntrack_families, iptables_entries)
    if sources.get("nft"):
        from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import (
            nft_conntrack_families, nft_entries)
        conntrack = nft_conntrack_families(sources["nft"])
        if sources.get("iptables"):
            conntrack |= iptables_conntrack_families(sources["iptables"])
        entries.extend(nft_entries(sources["nft"], query, sources.get("nft_skip", ()),
                                   conntrack))
    if sources.get("iptables"):
        entries.extend(iptables_entries(sources["iptables"], query))
    result = evaluate_entries(entries, query)
    if result["verdict"] is None:   # nothing on the path: the packet passes
        result["verdict"] = "accept"
        result["deciding_rule"] = {
            "backend": "policy", "family": None, "table": None, "chain": None, "handle": None,
            "rule_number": None, "variant": None, "policy": True,
            "text": "no firewall chain on this path", "comment": None}
    ref = result.get("deciding_rule") or {}
    if sources.get("ufw") and ref.get("backend") == "iptables" and ref.get("policy") \
            and ref.get("table") == "filter":
        result["deciding_rule"] = ref = dict(ref, backend="ufw")
    if sources.get("ufw") and ref.get("backend") == "ufw":
        result["deciding_rule"] = dict(ref, ufw_rule=ufw_rule_source(
            ref, query, sources.get("ufw_status") or {}))
    fwd = sources.get("firewalld")
    if fwd:
        zone = evaluate_firewalld(fwd.get("zones") or {}, query, fwd.get("default_zone"))
        result["firewalld_zone"] = zone
        ref = result.get("deciding_rule") or {}
        policy = evaluate_firewalld_policy(fwd.get("zones") or {}, fwd.get("policies") or {}, query,
                                           fwd.get("default_zone"))
        if policy and str(ref.get("chain")).startswith(FIREWALLD_POLICY_CHAIN) \
                and ref.get("table") in FIREWALLD_TABLES:
            result["firewalld_policy"] = policy
            result["deciding_rule"] = dict(ref, backend="firewalld", firewalld_policy=policy["policy"],
                                           ingress_zone=policy["ingress_zone"], egress_zone=policy["egress_zone"],
                                           zone_setting=policy["setting"], zone_text=policy["text"])
            return result
        names = forward_zones(fwd.get("zones") or {}, query, fwd.get("default_zone"))
        if query.get("hook") == "forward" and ref.get("table") in FIREWALLD_TABLES and names[0] and \
                names[0] != names[1] and ref.get("chain") == FIREWALLD_FWD_ZONE_CHAIN + names[0] and \
                result.get("verdict") in ("drop", "reject"):
            result["deciding_rule"] = dict(
                ref, backend="firewalld", zone=names[0], ingress_zone=names[0], egress_zone=names[1],
                zone_setting="no policy",
                zone_text="no policy accepts forwarding from zone %s to zone %s (a zone forwards only between "
                          "its own interfaces)" % names)
            return result
        if zone and (ref.get("table") in FIREWALLD_TABLES or (
                ref.get("backend") == "iptables" and str(ref.get("chain")).startswith(
                    FIREWALLD_IPT_CHAINS))):
            ref = dict(ref)
            ref["backend"] = "firewalld"
            ref["zone"] = zone["zone"]
            ref["zone_setting"] = zone["setting"]
            ref["zone_text"] = zone["text"]
            result["deciding_rule"] = ref
    return result


UFW_FILES = {"before": "before.rules", "after": "after.rules", "user": "user.rules"}


def ufw_rule_source(ref, query, status):
    """What a ufw user calls the deciding rule: its default policy, or the rules file/command that
    made the rule (ufw's own layout: ufw-before-* chains come from before.rules / before6.rules,
    ufw-user-* from the ``ufw allow/deny`` rules in user.rules, ufw-after-* from after.rules)."""
    chain = str(ref.get("chain") or "")
    if ref.get("policy"):
        direction = {"INPUT": "incoming", "OUTPUT": "outgoing", "FORWARD": "routed"}.get(chain)
        if direction:
            return "ufw default %s (%s)" % (status.get("default_" + direction) or (
                ref.get("text") or "").lower() or "?", direction)
        return "ufw chain %s policy" % chain
    part = chain.split("-")[1] if chain.count("-") >= 2 else ""
    name = UFW_FILES.get(part)
    if name is None:
        return "ufw chain %s" % chain
    if query.get("family") == "ipv6":
        name = name.replace(".rules", "6.rules")
    how = "ufw status numbered" if part == "user" else "/etc/ufw/%s" % name
    return "%s: -A %s %s" % (how, chain, ref.get("text") or "")


def _collect_iptables(run, errors, tools, backends, rulesets, gather):
    """-> (list of parsed dumps, set of (nft family, table) owned by iptables-nft)."""
    dumps = []
    owned = set()
    rc, out, err = _safe_run(run, ["iptables", "-V"])
    default_variant = None
    if rc == 0:
        default_variant = "legacy" if "legacy" in out else "nft" if "nf_tables" in out else None
    commands = {
        "nft": (["iptables-nft-save"], ["ip6tables-nft-save"]),
        "legacy": (["iptables-legacy-save"], ["ip6tables-legacy-save"]),
    }
    for variant in ("nft", "legacy"):
        key = "iptables_" + variant
        present = False
        active = False
        for family, argv in zip(("ipv4", "ipv6"), commands[variant]):
            rc, out, err = _safe_run(run, argv)
            if rc == MISSING_RC and default_variant == variant:
                argv = ["iptables-save"] if family == "ipv4" else ["ip6tables-save"]
                rc, out, err = _safe_run(run, argv)
            if rc == MISSING_RC:
                continue
            present = True
            if rc != 0:
                errors.append((argv[0], "%s: %s" % (" ".join(argv), err.strip() or "rc %d" % rc)))
                continue
            if not iptables_tables_in(out):
                continue        # no table in this dump (nothing of this family and variant is loaded)
            from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.iptables import parse_iptables_save
            try:
                tables = parse_iptables_save(out, family, variant)
            except DoctorError as exc:
                errors.append((argv[0], str(exc)))
                continue
            if gather and out.strip():
                rulesets.setdefault(key, {})[family] = out
            if variant == "nft":
                for name in tables:
                    owned.add(("ip" if family == "ipv4" else "ip6", name))
            if _has_content(tables):
                active = True
            dumps.append(tables)
        backends[key] = {"present": present, "active": active}
    tools["iptables_legacy"] = backends["iptables_legacy"]["present"]
    tools["iptables"] = backends["iptables_nft"]["present"] or backends[
        "iptables_legacy"]["present"]
    return dumps, owned


def collect_firewall(run, queries, gather_rulesets=False):
    """Read every backend through ``run`` and evaluate ``queries``. See package docstring.

    Returns the ``firewall`` section plus two private keys the caller pops:
    ``_errors`` [(source, message)] and ``_tools`` {nft, iptables, iptables_legacy,
    firewall_cmd, ufw: bool}."""
    errors = []
    tools = {}
    rulesets = {}
    backends = {
        "nftables": {"present": False, "active": False},
        "iptables_nft": {"present": False, "active": False},
        "iptables_legacy": {"present": False, "active": False},
        "firewalld": {"present": False, "active": False},
        "ufw": {"present": False, "active": False},
        "windows_firewall": {"present": False, "active": False},
    }
    sources = {"nft": None, "nft_skip": [], "iptables": [], "firewalld": None, "ufw": False}

    dumps, owned = _collect_iptables(run, errors, tools, backends, rulesets, gather_rulesets)
    sources["iptables"] = dumps

    rc, out, err = _safe_run(run, ["nft", "-j", "list", "ruleset"])
    tools["nft"] = rc != MISSING_RC
    if rc == MISSING_RC:
        pass
    elif rc != 0:
        backends["nftables"]["present"] = True
        errors.append(("nft", "nft -j list ruleset: %s" % (err.strip() or "rc %d" % rc)))
    else:
        backends["nftables"]["present"] = True
        ruleset = None
        if nft_tables_in(out):
            from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import (
                iptables_nft_tables, parse_nft_ruleset)
            try:
                ruleset = parse_nft_ruleset(out)
            except DoctorError as exc:
                errors.append(("nft", str(exc)))
        elif gather_rulesets:
            rulesets["nftables"] = _json_or_text(out)
        if ruleset is not None:
            # iptables-nft tables are evaluated from iptables-nft-save (rule numbers);
            # without it they stay in the nft evaluation (xt expressions -> maybe)
            skip = sorted(owned) if backends["iptables_nft"]["present"] else []
            sources["nft"] = ruleset
            sources["nft_skip"] = skip
            xt_tables = iptables_nft_tables(ruleset)
            own = [t for t in ruleset["tables"] if (t["family"], t["name"]) not in set(skip)
                   and (t["family"], t["name"]) not in xt_tables]
            backends["nftables"]["active"] = bool(own)
            if gather_rulesets:
                rulesets["nftables"] = _json_or_text(out)

    rc, out, err = _safe_run(run, ["firewall-cmd", "--state"])
    tools["firewall_cmd"] = rc != MISSING_RC
    if rc != MISSING_RC:
        backends["firewalld"]["present"] = True
        if rc == 0 and out.strip() == "running":
            backends["firewalld"]["active"] = True
            rc, out, err = _safe_run(run, ["firewall-cmd", "--list-all-zones"])
            drc, dout, _derr = _safe_run(run, ["firewall-cmd", "--get-default-zone"])
            if rc != 0:
                errors.append(("firewall-cmd", "firewall-cmd --list-all-zones: %s"
                               % (err.strip() or "rc %d" % rc)))
            else:
                zones = parse_firewalld_zones(out)
                sources["firewalld"] = {"zones": zones,
                                        "default_zone": dout.strip() if drc == 0 else None}
                prc, pout, _perr = _safe_run(run, ["firewall-cmd", "--list-all-policies"])
                if prc == 0:   # firewalld < 0.9 has no policies
                    sources["firewalld"]["policies"] = parse_firewalld_policies(pout)
                if gather_rulesets:
                    rulesets["firewalld"] = zones

    rc, out, err = _safe_run(run, ["ufw", "status", "verbose"])
    tools["ufw"] = rc != MISSING_RC
    if rc != MISSING_RC:
        backends["ufw"]["present"] = True
        if rc == 0:
            status = parse_ufw_status(out)
            backends["ufw"]["active"] = status["active"]
            sources["ufw"] = status["active"]
            sources["ufw_status"] = status
            if gather_rulesets:
                rulesets["ufw"] = status
        elif "root" not in err:
            errors.append(("ufw", "ufw status verbose: %s" % (err.strip() or "rc %d" % rc)))

    icmp = [evaluate_packet(sources, query) for query in queries or []]
    return {"backends": backends, "icmp": icmp, "rulesets": rulesets if gather_rulesets else {},
            "_errors": errors, "_tools": tools}


def module_runner(module):
    """A ``run`` callable for collect_firewall built on an AnsibleModule: LANG=C, and a binary
    that is not installed comes back as rc 127 instead of failing the module."""
    def run(argv):
        path = module.get_bin_path(argv[0])
        if path is None:
            return MISSING_RC, "", "%s: not found" % argv[0]
        return module.run_command([path] + list(argv[1:]),
                                  environ_update=C_LOCALE)
    return run
