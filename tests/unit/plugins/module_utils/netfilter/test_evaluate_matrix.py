"""Packet x ruleset -> verdict and deciding rule, on dumps captured from real namespaces
(tests/unit/fixtures/firewall/captured/). The same rulesets are checked against real pings in
tests/integration/test_firewall_eval.py."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.evaluate import (
    evaluate_packet,
)

from ansible_collections.vmnet.doctor.tests.unit.plugins.module_utils.netfilter.fw_helpers import (  # noqa: E501
    query, sources_for,
)

P = "policy"   # the chain policy decided
NONE = None    # no chain on the path at all

# scenario, family, hook, icmp type, verdict, certain, (backend, table, chain, handle|rule|P)
CASES = [
    ("nft_inet_drop_echo", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwfilter", "input", 3)),
    ("nft_inet_drop_echo", "ipv6", "input", "echo-request", "drop", True,
     ("nftables", "fwfilter", "input", 4)),
    ("nft_inet_drop_echo", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "fwfilter", "input", P)),
    ("nft_inet_drop_echo", "ipv4", "output", "echo-reply", "accept", True, NONE),
    ("nft_policy_drop_sets", "ipv4", "input", "echo-request", "accept", True,
     ("nftables", "fwfilter", "input", 6)),
    ("nft_policy_drop_sets", "ipv6", "input", "echo-request", "accept", True,
     ("nftables", "fwfilter", "input", 8)),
    ("nft_policy_drop_sets", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "fwfilter", "input", 4)),
    ("nft_policy_drop_notallowed", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwfilter", "input", P)),
    ("nft_policy_drop_notallowed", "ipv6", "input", "echo-request", "drop", True,
     ("nftables", "fwfilter", "input", P)),
    ("nft_policy_drop_notallowed", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "fwfilter", "input", 4)),
    ("nft_jump_goto", "ipv4", "input", "echo-request", "accept", True,
     ("nftables", "fwip", "icmp_checks", 8)),
    ("nft_jump_goto", "ipv4", "output", "echo-reply", "accept", True,
     ("nftables", "fwip", "output", 15)),
    ("nft_jump_goto", "ipv4", "output", "echo-request", "reject", True,
     ("nftables", "fwip", "to_reject", 12)),
    ("nft_jump_goto", "ipv6", "input", "echo-request", "accept", True, NONE),
    ("nft_two_tables", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwsecond", "input", 3)),
    ("nft_two_tables", "ipv6", "input", "echo-request", "accept", True,
     ("nftables", "fwsecond", "in2", 5)),
    ("nft_two_tables", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "fwsecond", "in2", 6)),
    ("nft_maybe_mark", "ipv4", "input", "echo-request", "accept", False,
     ("nftables", "fwmaybe", "input", 3)),
    ("nft_maybe_mark", "ipv6", "input", "echo-request", "accept", True,
     ("nftables", "fwmaybe", "input", P)),
    ("nft_vmap_ifname", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwvmap", "from_a", 3)),
    ("nft_vmap_ifname", "ipv6", "input", "echo-request", "drop", True,
     ("nftables", "fwvmap", "from_a", 4)),
    ("nft_prerouting_raw", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwraw", "pre", 2)),
    ("nft_prerouting_raw", "ipv6", "output", "echo-reply", "drop", True,
     ("nftables", "fwraw6", "out", 3)),
    ("nft_prerouting_raw", "ipv6", "output", "echo-request", "accept", True,
     ("nftables", "fwraw6", "post", P)),
    ("nft_reject_output", "ipv4", "input", "echo-request", "reject", True,
     ("nftables", "fwfilter", "input", 3)),
    ("nft_reject_output", "ipv6", "input", "echo-request", "reject", True,
     ("nftables", "fwfilter", "input", 4)),
    ("nft_reject_output", "ipv4", "output", "echo-request", "drop", True,
     ("nftables", "fwfilter", "output", 5)),
    ("fwd_nft_forward_drop", "ipv4", "forward", "echo-request", "drop", True,
     ("nftables", "fwfwd", "forward", 3)),
    ("fwd_nft_forward_drop", "ipv4", "forward", "echo-reply", "accept", True,
     ("nftables", "fwfwd", "forward", 2)),
    ("fwd_nft_forward_drop", "ipv6", "forward", "echo-request", "accept", True,
     ("nftables", "fwfwd", "forward", P)),
    ("fwd_ipt_forward", "ipv4", "forward", "echo-request", "accept", True,
     ("iptables", "filter", "FORWARD", 2)),
    ("fwd_ipt_forward", "ipv4", "forward", "echo-reply", "accept", True,
     ("iptables", "filter", "FORWARD", 1)),
    ("fwd_ipt_forward", "ipv6", "forward", "echo-request", "accept", True,
     ("iptables", "filter", "FORWARD", P)),
    ("ipt_legacy_drop", "ipv4", "input", "echo-request", "drop", True,
     ("iptables", "filter", "INPUT", 2)),
    ("ipt_legacy_drop", "ipv6", "input", "echo-request", "drop", True,
     ("iptables", "filter", "INPUT", 1)),
    ("ipt_nft_policy_drop", "ipv4", "input", "echo-request", "accept", True,
     ("iptables", "filter", "INPUT", 3)),
    ("ipt_nft_policy_drop", "ipv6", "input", "echo-request", "drop", True,
     ("iptables", "filter", "INPUT", P)),
    ("ipt_nft_policy_drop", "ipv6", "input", "echo-reply", "accept", True,
     ("iptables", "filter", "INPUT", 1)),
    ("ipt_user_chains", "ipv4", "input", "echo-request", "reject", True,
     ("iptables", "filter", "fw-deny", 1)),
    ("ipt_user_chains", "ipv4", "output", "echo-reply", "accept", True,
     ("iptables", "filter", "fw-out", 1)),
    ("ipt_user_chains", "ipv4", "output", "echo-request", "drop", True,
     ("iptables", "filter", "fw-out", 2)),
    ("ipt_raw_reject", "ipv4", "output", "echo-reply", "drop", True,
     ("iptables", "raw", "OUTPUT", 1)),
    ("ipt_raw_reject", "ipv4", "input", "echo-request", "accept", True,
     ("iptables", "filter", "INPUT", 1)),
    ("ipt_raw_reject", "ipv6", "input", "echo-request", "reject", True,
     ("iptables", "filter", "INPUT", 1)),
    ("mixed_nft_accept_ipt_drop", "ipv4", "input", "echo-request", "drop", True,
     ("iptables", "filter", "INPUT", 1)),
    ("mixed_nft_accept_ipt_drop", "ipv6", "input", "echo-request", "accept", True,
     ("nftables", "fwmix", "input", 3)),
    ("mixed_nft_drop_iptnft_accept", "ipv4", "output", "echo-reply", "drop", True,
     ("nftables", "fwmix", "output", 2)),
    ("mixed_nft_drop_iptnft_accept", "ipv4", "input", "echo-reply", "accept", True,
     ("iptables", "filter", "INPUT", 1)),
    # a nat chain alone does not turn conntrack on: the kernel never runs it
    ("nft_nat_chains", "ipv4", "input", "echo-request", "accept", True, NONE),
    ("nft_nat_chains_ct", "ipv4", "input", "echo-request", "drop", True,
     ("nftables", "fwnat", "in", 4)),
    ("nft_nat_chains_ct", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "fwct", "input", 2)),
    ("nft_raw_invalid", "ipv4", "input", "echo-reply", "drop", True,
     ("nftables", "fwraw", "pre", 2)),
    ("nft_raw_invalid", "ipv4", "input", "echo-request", "accept", True,
     ("nftables", "fwraw", "pre", P)),
    ("nft_raw_invalid", "ipv6", "input", "echo-reply", "accept", True,
     ("nftables", "fwraw", "pre", P)),
    ("nft_netdev_ingress", "ipv4", "input", "echo-request", "drop", False,
     ("nftables", "fwnd", "ing", 2)),
    ("nft_netdev_ingress", "ipv6", "input", "echo-request", "accept", True,
     ("nftables", "fwnd", "ing", P)),
    ("firewalld_nft_public_block", "ipv4", "input", "echo-request", "reject", True,
     ("nftables", "firewalld", "filter_IN_public_deny", 81)),
    ("firewalld_nft_public_block", "ipv6", "input", "echo-request", "reject", True,
     ("nftables", "firewalld", "filter_IN_public_deny", 82)),
    ("firewalld_nft_public_block", "ipv4", "input", "echo-reply", "accept", True,
     ("nftables", "firewalld", "filter_INPUT", 47)),
    ("firewalld_nft_public_block", "ipv4", "output", "echo-request", "accept", True,
     ("nftables", "firewalld", "filter_OUTPUT", P)),
    ("ufw_like", "ipv4", "input", "echo-request", "drop", True,
     ("iptables", "filter", "INPUT", P)),
    ("ufw_like", "ipv4", "input", "echo-reply", "accept", True,
     ("ufw", "filter", "ufw-before-input", 2)),
]


def _identity(ref):
    if ref["backend"] == "policy":
        return None
    key = P if ref["policy"] else (ref["handle"] if ref["backend"] == "nftables"
                                   else ref["rule_number"])
    return (ref["backend"], ref["table"], ref["chain"], key)


@pytest.mark.parametrize("scenario,family,hook,icmp_type,verdict,certain,decider", CASES,
                         ids=["%s-%s-%s-%s" % c[:4] for c in CASES])
def test_matrix(scenario, family, hook, icmp_type, verdict, certain, decider):
    result = evaluate_packet(sources_for(scenario), query(family, hook, icmp_type))
    assert (result["verdict"], result["certain"]) == (verdict, certain)
    assert _identity(result["deciding_rule"]) == decider
    # the echo of the query and the schema keys are always there
    assert result["family"] == family and result["hook"] == hook
    for entry in result["trace"]:
        assert entry["match"] in ("yes", "maybe")
    if decider is not None and decider[3] != P:
        # the deciding rule appears in the trace as a match
        assert any(_identity(e) == decider and e["match"] in ("yes", "maybe")
                   for e in result["trace"])


def test_iptables_rule_text_and_variant_identify_rule():
    result = evaluate_packet(sources_for("ipt_legacy_drop"), query("ipv4", "input",
                                                                   "echo-request"))
    ref = result["deciding_rule"]
    assert ref["variant"] == "legacy" and ref["family"] == "ipv4" and ref["handle"] is None
    assert ref["comment"] == "fw legacy drop"
    assert ref["text"].endswith("-j DROP")


def test_ufw_labels_policy_when_ufw_active():
    src = sources_for("ufw_like")
    src["ufw"] = True
    result = evaluate_packet(src, query("ipv4", "input", "echo-request"))
    assert result["deciding_rule"]["backend"] == "ufw"
    assert result["deciding_rule"]["policy"] is True


def test_ufw_like_accepts_allowed_subnet():
    q = query("ipv4", "input", "echo-request")
    q["src"] = "10.99.5.7"
    result = evaluate_packet(sources_for("ufw_like"), q)
    assert result["verdict"] == "accept" and result["certain"]
    assert _identity(result["deciding_rule"]) == ("ufw", "filter", "ufw-before-input", 7)


def test_trace_order_follows_jumps():
    result = evaluate_packet(sources_for("nft_jump_goto"), query("ipv4", "input",
                                                                 "echo-request"))
    steps = [(e["chain"], e["handle"], e["verdict"]) for e in result["trace"]]
    assert steps == [
        ("input", 13, "jump icmp_checks"),
        ("icmp_checks", 6, "jump icmp_deeper"),
        ("icmp_deeper", 11, "return"),
        ("icmp_checks", 8, "accept"),
    ]


def test_unknown_source_makes_set_match_uncertain():
    q = query("ipv4", "input", "echo-request")
    q["src"] = None
    result = evaluate_packet(sources_for("nft_policy_drop_sets"), q)
    assert result["certain"] is False
    assert set([result["verdict"]] + result["alternatives"]) == {"accept", "drop"}
    assert any(e["match"] == "maybe" and e["handle"] == 6 for e in result["trace"])


def test_unknown_interface_in_vmap_is_uncertain():
    q = query("ipv4", "input", "echo-request")
    q["iif"] = None
    result = evaluate_packet(sources_for("nft_vmap_ifname"), q)
    assert result["certain"] is False


def test_other_interface_bypasses_vmap_jump():
    q = query("ipv4", "input", "echo-request")
    q["iif"] = "eth7"
    result = evaluate_packet(sources_for("nft_vmap_ifname"), q)
    assert (result["verdict"], result["certain"]) == ("accept", True)
    assert result["deciding_rule"]["policy"] is True


def test_iptables_nft_tables_without_save_are_maybe_in_nft():
    """Without iptables-nft-save the iptables-nft table is evaluated from nft JSON, where the
    icmp match is an opaque xt expression: reported as maybe, never skipped silently."""
    src = sources_for("ipt_user_chains")
    src["iptables"], src["nft_skip"] = [], []
    result = evaluate_packet(src, query("ipv4", "input", "echo-request"))
    assert result["certain"] is False
    assert any(e["match"] == "maybe" and e["backend"] == "nftables" for e in result["trace"])


def test_prerouting_sees_ct_state_invalid_before_conntrack():
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import (
        parse_nft_ruleset)
    ruleset = parse_nft_ruleset('{"nftables": [{"table": {"family": "ip", "name": "t", '
                                '"handle": 1}}, {"chain": {"family": "ip", "table": "t", '
                                '"name": "pre", "handle": 1, "type": "filter", "hook": '
                                '"prerouting", "prio": -300, "policy": "accept"}}, {"rule": '
                                '{"family": "ip", "table": "t", "chain": "pre", "handle": 2, '
                                '"expr": [{"match": {"op": "in", "left": {"ct": {"key": '
                                '"state"}}, "right": "invalid"}}, {"drop": null}]}}]}')
    result = evaluate_packet({"nft": ruleset}, query("ipv4", "input", "echo-reply"))
    assert result["verdict"] == "drop" and result["certain"]
