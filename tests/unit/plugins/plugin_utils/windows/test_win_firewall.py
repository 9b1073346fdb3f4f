# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows Firewall verdicts for ICMP echo, from the recorded rules and profiles."""
import pytest

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import firewall as FW

import win_fixtures as W

LAN, ROUTED, VM = '192.168.10.5', '10.9.9.9', '172.20.0.10'
LAN_LOCAL, VM_LOCAL = '192.168.10.20', '172.20.0.1'


def verdict(raw, src=LAN, dst=LAN_LOCAL, hook='input', icmp_type='echo-request'):
    facts = F.parse(raw, W.PEERS)
    for entry in facts['firewall']['icmp']:
        if (entry['hook'], entry['icmp_type'], entry['src'], entry['dst']) == (hook, icmp_type, src, dst):
            return entry
    raise AssertionError('no evaluation for %s %s %s -> %s' % (hook, icmp_type, src, dst))


def test_shipped_state_default_inbound_block_per_interface_profile():
    raw = W.raw_host()
    lan = verdict(raw)
    assert (lan['verdict'], lan['certain'], lan['profile']) == ('drop', True, 'Private')
    assert lan['deciding_rule']['policy'] is True and lan['deciding_rule']['backend'] == 'windows_firewall'
    assert lan['deciding_rule']['text'] == 'profile Private default inbound action Block'
    assert lan['iif'] == 'vEthernet (External)' and lan['oif'] is None
    vm = verdict(raw, VM, VM_LOCAL)
    assert vm['profile'] == 'Public' and vm['verdict'] == 'drop'
    # the program-scoped any-protocol rule and the ICMP error rules are not on the way
    assert lan['trace'] == []


def test_outbound_and_replies_pass():
    raw = W.raw_host()
    out = verdict(raw, LAN_LOCAL, LAN, hook='output')
    assert out['verdict'] == 'accept' and out['deciding_rule']['text'] == 'profile Private default outbound action Allow'
    reply = verdict(raw, LAN, LAN_LOCAL, icmp_type='echo-reply')
    assert reply['verdict'] == 'accept' and reply['deciding_rule']['text'].startswith('stateful')


def test_enabled_builtin_rule_scoped_to_local_subnet():
    raw = W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True')
    lan = verdict(raw)
    assert lan['verdict'] == 'accept' and lan['deciding_rule']['name'] == 'FPS-ICMP4-ERQ-In'
    assert lan['deciding_rule']['display_name'] == 'File and Printer Sharing (Echo Request - ICMPv4-In)'
    assert [t['name'] for t in lan['trace']] == ['FPS-ICMP4-ERQ-In']
    routed = verdict(raw, ROUTED, LAN_LOCAL)      # 10.9.9.9 is not a local subnet
    assert routed['verdict'] == 'drop' and routed['deciding_rule']['policy'] is True


def test_two_rules_one_display_name_profile_mismatch():
    # Only the -NoScope twin (Domain profile, any address) is enabled: the Private interface stays closed.
    raw = W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In-NoScope', Enabled='True')
    lan = verdict(raw)
    assert lan['verdict'] == 'drop' and lan['trace'] == []
    rules = [r for r in F.parse(raw, W.PEERS)['firewall']['windows']['rules']
             if r['display_name'] == 'File and Printer Sharing (Echo Request - ICMPv4-In)']
    assert sorted((r['name'], r['enabled'], tuple(r['profiles'])) for r in rules) == [
        ('FPS-ICMP4-ERQ-In', False, ('Private', 'Public')), ('FPS-ICMP4-ERQ-In-NoScope', True, ('Domain',))]


def test_disabled_builtin_rule_does_not_count():
    raw = W.set_rule(W.raw_host(), 'vm-monitoring-icmpv4', Enabled='False')
    assert verdict(raw, ROUTED, LAN_LOCAL)['verdict'] == 'drop'
    raw = W.set_rule(W.raw_host(), 'vm-monitoring-icmpv4', Enabled='True')
    assert verdict(raw, ROUTED, LAN_LOCAL)['verdict'] == 'accept'


def test_block_rule_overrides_allow_rule():
    raw = W.with_custom_block(W.set_rule(W.raw_host(), 'vm-monitoring-icmpv4', Enabled='True'))
    lan = verdict(raw)        # 192.168.10.5 is inside 192.168.10.0/255.255.255.128
    assert lan['verdict'] == 'drop' and lan['deciding_rule']['name'] == 'Block-Lab-Ping'
    assert lan['deciding_rule']['action'] == 'Block'
    assert sorted(t['name'] for t in lan['trace']) == ['Block-Lab-Ping', 'vm-monitoring-icmpv4']
    routed = verdict(raw, ROUTED, LAN_LOCAL)   # 10.9.9.9 is in the range 10.9.9.1-10.9.9.20
    assert routed['deciding_rule']['name'] == 'Block-Lab-Ping'
    vm = verdict(raw, VM, VM_LOCAL)     # Public profile: the block rule is Private only
    assert vm['verdict'] == 'accept' and vm['deciding_rule']['name'] == 'vm-monitoring-icmpv4'


def test_profile_blocking_all_inbound_and_disabled_profile():
    raw = W.set_rule(W.raw_host(NetFirewallProfile='public-blockall'), 'vm-monitoring-icmpv4', Enabled='True')
    vm = verdict(raw, VM, VM_LOCAL)
    assert vm['verdict'] == 'drop' and vm['deciding_rule']['profile_blocks_all'] is True
    assert vm['deciding_rule']['chain'] == 'Public'
    lan = verdict(raw)       # Private profile disabled: no filtering
    assert lan['verdict'] == 'accept' and lan['deciding_rule']['text'] == 'profile Private is disabled'


def test_numeric_profiles_gpo_booleans():
    raw = W.raw_host(NetFirewallProfile='numeric')
    vm = verdict(raw, VM, VM_LOCAL)        # Public AllowInboundRules 0 = False
    assert vm['deciding_rule'].get('profile_blocks_all') is True
    assert verdict(raw)['deciding_rule']['text'] == 'profile Private default inbound action Block'


def test_keyword_scope_is_uncertain():
    raw = W.set_rule(W.raw_host(), 'vm-monitoring-icmpv4', Enabled='True')
    for item in raw['NetFirewallAddressFilter']:
        if item['InstanceID'] == 'vm-monitoring-icmpv4':
            item['RemoteAddress'] = ['Intranet']
    routed = verdict(raw, ROUTED, LAN_LOCAL)
    assert (routed['verdict'], routed['certain'], routed['alternatives']) == ('drop', False, ['accept'])
    assert routed['trace'][0]['match'] == 'maybe'


@pytest.mark.parametrize('specs, prefix, expected', [
    (['Any'], '10.0.0.0/8', 'yes'),
    (['192.168.10.0/255.255.255.0'], '192.168.10.5/32', 'yes'),
    (['192.168.10.0/24'], '192.168.0.0/16', 'maybe'),
    (['10.0.0.1-10.0.0.9'], '10.0.0.4/32', 'yes'),
    (['10.0.0.1-10.0.0.9'], '10.0.0.10/32', 'no'),
    (['LocalSubnet'], '192.168.10.0/24', 'yes'),
    (['LocalSubnet6'], '192.168.10.0/24', 'no'),
    (['DefaultGateway'], '192.168.10.254/32', 'yes'),
    (['DNS'], '192.168.10.254/32', 'maybe'),
    (['2001:db8::/32'], '2001:db8::1/128', 'yes'),
])
def test_scope_match(specs, prefix, expected):
    model = {'local_networks': ['192.168.10.0/24'], 'default_gateways': ['192.168.10.254']}
    net = FW.as_network(prefix)
    assert FW.scope_match(specs, net, model, 'ipv6' if net.version == 6 else 'ipv4') == expected


@pytest.mark.parametrize('value, expected', [
    ('Any', ['Any']), (0, ['Any']), ('Domain, Private', ['Domain', 'Private']), (6, ['Private', 'Public']),
    (7, ['Any']), ('Public', ['Public']), (['Domain', 'Public'], ['Domain', 'Public']),
])
def test_profile_names(value, expected):
    assert FW.profile_names(value) == expected


def test_icmp_type_forms():
    rule = {'protocol': 'ICMPv4', 'icmp_types': ['8:*']}
    assert FW._icmp_match(rule, 'ipv4', 'echo-request') is True
    assert FW._icmp_match(dict(rule, icmp_types=['8:3']), 'ipv4', 'echo-request') is False
    assert FW._icmp_match(dict(rule, icmp_types=['0']), 'ipv4', 'echo-request') is False
    assert FW._icmp_match(dict(rule, protocol='1', icmp_types=['Any']), 'ipv4', 'echo-request') is True
    assert FW._icmp_match(dict(rule, protocol='ICMPv6', icmp_types=['128']), 'ipv6', 'echo-request') is True
    assert FW._icmp_match(dict(rule, protocol='ICMPv6', icmp_types=['128']), 'ipv4', 'echo-request') is False
    assert FW._icmp_match({'protocol': 'Any', 'icmp_types': ['Any']}, 'ipv6', 'echo-request') is True


def test_group_policy_can_disable_local_rules():
    raw = W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True')
    for prof in raw['NetFirewallProfile']:
        prof['AllowLocalFirewallRules'] = 'False'
    assert verdict(raw)['verdict'] == 'drop'


def test_ipv6_echo_uses_icmpv6_rules():
    raw = W.raw_host()
    raw['NetIPAddress'].append({'InterfaceAlias': 'vEthernet (External)', 'InterfaceIndex': 14,
                                'IPAddress': '2001:db8:10::20', 'AddressFamily': 'IPv6', 'PrefixLength': 64,
                                'PrefixOrigin': 'Manual', 'AddressState': 'Preferred', 'SkipAsSource': False})
    raw['RouteLookup'].append({'Address': '2001:db8:10::5', 'IPAddress': '2001:db8:10::20',
                               'InterfaceAlias': 'vEthernet (External)', 'InterfaceIndex': 14,
                               'DestinationPrefix': '2001:db8:10::/64', 'NextHop': '::', 'Error': None})
    peers = W.PEERS + ['2001:db8:10::5']

    def v6(document):
        entries = F.parse(document, peers)['firewall']['icmp']
        return [e for e in entries if e['src'] == '2001:db8:10::5' and e['hook'] == 'input'
                and e['icmp_type'] == 'echo-request'][0]
    shipped = v6(raw)
    assert (shipped['family'], shipped['verdict']) == ('ipv6', 'drop')
    opened = v6(W.set_rule(raw, 'FPS-ICMP6-ERQ-In', Enabled='True'))     # LocalSubnet covers 2001:db8:10::/64
    assert opened['verdict'] == 'accept' and opened['deciding_rule']['name'] == 'FPS-ICMP6-ERQ-In'
    # the ICMPv4 rule does not let an IPv6 echo in
    assert v6(W.set_rule(raw, 'vm-monitoring-icmpv4', Enabled='True'))['verdict'] == 'drop'
