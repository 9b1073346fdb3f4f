"""collect_firewall with a fake ``run`` that replays real captured outputs (and the recorded
firewalld/ufw shapes, see tests/unit/fixtures/firewall/README.md)."""
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter import collect_firewall
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.evaluate import (
    module_runner,
)
from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.firewalld import (
    evaluate_firewalld, evaluate_firewalld_policy, parse_firewalld_policies, parse_firewalld_zones, parse_rich_rule,
    parse_ufw_status,
)

from ansible_collections.vmnet.doctor.tests.unit.plugins.module_utils.netfilter.fw_helpers import (  # noqa: E501
    RECORDED, exists, query, read,
)

SAVE_FILES = {
    "iptables-nft-save": "iptables-nft-save", "ip6tables-nft-save": "ip6tables-nft-save",
    "iptables-legacy-save": "iptables-legacy-save",
    "ip6tables-legacy-save": "ip6tables-legacy-save",
}


def replay(scenario=None, extra=None, missing=("firewall-cmd", "ufw")):
    """A run() answering from captured files of one scenario; ``extra`` overrides argv."""
    calls = []

    def run(argv):
        calls.append(list(argv))
        key = " ".join(argv)
        if extra and key in extra:
            return extra[key]
        if argv[0] in missing:
            return 127, "", "%s: not found" % argv[0]
        if key == "iptables -V":
            return 0, read("iptables-V.txt", RECORDED), ""
        if argv[0] in SAVE_FILES:
            name = "%s.%s.txt" % (scenario, SAVE_FILES[argv[0]])
            return 0, read(name) if scenario and exists(name) else "", ""
        if key == "nft -j list ruleset":
            name = "%s.nft.json" % scenario
            return 0, read(name) if scenario and exists(name) else \
                '{"nftables": [{"metainfo": {"version": "1.0.6"}}]}', ""
        return 127, "", "unexpected command %s" % key
    run.calls = calls
    return run


def test_mixed_backends_and_verdict():
    facts = collect_firewall(replay("mixed_nft_accept_ipt_drop"),
                             [query("ipv4", "input", "echo-request")])
    assert facts["backends"]["nftables"] == {"present": True, "active": True}
    assert facts["backends"]["iptables_legacy"] == {"present": True, "active": True}
    assert facts["backends"]["iptables_nft"] == {"present": True, "active": False}
    assert facts["backends"]["firewalld"] == {"present": False, "active": False}
    assert facts["backends"]["windows_firewall"] == {"present": False, "active": False}
    assert facts["_errors"] == []
    assert facts["_tools"] == {"iptables": True, "iptables_legacy": True, "nft": True,
                               "firewall_cmd": False, "ufw": False}
    assert facts["rulesets"] == {}
    ev = facts["icmp"][0]
    assert (ev["verdict"], ev["certain"]) == ("drop", True)
    ref = ev["deciding_rule"]
    assert (ref["backend"], ref["variant"], ref["table"], ref["chain"], ref["rule_number"]) == (
        "iptables", "legacy", "filter", "INPUT", 1)
    # the nft accept (priority -5) ran first and did not end the traversal
    assert [t["backend"] for t in ev["trace"]] == ["nftables", "iptables"]
    assert ev["trace"][0]["verdict"] == "accept"


def test_iptables_nft_rules_not_counted_twice():
    facts = collect_firewall(replay("ipt_user_chains"), [query("ipv4", "input",
                                                               "echo-request")])
    assert facts["backends"]["nftables"] == {"present": True, "active": False}
    assert facts["backends"]["iptables_nft"] == {"present": True, "active": True}
    ev = facts["icmp"][0]
    assert ev["verdict"] == "reject" and ev["certain"]
    assert {t["backend"] for t in ev["trace"]} == {"iptables"}


def test_nothing_installed():
    def run(argv):
        raise OSError(2, "No such file or directory")
    facts = collect_firewall(run, [query("ipv6", "forward", "echo-request")])
    assert all(b == {"present": False, "active": False} for b in facts["backends"].values())
    assert facts["_errors"] == []
    ev = facts["icmp"][0]
    assert (ev["verdict"], ev["certain"]) == ("accept", True)
    assert ev["deciding_rule"]["backend"] == "policy"


def test_nft_permission_error_is_reported():
    run = replay(extra={"nft -j list ruleset": (1, "", "Error: Operation not permitted\n")})
    facts = collect_firewall(run, [])
    assert facts["backends"]["nftables"] == {"present": True, "active": False}
    assert facts["_errors"] == [("nft", "nft -j list ruleset: Error: Operation not permitted")]
    assert facts["icmp"] == []


def test_legacy_fallback_to_iptables_save():
    """Old systems without the -legacy/-nft binaries: iptables-save + iptables -V decide."""
    legacy = read("ipt_legacy_drop.iptables-legacy-save.txt")
    run = replay(extra={"iptables -V": (0, "iptables v1.6.1 (legacy)\n", ""),
                        "iptables-save": (0, legacy, ""), "ip6tables-save": (0, "", "")},
                 missing=("firewall-cmd", "ufw", "iptables-nft-save", "ip6tables-nft-save",
                          "iptables-legacy-save", "ip6tables-legacy-save"))
    facts = collect_firewall(run, [query("ipv4", "input", "echo-request")])
    assert facts["backends"]["iptables_legacy"] == {"present": True, "active": True}
    assert facts["backends"]["iptables_nft"] == {"present": False, "active": False}
    assert ["iptables-save"] in run.calls
    assert facts["icmp"][0]["deciding_rule"]["variant"] == "legacy"


def test_gather_rulesets():
    facts = collect_firewall(replay("mixed_nft_drop_iptnft_accept"), [], gather_rulesets=True)
    assert set(facts["rulesets"]) == {"nftables", "iptables_nft"}
    assert "nftables" in facts["rulesets"]["nftables"]
    assert facts["rulesets"]["iptables_nft"]["ipv4"].startswith("*filter")


def test_firewalld_zone_explanation():
    zones_text = read("firewalld-list-all-zones.txt", RECORDED)
    run = replay(extra={"firewall-cmd --state": (0, "running\n", ""),
                        "firewall-cmd --list-all-zones": (0, zones_text, ""),
                        "firewall-cmd --get-default-zone": (0, "public\n", "")},
                 missing=("ufw",))
    q = {"family": "ipv4", "hook": "input", "icmp_type": "echo-request", "src": "192.0.2.50",
         "dst": "192.0.2.1", "iif": "eth0", "oif": None}
    facts = collect_firewall(run, [q])
    assert facts["backends"]["firewalld"] == {"present": True, "active": True}
    zone = facts["icmp"][0]["firewalld_zone"]
    assert (zone["zone"], zone["selected_by"], zone["setting"], zone["verdict"]) == (
        "public", "interface eth0", "icmp-block", "reject")


def test_firewalld_table_rule_relabelled_with_zone_setting():
    zones_text = read("firewalld-list-all-zones.txt", RECORDED)
    run = replay("firewalld_nft_public_block",
                 extra={"firewall-cmd --state": (0, "running\n", ""),
                        "firewall-cmd --list-all-zones": (0, zones_text, ""),
                        "firewall-cmd --get-default-zone": (0, "public\n", "")},
                 missing=("ufw",))
    facts = collect_firewall(run, [query("ipv4", "input", "echo-request")])
    ev = facts["icmp"][0]
    ref = ev["deciding_rule"]
    assert (ev["verdict"], ev["certain"]) == ("reject", True)
    assert (ref["backend"], ref["table"], ref["chain"], ref["handle"]) == (
        "firewalld", "firewalld", "filter_IN_public_deny", 81)
    assert (ref["zone"], ref["zone_setting"]) == ("public", "icmp-block")
    # firewalld's own table is not counted as a separate nftables ruleset
    assert facts["backends"]["nftables"]["present"] is True


def test_firewalld_iptables_backend_chain_relabelled():
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.evaluate import (
        evaluate_packet)
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.iptables import (
        parse_iptables_save)
    text = ("*filter\n:INPUT ACCEPT [0:0]\n:INPUT_ZONES - [0:0]\n:IN_public - [0:0]\n"
            "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n"
            "-A INPUT -j INPUT_ZONES\n-A INPUT_ZONES -i eth0 -g IN_public\n"
            "-A IN_public -p icmp -m icmp --icmp-type 8 -j REJECT --reject-with "
            "icmp-host-prohibited\nCOMMIT\n")
    zones = parse_firewalld_zones(read("firewalld-list-all-zones.txt", RECORDED))
    q = {"family": "ipv4", "hook": "input", "icmp_type": "echo-request", "src": "192.0.2.50",
         "dst": "192.0.2.1", "iif": "eth0", "oif": None}
    res = evaluate_packet({"iptables": [parse_iptables_save(text, "ipv4", "legacy")],
                           "firewalld": {"zones": zones, "default_zone": "public"}}, q)
    assert res["verdict"] == "reject"
    assert (res["deciding_rule"]["backend"], res["deciding_rule"]["chain"],
            res["deciding_rule"]["rule_number"], res["deciding_rule"]["zone_setting"]) == (
        "firewalld", "IN_public", 1, "icmp-block")


def test_ufw_status_marks_active():
    run = replay("ufw_like", extra={"ufw status verbose": (
        0, read("ufw-status-verbose.txt", RECORDED), "")}, missing=("firewall-cmd",))
    facts = collect_firewall(run, [query("ipv4", "input", "echo-request")])
    assert facts["backends"]["ufw"] == {"present": True, "active": True}
    ref = facts["icmp"][0]["deciding_rule"]
    assert (ref["backend"], ref["chain"], ref["policy"]) == ("ufw", "INPUT", True)


def test_ufw_deciding_rule_names_its_source():
    """ufw's layout: policy -> its default; ufw-before-* -> before.rules (before6.rules for IPv6); user chains ->
    the ufw allow/deny rules."""
    from ansible_collections.vmnet.doctor.plugins.module_utils.netfilter.evaluate import ufw_rule_source
    status = {"default_incoming": "deny"}
    policy = {"chain": "INPUT", "policy": True, "text": "-P INPUT DROP"}
    assert ufw_rule_source(policy, {"family": "ipv4"}, status) == "ufw default deny (incoming)"
    before = {"chain": "ufw-before-input", "policy": False, "text": "-p icmp -m icmp --icmp-type 8 -j DROP"}
    assert ufw_rule_source(before, {"family": "ipv4"}, status) == (
        "/etc/ufw/before.rules: -A ufw-before-input -p icmp -m icmp --icmp-type 8 -j DROP")
    v6 = dict(before, chain="ufw6-before-input")
    assert ufw_rule_source(v6, {"family": "ipv6"}, status).startswith("/etc/ufw/before6.rules: -A ufw6-before-input")
    user = {"chain": "ufw-user-input", "policy": False, "text": "-s 192.0.2.1 -j DROP"}
    assert ufw_rule_source(user, {"family": "ipv4"}, status).startswith("ufw status numbered: ")


def test_parse_ufw_status():
    status = parse_ufw_status(read("ufw-status-verbose.txt", RECORDED))
    assert status == {"active": True, "default_incoming": "deny", "default_outgoing": "allow",
                      "default_routed": "disabled"}
    assert parse_ufw_status("Status: inactive\n")["active"] is False


def test_module_runner_maps_missing_binary():
    class FakeModule(object):
        def get_bin_path(self, name):
            return None if name == "ufw" else "/usr/sbin/" + name

        def run_command(self, argv, environ_update=None):
            return 0, " ".join(argv) + " " + environ_update["LANG"], ""
    run = module_runner(FakeModule())
    assert run(["ufw", "status"])[0] == 127
    assert run(["nft", "-j", "list", "ruleset"]) == (0, "/usr/sbin/nft -j list ruleset C", "")


# ---------------------------------------------------------------- firewalld zone model

def _zones():
    return parse_firewalld_zones(read("firewalld-list-all-zones.txt", RECORDED))


def test_parse_zones():
    zones = _zones()
    assert sorted(zones) == ["block", "dmz", "drop", "internal", "public", "trusted"]
    assert zones["public"]["default"] and zones["public"]["active"]
    assert zones["public"]["icmp_blocks"] == ["echo-request", "timestamp-request"]
    assert zones["block"]["target"] == "REJECT"
    assert zones["dmz"]["icmp_block_inversion"] is True
    assert zones["internal"]["rich_rules"] == [
        'rule family="ipv4" source address="10.20.0.0/16" icmp-type name="echo-request" drop',
        'rule family="ipv4" source address="10.20.30.0/24" icmp-type name="echo-request" '
        'accept']


def _fw(src, iif, icmp_type="echo-request", hook="input"):
    q = {"family": "ipv4", "hook": hook, "icmp_type": icmp_type, "src": src,
         "dst": "192.0.2.1", "iif": iif, "oif": None}
    return evaluate_firewalld(_zones(), q)


def test_zone_by_interface_icmp_block():
    res = _fw("192.0.2.50", "eth0")
    assert (res["zone"], res["setting"], res["verdict"], res["certain"]) == (
        "public", "icmp-block", "reject", True)


def test_zone_rich_rule_drop_before_accept():
    res = _fw("10.20.30.5", "eth1")
    assert (res["zone"], res["setting"], res["verdict"]) == ("internal", "rich rule", "drop")
    assert "10.20.0.0/16" in res["text"]


def test_zone_default_target_allows_icmp():
    res = _fw("10.1.1.1", "eth1")
    assert (res["zone"], res["setting"], res["verdict"]) == ("internal", "target", "accept")


def test_zone_by_source_binding_wins():
    res = _fw("198.51.100.9", "eth0")
    assert (res["zone"], res["selected_by"], res["setting"], res["verdict"]) == (
        "drop", "source 198.51.100.0/24", "target", "drop")


def test_icmp_block_inversion():
    res = _fw("192.0.2.130", "eth0")
    assert (res["zone"], res["setting"], res["verdict"]) == (
        "dmz", "icmp-block-inversion", "accept")


def test_established_reply_and_output():
    assert _fw("192.0.2.50", "eth0", "echo-reply")["setting"] == "established"
    assert _fw("192.0.2.50", None, hook="output") is None


def test_rich_rule_parser():
    rule = parse_rich_rule('rule family="ipv6" source NOT address="fd00::/8" '
                           'icmp-block name="echo-request"')
    assert (rule["family"], rule["source"], rule["source_invert"], rule["icmp_block"],
            rule["action"]) == ("ipv6", "fd00::/8", True, "echo-request", "reject")


# ---------------------------------------------------------------- firewalld policies between zones
# Captured on the routed lab with firewalld on the hypervisor (lab.py up --topology routed --firewall
# firewalld; lab.py fault fwd_policy_drop): eth0/eth1 in public, br0 in internal, policy lab-block
# public -> internal, priority -10, target DROP (see tests/unit/fixtures/firewall/README.md).
POLICY_FWD = {"family": "ipv4", "hook": "forward", "icmp_type": "echo-request", "src": "10.220.0.1",
              "dst": "10.220.1.11", "iif": "eth0", "oif": "br0"}


def policy_replay(**extra):
    answers = {"firewall-cmd --state": (0, "running\n", ""),
               "firewall-cmd --list-all-zones": (0, read("firewalld_policy_drop.list-all-zones.txt"), ""),
               "firewall-cmd --get-default-zone": (0, "public\n", ""),
               "firewall-cmd --list-all-policies": (0, read("firewalld_policy_drop.list-all-policies.txt"), "")}
    answers.update(extra)
    return replay("firewalld_policy_drop", extra=answers, missing=("ufw",))


def test_parse_firewalld_policies_captured():
    policies = parse_firewalld_policies(read("firewalld_policy_drop.list-all-policies.txt"))
    block = policies["lab-block"]
    assert (block["priority"], block["target"], block["ingress_zones"], block["egress_zones"]) == (
        -10, "DROP", ["public"], ["internal"])
    assert policies["lab-to-vms"]["target"] == "ACCEPT" and policies["lab-to-vms"]["priority"] == -1
    assert policies["allow-host-ipv6"]["target"] == "CONTINUE" and policies["allow-host-ipv6"]["rich_rules"]


def test_forwarded_echo_dropped_by_a_policy_is_named_by_it():
    reply = dict(POLICY_FWD, iif="br0", oif="eth0", icmp_type="echo-reply", src=POLICY_FWD["dst"],
                 dst=POLICY_FWD["src"])
    facts = collect_firewall(policy_replay(), [POLICY_FWD, reply])
    ev, reply = facts["icmp"]
    ref = ev["deciding_rule"]
    assert ev["verdict"] == "drop"
    assert (ref["backend"], ref["table"], ref["chain"]) == ("firewalld", "firewalld", "filter_FWD_policy_lab-block")
    assert (ref["firewalld_policy"], ref["ingress_zone"], ref["egress_zone"], ref["zone_setting"], ref["zone_text"]) == (
        "lab-block", "public", "internal", "target", "target: DROP")
    assert ev["firewalld_policy"]["priority"] == -10
    assert reply["verdict"] == "accept" and "firewalld_policy" not in reply   # established


def test_forwarded_echo_accepted_by_a_policy_rich_rule():
    rule = ('rule priority="-100" family="ipv4" source address="10.220.0.1/32" destination '
            'address="10.220.1.11/32" icmp-type name="echo-request" accept')
    policies = parse_firewalld_policies(read("firewalld_policy_drop.list-all-policies.txt"))
    policies["lab-block"]["rich_rules"].append(rule)
    zones = parse_firewalld_zones(read("firewalld_policy_drop.list-all-zones.txt"))
    result = evaluate_firewalld_policy(zones, policies, POLICY_FWD, "public")
    assert (result["policy"], result["setting"], result["verdict"]) == ("lab-block", "rich rule", "accept")
    # without lab-block the lab's own accepting policy decides; an input packet has no policy
    del policies["lab-block"]
    assert evaluate_firewalld_policy(zones, policies, POLICY_FWD, "public")["policy"] == "lab-to-vms"
    assert evaluate_firewalld_policy(zones, policies, dict(POLICY_FWD, hook="input"), "public") is None


def test_firewalld_without_policies_still_collects():
    facts = collect_firewall(policy_replay(**{"firewall-cmd --list-all-policies": (2, "", "unknown option")}),
                             [POLICY_FWD])
    assert "firewalld_policy" not in facts["icmp"][0]["deciding_rule"]


def test_forwarded_echo_between_zones_without_a_policy_names_both_zones():
    # captured after `firewall-cmd --zone=libvirt --change-interface=br0` on the routed lab's hv: the VMs'
    # bridge in libvirt's zone, which no lab policy names: host -> VM ends in filter_FWD_public's final reject
    answers = {"firewall-cmd --state": (0, "running\n", ""),
               "firewall-cmd --list-all-zones": (0, read("firewalld_libvirt_zone.list-all-zones.txt"), ""),
               "firewall-cmd --get-default-zone": (0, "public\n", ""),
               "firewall-cmd --list-all-policies": (0, read("firewalld_libvirt_zone.list-all-policies.txt"), "")}
    facts = collect_firewall(replay("firewalld_libvirt_zone", extra=answers, missing=("ufw",)),
                             [POLICY_FWD, dict(POLICY_FWD, iif="br0", oif="eth0", src=POLICY_FWD["dst"],
                                               dst=POLICY_FWD["src"])])
    ev, back = facts["icmp"]
    ref = ev["deciding_rule"]
    assert (ev["verdict"], ref["chain"], ref["backend"]) == ("reject", "filter_FWD_public", "firewalld")
    assert (ref["zone"], ref["ingress_zone"], ref["egress_zone"], ref["zone_setting"]) == (
        "public", "public", "libvirt", "no policy")
    assert ref["zone_text"].startswith("no policy accepts forwarding from zone public to zone libvirt")
    assert back["verdict"] == "accept"      # the VM -> host direction: libvirt's target ACCEPT forwards it
