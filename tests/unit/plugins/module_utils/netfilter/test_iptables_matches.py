"""iptables match semantics on small iptables-save-shaped inputs (synthetic, in the exact
format iptables-save prints; the captured real dumps are covered in test_evaluate_matrix)."""
import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import (
    evaluate_iptables, parse_iptables_save,
)

Q4 = {"family": "ipv4", "hook": "input", "icmp_type": "echo-request", "src": "10.0.0.5",
      "dst": "10.0.0.1", "iif": "eth0", "oif": None}


def verdict(rule, query=None, family="ipv4", table="filter", chain="INPUT"):
    text = "*%s\n:%s ACCEPT [0:0]\n-A %s %s\nCOMMIT\n" % (table, chain, chain, rule)
    tables = parse_iptables_save(text, family, "nft")
    res = evaluate_iptables(tables, dict(query or Q4))
    return res["verdict"], res["certain"]


@pytest.mark.parametrize("rule,expected", [
    ("-p icmp -m icmp --icmp-type 8 -j DROP", ("drop", True)),
    ("-p icmp -m icmp --icmp-type 8/0 -j DROP", ("drop", True)),
    ("-p icmp -m icmp --icmp-type 8/3 -j DROP", ("accept", True)),
    ("-p icmp -m icmp --icmp-type echo-request -j DROP", ("drop", True)),
    ("-p icmp -m icmp --icmp-type any -j DROP", ("drop", True)),
    ("-p icmp -m icmp ! --icmp-type 8 -j DROP", ("accept", True)),
    ("-p 1 -j DROP", ("drop", True)),
    ("! -p icmp -j DROP", ("accept", True)),
    ("-p tcp -m tcp --dport 22 -j DROP", ("accept", True)),
    ("-s 10.0.0.0/24 -j DROP", ("drop", True)),
    ("-s 10.0.0.0/255.255.255.0 -j DROP", ("drop", True)),
    ("! -s 10.0.0.0/24 -j DROP", ("accept", True)),
    ("-d 10.0.0.2/32 -j DROP", ("accept", True)),
    ("-i eth+ -j DROP", ("drop", True)),
    ("-i wlan0 -j DROP", ("accept", True)),
    ("! -i eth0 -j DROP", ("accept", True)),
    ("-m conntrack --ctstate NEW -j DROP", ("drop", True)),
    ("-m conntrack --ctstate ESTABLISHED -j DROP", ("accept", True)),
    ("-m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP", ("drop", True)),
    ("-m state --state INVALID -j DROP", ("accept", True)),
    ("-m iprange --src-range 10.0.0.1-10.0.0.9 -j DROP", ("drop", True)),
    ("-m addrtype --dst-type LOCAL -j DROP", ("drop", True)),
    ("-m addrtype --dst-type BROADCAST -j DROP", ("accept", True)),
    ("-m pkttype --pkt-type broadcast -j DROP", ("accept", True)),
    ("-m mark --mark 0x1 -j DROP", ("accept", False)),
    ("-m set --match-set blocked src -j DROP", ("accept", False)),
    ("-m limit --limit 1/sec -j DROP", ("drop", False)),
    ("-m comment --comment \"x y\" -j DROP", ("drop", True)),
    ("-f -j DROP", ("accept", True)),
    ("-p icmp -j REJECT --reject-with icmp-admin-prohibited", ("reject", True)),
    ("-p icmp -j LOG --log-prefix \"x \"", ("accept", True)),
    ("-p icmp -j NFQUEUE --queue-num 1", ("drop", False)),
])
def test_ipv4_matches(rule, expected):
    assert verdict(rule) == expected


def test_icmpv6_and_family_separation():
    q6 = dict(Q4, family="ipv6", src="fd00::5", dst="fd00::1")
    assert verdict("-p ipv6-icmp -m icmp6 --icmpv6-type 128 -j DROP", q6, "ipv6") == (
        "drop", True)
    assert verdict("-p ipv6-icmp -m icmp6 --icmpv6-type echo-reply -j DROP", q6, "ipv6") == (
        "accept", True)
    # an ip6tables dump says nothing about IPv4 packets
    res = evaluate_iptables(parse_iptables_save(
        "*filter\n:INPUT DROP [0:0]\nCOMMIT\n", "ipv6", "nft"), dict(Q4))
    assert res["verdict"] is None


def test_raw_table_sees_untracked_packets():
    q = dict(Q4, icmp_type="echo-reply")
    assert verdict("-m conntrack --ctstate ESTABLISHED -j DROP", q, table="raw",
                   chain="PREROUTING") == ("accept", True)
    assert verdict("-m conntrack --ctstate ESTABLISHED -j DROP", q) == ("drop", True)


def test_unknown_source_is_maybe():
    assert verdict("-s 10.0.0.0/24 -j DROP", dict(Q4, src=None)) == ("accept", False)


def test_return_and_goto():
    text = ("*filter\n:INPUT DROP [0:0]\n:a - [0:0]\n:b - [0:0]\n"
            "-A INPUT -j a\n-A INPUT -j ACCEPT\n"
            "-A a -g b\n-A a -j DROP\n"
            "-A b -p tcp -j DROP\n-A b -j RETURN\nCOMMIT\n")
    res = evaluate_iptables(parse_iptables_save(text, "ipv4", "legacy"), dict(Q4))
    # goto b, b returns to INPUT (not to a), INPUT rule 2 accepts
    assert (res["verdict"], res["certain"]) == ("accept", True)
    assert (res["deciding_rule"]["chain"], res["deciding_rule"]["rule_number"]) == ("INPUT", 2)
    assert [(t["chain"], t["rule_number"], t["verdict"]) for t in res["trace"]] == [
        ("INPUT", 1, "jump a"), ("a", 1, "goto b"), ("b", 2, "return"), ("INPUT", 2, "accept")]


def test_tables_in_priority_order():
    text = ("*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j DROP\nCOMMIT\n"
            "*mangle\n:INPUT ACCEPT [0:0]\n-A INPUT -p icmp -j DROP\nCOMMIT\n")
    res = evaluate_iptables(parse_iptables_save(text, "ipv4", "legacy"), dict(Q4))
    assert res["deciding_rule"]["table"] == "mangle"
