"""Parsers on real dumps (tests/unit/fixtures/firewall/captured/, see its README)."""
import os

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import (
    nft_bridge_mac_drops, parse_iptables_save, parse_nft_ruleset,
)
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.nft import (
    iptables_nft_tables,
)

from ansible_collections.vmnet.doctor.tests.unit.plugins.module_utils.netfilter.fw_helpers import (  # noqa: E501
    read,
)


def test_nft_ruleset_structure():
    rs = parse_nft_ruleset(read("nft_policy_drop_sets.nft.json"))
    assert rs["tables"] == [{"family": "inet", "name": "fwfilter", "handle": 1}]
    chain = rs["chains"]["inet fwfilter input"]
    assert (chain["base"], chain["hook"], chain["prio"], chain["policy"], chain["type"]) == (
        True, "input", 0, "drop", "filter")
    assert [r["handle"] for r in chain["rules"]] == [4, 5, 6, 8, 10]
    allowed = rs["sets"]["inet fwfilter allowed4"]
    assert allowed["flags"] == ["interval"]
    assert {"prefix": {"addr": "10.99.1.0", "len": 24}} in allowed["elements"]


@pytest.mark.parametrize("scenario,chain,handle,text", [
    ("nft_policy_drop_sets", "inet fwfilter input", 4, "ct state established,related accept"),
    ("nft_policy_drop_sets", "inet fwfilter input", 6,
     "ip saddr @allowed4 icmp type echo-request accept"),
    ("nft_inet_drop_echo", "inet fwfilter input", 3, "icmp type echo-request counter drop"),
    ("nft_vmap_ifname", "inet fwvmap input", 6,
     'iifname vmap { "b0" : jump from_a, "lo" : accept }'),
    ("nft_jump_goto", "ip fwip icmp_checks", 8, 'ip protocol icmp log prefix "fwicmp " accept'),
    ("nft_jump_goto", "ip fwip icmp_deeper", 10, "ip saddr != 10.99.1.0/25 drop"),
    ("nft_reject_output", "inet fwfilter input", 4,
     "icmpv6 type echo-request reject with icmpv6 admin-prohibited"),
    ("fwd_nft_forward_drop", "inet fwfwd forward", 3,
     'iifname "ra" oifname "rb" ip daddr 10.99.2.0/24 icmp type echo-request drop'),
])
def test_nft_rule_text_is_readable(scenario, chain, handle, text):
    rs = parse_nft_ruleset(read(scenario + ".nft.json"))
    rule = [r for r in rs["chains"][chain]["rules"] if r["handle"] == handle][0]
    assert rule["text"] == text


def test_nft_comment_kept():
    rs = parse_nft_ruleset(read("nft_inet_drop_echo.nft.json"))
    rule = rs["chains"]["inet fwfilter input"]["rules"][1]
    assert rule["comment"] == "no ping"


def test_nft_invalid_json_raises():
    with pytest.raises(DoctorError) as exc:
        parse_nft_ruleset("{not json")
    assert "invalid JSON" in str(exc.value)


def test_nft_empty_output_is_empty_ruleset():
    assert parse_nft_ruleset("") == {"tables": [], "chains": {}, "sets": {}}


def test_iptables_nft_tables_detected_by_xt():
    rs = parse_nft_ruleset(read("ipt_user_chains.nft.json"))
    assert iptables_nft_tables(rs) == {("ip", "filter")}
    assert iptables_nft_tables(parse_nft_ruleset(read("nft_jump_goto.nft.json"))) == set()


def test_bridge_mac_drops():
    rs = parse_nft_ruleset(read("bridge_mac_drop.nft.json"))
    drops = nft_bridge_mac_drops(rs)
    summary = [(d["mac"], d["direction"], d["port"], d["verdict"], d["rule"]["chain"],
                d["rule"]["handle"]) for d in drops]
    assert summary == [
        ("52:54:00:aa:bb:02", "source", None, "drop", "forward", 3),
        ("52:54:00:aa:bb:03", "destination", "vnet0", "drop", "forward", 4),
        ("52:54:00:aa:bb:04", "source", None, "drop", "forward", 6),
        ("52:54:00:aa:bb:05", "source", None, "drop", "forward", 6),
        ("52:54:00:aa:bb:06", "source", None, "drop", "input", 8),
    ]
    assert drops[0]["rule"]["family"] == "bridge" and drops[0]["rule"]["backend"] == "nftables"
    assert drops[0]["rule"]["text"] == "ether saddr 52:54:00:aa:bb:02 drop"
    # L3 rulesets have none
    assert nft_bridge_mac_drops(parse_nft_ruleset(read("nft_jump_goto.nft.json"))) == []


def test_bridge_mac_drops_resolve_named_sets():
    """Captured by tests/unit/fixtures/fixers/capture.sh: `ether saddr @blocked drop` on iifname vnet0."""
    fixture = os.path.join(os.path.dirname(__file__), "..", "..", "..", "fixtures", "fixers",
                           "nft_bridge_drop.json")
    with open(fixture) as f:
        drops = nft_bridge_mac_drops(parse_nft_ruleset(f.read()))
    by_handle = {}
    for d in drops:
        by_handle.setdefault(d["rule"]["handle"], []).append((d["mac"], d["direction"], d["port"]))
    assert by_handle[4] == [("52:54:00:aa:bb:03", "source", "vnet0"), ("52:54:00:aa:bb:04", "source", "vnet0")]
    assert by_handle[3] == [("52:54:00:aa:bb:02", "source", None)]


def test_iptables_save_structure():
    tables = parse_iptables_save(read("ipt_user_chains.iptables-nft-save.txt"), "ipv4", "nft")
    assert list(tables) == ["filter"]
    filt = tables["filter"]
    assert (filt["family"], filt["variant"]) == ("ipv4", "nft")
    assert filt["chains"]["INPUT"]["policy"] == "ACCEPT"
    assert filt["chains"]["fw-icmp"]["policy"] is None
    rules = filt["chains"]["fw-icmp"]["rules"]
    assert [r["rule_number"] for r in rules] == [1, 2, 3, 4, 5]
    assert rules[1]["text"] == "! -s 10.99.1.0/24 -i b+ -j DROP"
    assert {"type": "src", "value": "10.99.1.0/24", "neg": True} in \
        rules[1]["matches"]
    assert (rules[3]["target"], rules[3]["goto"]) == ("fw-deny", True)
    assert rules[2]["target"] == "LOG" and rules[2]["target_args"] == ["--log-prefix", "fw ping "]


def test_iptables_save_comment_and_tables():
    tables = parse_iptables_save(read("ipt_raw_reject.iptables-legacy-save.txt"), "ipv4",
                                 "legacy")
    assert sorted(tables) == ["filter", "raw"]
    legacy = parse_iptables_save(read("ipt_legacy_drop.iptables-legacy-save.txt"), "ipv4",
                                 "legacy")
    assert legacy["filter"]["chains"]["INPUT"]["rules"][1]["comment"] == "fw legacy drop"


def test_iptables_save_counters_format():
    text = "*filter\n:INPUT DROP [5:300]\n[3:180] -A INPUT -p icmp -j ACCEPT\nCOMMIT\n"
    tables = parse_iptables_save(text, "ipv4", "legacy")
    rule = tables["filter"]["chains"]["INPUT"]["rules"][0]
    assert (rule["rule_number"], rule["target"], rule["text"]) == (1, "ACCEPT",
                                                                   "-p icmp -j ACCEPT")
    assert tables["filter"]["chains"]["INPUT"]["policy"] == "DROP"


def test_iptables_save_rule_outside_table_raises():
    with pytest.raises(DoctorError) as exc:
        parse_iptables_save("-A INPUT -j DROP\n", "ipv4", "nft")
    assert "outside a table" in str(exc.value)


def test_iptables_unknown_module_is_kept_as_unknown():
    text = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m mark --mark 0x1 -j DROP\n" \
           "-A INPUT -m physdev --physdev-in vnet0 -j DROP\nCOMMIT\n"
    rules = parse_iptables_save(text, "ipv4", "nft")["filter"]["chains"]["INPUT"]["rules"]
    assert [m["type"] for m in rules[0]["matches"]] == ["unknown"]
    assert [m["type"] for m in rules[1]["matches"]] == ["unknown"]
