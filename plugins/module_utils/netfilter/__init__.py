# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Would an ICMP echo from A to B be accepted here, and which rule decides?

The package answers that for a Linux host from the output of ``nft -j list ruleset``,
``iptables-save``/``ip6tables-save`` (legacy and nf_tables variants), ``firewall-cmd`` and
``ufw status verbose``. Everything is pure except :func:`collect_firewall`, whose only I/O goes
through the ``run`` callable it is given.

Public API (pinned; other modules code against it)
==================================================

``collect_firewall(run, queries, gather_rulesets=False) -> dict``
    (``from ...module_utils.netfilter import collect_firewall``)
    ``run(argv) -> (rc, stdout, stderr)`` runs one command (argv list) with LANG=C; a missing
    binary must come back as rc 127 (or raise OSError) and is then reported as "absent", not
    as an error. ``queries`` is a list of dicts
    ``{family: ipv4|ipv6, hook: input|output|forward, icmp_type: echo-request|echo-reply,
    src, dst, iif, oif}`` (addresses/interfaces may be None = unknown).
    Returns the whole ``firewall`` section of docs/facts_schema.md::

        {backends: {nftables: {present, active}, iptables_nft: {...}, iptables_legacy: {...},
                    firewalld: {...}, ufw: {...}, windows_firewall: {...}},
         icmp: [evaluation, ...],        # one per query, in query order
         rulesets: {...},                # only when gather_rulesets (else {})
         _errors: [(source, message), ...],   # PRIVATE: pop it and merge into top-level errors
         _tools: {nft, iptables, iptables_legacy, firewall_cmd, ufw: bool}}   # PRIVATE: for
                                         # the schema's top-level ``tools`` section

    The caller must ``pop('_errors')`` and ``pop('_tools')`` before publishing the section.
    ``evaluate.module_runner(module)`` builds a suitable ``run`` from an AnsibleModule
    (``get_bin_path`` + ``run_command`` with LANG=C; missing binary -> rc 127).
    Commands run: ``iptables -V``, ``iptables-nft-save``, ``ip6tables-nft-save``,
    ``iptables-legacy-save``, ``ip6tables-legacy-save`` (falling back to ``iptables-save`` /
    ``ip6tables-save`` with the variant from ``iptables -V``), ``nft -j list ruleset``,
    ``firewall-cmd --state`` (+ ``--list-all-zones``, ``--get-default-zone``, ``--list-all-policies``
    when running),
    ``ufw status verbose``. All read-only.

``evaluation`` (one per query; also what ``evaluate_packet`` returns)::

        {family, hook, icmp_type, src, dst, iif, oif,       # echo of the query
         verdict: accept|drop|reject,
         certain: bool,        # False when a "maybe" rule could change the outcome
         deciding_rule: {backend, family, table, chain, handle, rule_number, variant,
                         policy, text, comment},            # schema shape
         trace: [{backend, family, table, chain, handle, rule_number, variant, policy,
                  comment, hook, match: yes|maybe, verdict, text}, ...],
         alternatives: [verdict, ...],   # only when certain is False
         firewalld_zone: {...} | None}   # only when firewalld is active

    For ``accept`` the deciding rule is the last explicit accept on the path (or the last
    accepting policy); for drop/reject it is the rule (or policy) that ended the packet.

``parse_nft_ruleset(json_text) -> ruleset``   (firewall.nft)
    ``ruleset = {"tables": [{family, name, handle}],
                 "chains": {"<family> <table> <chain>": chain},
                 "sets": {"<family> <table> <set>": {family, table, name, type, flags,
                                                   elements: [raw JSON element, ...]}}}``
    ``chain = {family, table, name, handle, type, hook, prio, policy, dev, base: bool,
               rules: [rule]}``; ``rule = {family, table, chain, handle, expr (raw JSON list),
    text (readable, derived from JSON), comment}``. Raises DoctorError on invalid JSON.

``evaluate_nft(ruleset, packet, skip_tables=()) -> evaluation``   (firewall.nft)
    Evaluates only nftables base chains (ip/ip6/inet/netdev families, ``skip_tables`` is a list of
    ``(family, table)`` to ignore, e.g. tables owned by iptables-nft). ``verdict`` is None when no
    base chain saw the packet (= nothing here drops it).

``nft_bridge_mac_drops(ruleset) -> [{mac, direction, port, verdict, rule: {backend, family,
    table, chain, handle, text}}]``   (firewall.nft) - bridge-family rules dropping by MAC.

``parse_iptables_save(text, family, variant) -> tables``   (firewall.iptables)
    ``tables = {"<table>": {"name", "family" (ipv4|ipv6), "variant" (legacy|nft),
                            "chains": {"<CHAIN>": {"name", "policy" (ACCEPT|DROP or None for
                                       user chains), "rules": [rule]}}}}``;
    ``rule = {rule_number (1-based in its chain), "text" (the -A line without "-A CHAIN"),
    "matches": [...parsed...], "target", "target_args", "goto": bool, "comment"}``.

``evaluate_iptables(tables, packet) -> evaluation``   (firewall.iptables)
    Walks raw, mangle, filter, security in netfilter priority order for the packet's path.
    ``deciding_rule`` carries ``table``, ``chain``, ``rule_number`` (``handle`` None) and
    ``variant``; to insert an accept before a drop use ``-I <chain> <rule_number>``.
    ``verdict`` is None when no chain of these dumps is on the packet's path (other family).

``packet`` (pure evaluators) =  ``{family, hook, icmp_type, src, dst, iif, oif}`` like a query;
``hook`` is the *path*: input = prerouting + input hooks, output = output + postrouting,
forward = prerouting + forward + postrouting (netdev ingress chains are evaluated too).

``evaluate_packet(sources, packet) -> evaluation``   (firewall.evaluate) combines the base chains
of every source ({"nft": ruleset, "iptables": [tables, ...], "firewalld": zones}) in netfilter
priority order: ``accept`` ends one base chain only and the next one still runs, ``drop`` and
``reject`` are final.

Assumptions (documented decisions)
----------------------------------
* echo-request is conntrack state ``new``; echo-reply is ``established`` (the reply to a request
  that went out). Chains with priority below conntrack (-200) see state ``invalid``/untracked.
* nat chains see only ``new`` packets, and only when conntrack is in use in the namespace for
  that family (some rule uses ``ct``/nat statements, ``-m conntrack``/``-m state``, CT/NOTRACK
  or a nat table): a nat chain alone does not turn conntrack on (observed on the lab kernel).
* The flow is not NATed (``ct status dnat``/``snat`` do not match) and the reverse path exists
  (``fib saddr ... oif missing`` and ``-m rpfilter --invert`` do not match; rp_filter is
  reported by the sysctl section).
* Ingress chains whose device the JSON does not name (nft < 1.0.7) may or may not apply: maybe.
* Addresses in queries are unicast host addresses (addrtype BROADCAST does not match them).
* Expressions the evaluator cannot interpret make the rule match ``maybe``: it appears in the
  trace with ``match: maybe``. Both outcomes are explored; ``certain`` is False when they lead to
  different verdicts. The reported path assumes "no match" for maybe rules, except rate limits
  (``limit``, ``-m limit``, ``hashlimit``, ``recent``), which are assumed to let one ping through.
* iptables-nft tables also appear in ``nft -j list ruleset`` (as ``ip filter`` etc. with ``xt``
  expressions). They are evaluated once, from ``iptables-nft-save`` (rule numbers are what
  the iptables fixer needs), and skipped in nft evaluation. When iptables-nft-save is unavailable
  they are evaluated as nft tables (xt expressions -> maybe).
* firewalld: its own nft table (``inet firewalld``) or iptables chains are evaluated like any
  other rules; additionally the zone settings (icmp-blocks, inversion, rich rules, target) are
  evaluated and reported as ``firewalld_zone`` in each evaluation, and when the deciding rule is in
  firewalld's table the deciding_rule is reported with ``backend: firewalld`` and the zone setting.
* ufw is iptables-based: its chains are evaluated through iptables; ``ufw`` is only marked active
  and deciding rules in ``ufw-*`` chains are labelled ``backend: ufw``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type


def __getattr__(name):
    """The public names, imported from their module when first asked for: a caller that needs the evaluator
    does not compile the nft and iptables parsers until a backend holds rules (``evaluate.collect_firewall``)."""
    if name in ("collect_firewall", "evaluate_packet"):
        from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import evaluate as module
    elif name in ("parse_nft_ruleset", "evaluate_nft", "nft_bridge_mac_drops"):
        from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import nft as module
    elif name in ("parse_iptables_save", "evaluate_iptables"):
        from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import iptables as module
    else:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    return getattr(module, name)
