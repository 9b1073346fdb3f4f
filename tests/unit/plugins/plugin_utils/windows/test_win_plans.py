# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Change plans of the Windows/Hyper-V fixers and the exact PowerShell each one sends."""
import copy

import pytest

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans as P

import win_fixtures as W


def facts_of(raw=None):
    return F.parse(raw if raw is not None else W.raw_host(), W.PEERS)


# ----------------------------------------------------------------------------- win_icmp_rule

def test_icmp_enables_the_builtin_rule_that_covers_profile_and_source():
    plan = P.plan_icmp_rule({'source': '192.168.10.0/24', 'profiles': ['private']}, facts_of())
    # The client's rule is scoped to LocalSubnet (hv01 has two IPv4 subnets) for Private and Public:
    # wider than asked on both counts, and the plan says so.
    assert plan['changes'] == [{'action': 'enable_rule', 'name': 'FPS-ICMP4-ERQ-In', 'profiles': ['Private'], 'widens': [
        'ICMPv4 echo requests from LocalSubnet (RemoteAddress LocalSubnet), not only from 192.168.10.0/24',
        'in the Public profile too (Profile Private, Public)']}]
    assert plan['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    assert plan['before']['rules']['FPS-ICMP4-ERQ-In']['enabled'] is False
    assert plan['after']['rules']['FPS-ICMP4-ERQ-In'] == dict(plan['before']['rules']['FPS-ICMP4-ERQ-In'],
                                                              enabled=True)


def test_icmp_domain_profile_takes_the_noscope_twin():
    plan = P.plan_icmp_rule({'source': '10.9.9.0/24', 'profiles': ['domain']}, facts_of())
    assert plan['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In-NoScope'"]


def test_icmp_default_profiles_are_those_of_the_connected_interfaces():
    plan = P.plan_icmp_rule({'source': '192.168.10.0/24'}, facts_of())
    assert [(c['name'], c['profiles']) for c in plan['changes']] == [('FPS-ICMP4-ERQ-In', ['Private', 'Public'])]


def test_icmp_creates_one_named_rule_when_no_builtin_fits():
    plan = P.plan_icmp_rule({'source': '10.9.9.0/24', 'profiles': ['private'], 'prefer_builtin': False,
                             'name': 'lab-ping'}, facts_of())
    assert plan['commands'] == [
        "New-NetFirewallRule -Name 'lab-ping-ICMPv4' -DisplayName 'lab-ping-ICMPv4' -Group 'vmnet.doctor' "
        "-Description 'Allow ICMP echo requests (vmnet.doctor)' -Enabled 'True' -Profile 'Private' "
        "-Direction 'Inbound' -Action 'Allow' -Protocol 'ICMPv4' -IcmpType '8' -RemoteAddress '10.9.9.0/24'"]
    assert plan['before']['rules'] == {'lab-ping-ICMPv4': None}


def test_icmp_ipv6_rule_uses_type_128():
    plan = P.plan_icmp_rule({'source': '2001:db8::/64', 'ip_version': 'both', 'profiles': ['private']}, facts_of())
    assert plan['changes'][0]['action'] == 'create_rule' and len(plan['commands']) == 1
    assert "-Protocol 'ICMPv6' -IcmpType '128' -RemoteAddress '2001:db8::/64'" in plan['commands'][0]


def test_icmp_already_allowed_is_no_change():
    raw = W.set_rule(W.raw_host(), 'FPS-ICMP4-ERQ-In', Enabled='True')
    plan = P.plan_icmp_rule({'source': '192.168.10.0/24'}, facts_of(raw))
    assert plan['changes'] == [] and plan['commands'] == []


def test_icmp_existing_own_rule_disabled_is_corrected_not_duplicated():
    raw = W.raw_host()
    raw['NetFirewallRule'].append({'Name': 'vmnet.doctor-echo-request-ICMPv4', 'DisplayName': 'x',
                                   'Group': 'vmnet.doctor', 'Enabled': 'False', 'Profile': 'Public',
                                   'Direction': 'Inbound', 'Action': 'Allow', 'PolicyStoreSourceType': 'Local',
                                   'InstanceID': 'vmnet.doctor-echo-request-ICMPv4'})
    raw['NetFirewallPortFilter'].append({'InstanceID': 'vmnet.doctor-echo-request-ICMPv4', 'Protocol': 'ICMPv4',
                                         'IcmpType': '8'})
    plan = P.plan_icmp_rule({'source': '10.9.9.0/24', 'profiles': ['private'], 'prefer_builtin': False},
                            facts_of(raw))
    assert plan['commands'] == [
        "Set-NetFirewallRule -Name 'vmnet.doctor-echo-request-ICMPv4' -Enabled 'True' -Profile 'Private','Public' "
        "-Direction 'Inbound' -Action 'Allow' -Protocol 'ICMPv4' -IcmpType '8' -RemoteAddress '10.9.9.0/24'"]


def test_icmp_block_rule_fails_unless_allowed_to_disable_it():
    raw = W.with_custom_block(W.raw_host())
    with pytest.raises(DoctorError) as exc:
        P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private']}, facts_of(raw))
    assert 'Block-Lab-Ping' in exc.value.message and 'override' in exc.value.message
    plan = P.plan_icmp_rule({'source': '192.168.10.5/32', 'profiles': ['private'], 'disable_blocking_rules': True},
                            facts_of(raw))
    assert plan['commands'] == ["Disable-NetFirewallRule -Name 'Block-Lab-Ping'",
                                "Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    # a source outside the block rule's scope is not affected by it
    plan = P.plan_icmp_rule({'source': '192.168.10.200/32', 'profiles': ['private']}, facts_of(raw))
    assert plan['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]


def test_icmp_profile_blocking_all_needs_allow_inbound_rules():
    raw = W.raw_host(NetFirewallProfile='public-blockall')
    with pytest.raises(DoctorError) as exc:
        P.plan_icmp_rule({'source': '172.20.0.10/32', 'profiles': ['public']}, facts_of(raw))
    assert 'AllowInboundRules' in exc.value.message
    plan = P.plan_icmp_rule({'source': '172.20.0.10/32', 'profiles': ['public'], 'allow_inbound_rules': True},
                            facts_of(raw))
    assert plan['commands'] == ["Set-NetFirewallProfile -Name 'Public' -AllowInboundRules 'True'",
                                "Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    assert plan['before']['profiles'] == {'Public': {'allow_inbound_rules': False}}


def test_icmp_disabled_profile_needs_nothing():
    raw = W.raw_host(NetFirewallProfile='public-blockall')
    plan = P.plan_icmp_rule({'source': 'any', 'profiles': ['private']}, facts_of(raw))
    assert plan['changes'] == []


def test_icmp_absent_removes_only_its_own_rule():
    facts = facts_of()
    assert P.plan_icmp_rule({'state': 'absent'}, facts)['changes'] == []
    raw = W.raw_host()
    raw['NetFirewallRule'].append({'Name': 'vmnet.doctor-echo-request-ICMPv4', 'Enabled': 'True', 'Profile': 'Any',
                                   'Direction': 'Inbound', 'Action': 'Allow', 'InstanceID': 'own'})
    plan = P.plan_icmp_rule({'state': 'absent'}, facts_of(raw))
    assert plan['commands'] == ["Remove-NetFirewallRule -Name 'vmnet.doctor-echo-request-ICMPv4'"]


def test_icmp_plan_does_not_mutate_the_facts_and_bad_source_fails():
    facts = facts_of()
    keep = copy.deepcopy(facts)
    P.plan_icmp_rule({'source': '192.168.10.0/24'}, facts)
    assert facts == keep
    with pytest.raises(DoctorError):
        P.plan_icmp_rule({'source': 'lab'}, facts)
    with pytest.raises(DoctorError):
        P.plan_icmp_rule({'source': '10.0.0.0/8', 'ip_version': 'ipv6'}, facts)


# ----------------------------------------------------------------------------- win_default_gateway

def test_gateway_replaces_the_wrong_one_on_the_interface():
    plan = P.plan_default_gateway({'gateway': '192.168.10.1'}, facts_of())
    assert plan['commands'] == [
        "Remove-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.254' -Confirm:$false",
        "New-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.1'"]
    assert plan['before'] == {'default_routes': [{'interface': 'vEthernet (External)', 'gateway': '192.168.10.254',
                                                  'metric': 0}]}
    assert plan['after'] == {'default_routes': [{'interface': 'vEthernet (External)', 'gateway': '192.168.10.1',
                                                 'metric': None}]}


def test_gateway_already_right_and_metric_change():
    facts = facts_of()
    assert P.plan_default_gateway({'gateway': '192.168.10.254'}, facts)['changes'] == []
    assert P.plan_default_gateway({'gateway': '192.168.10.254', 'metric': 0}, facts)['changes'] == []
    plan = P.plan_default_gateway({'gateway': '192.168.10.254', 'metric': 5}, facts)
    assert plan['commands'] == [
        "Set-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.254' -RouteMetric 5"]


def test_gateway_on_another_interface_keeps_other_defaults_unless_exclusive():
    plan = P.plan_default_gateway({'gateway': '172.20.0.254', 'metric': 50}, facts_of())
    assert plan['commands'] == [
        "New-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 22 -NextHop '172.20.0.254' -RouteMetric 50"]
    assert 'vEthernet (External) via 192.168.10.254' in plan['warnings'][0]
    plan = P.plan_default_gateway({'gateway': '172.20.0.254', 'exclusive': True}, facts_of())
    assert plan['commands'][0].startswith("Remove-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14")
    assert plan['warnings'] == []


def test_gateway_absent_and_errors():
    facts = facts_of()
    plan = P.plan_default_gateway({'gateway': '192.168.10.254', 'state': 'absent'}, facts)
    assert plan['commands'] == [
        "Remove-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.254' -Confirm:$false"]
    assert P.plan_default_gateway({'gateway': '192.168.10.1', 'state': 'absent'}, facts)['changes'] == []
    with pytest.raises(DoctorError) as exc:
        P.plan_default_gateway({'gateway': '203.0.113.1'}, facts)
    assert 'no connected subnet' in exc.value.message
    with pytest.raises(DoctorError):
        P.plan_default_gateway({'gateway': '192.168.10.1; Stop-Computer'}, facts)
    with pytest.raises(DoctorError):
        P.plan_default_gateway({'gateway': '192.168.10.1', 'interface': 'nope'}, facts)


# ----------------------------------------------------------------------------- win_interface_mtu

def test_mtu_sets_only_the_family_that_differs():
    plan = P.plan_interface_mtu({'interface': 'vEthernet (External)', 'mtu': 1500}, facts_of())
    assert plan['commands'] == ["Set-NetIPInterface -InterfaceIndex 14 -AddressFamily 'IPv4' -NlMtuBytes 1500"]
    assert plan['before']['mtu'] == {'ipv4': 1400, 'ipv6': 1500}
    assert plan['after']['mtu'] == {'ipv4': 1500, 'ipv6': 1500}


def test_mtu_already_right_and_per_family():
    facts = facts_of()
    assert P.plan_interface_mtu({'interface': 'vEthernet (NATSwitch)', 'mtu': 1500}, facts)['changes'] == []
    plan = P.plan_interface_mtu({'interface': 'vEthernet (NATSwitch)', 'mtu': 1400, 'ip_version': 'ipv6'}, facts)
    assert plan['commands'] == ["Set-NetIPInterface -InterfaceIndex 22 -AddressFamily 'IPv6' -NlMtuBytes 1400"]


@pytest.mark.parametrize('want, message', [
    ({'interface': 'vEthernet (External)', 'mtu': 500}, 'out of range'),
    ({'interface': 'vEthernet (External)', 'mtu': 1000}, 'out of range for ipv6'),
    ({'interface': 'vEthernet (External)', 'mtu': 9000}, 'Jumbo Packet'),
    ({'interface': 'Ethernet', 'mtu': 1500}, 'no IP interface'),
    ({'interface': 'nope', 'mtu': 1500}, 'not found'),
])
def test_mtu_refused(want, message):
    with pytest.raises(DoctorError) as exc:
        P.plan_interface_mtu(want, facts_of())
    assert message in exc.value.message


# ----------------------------------------------------------------------------- hyperv_vm_nic

SELECT_DB01_2 = ["$a = @(Get-VMNetworkAdapter -VMName 'db01' | Where-Object { $_.MacAddress -eq '00155D0A6412' })",
                 "if ($a.Count -ne 1) { throw ('expected one adapter, found {0}' -f $a.Count) }"]


def test_vm_nic_connect_vlan_spoofing_by_mac():
    plan = P.plan_vm_nic({'vm': 'db01', 'mac': '00-15-5D-0A-64-12', 'switch': 'NATSwitch', 'vlan_id': 20,
                          'mac_spoofing': True}, facts_of())
    assert plan['commands'] == SELECT_DB01_2 + [
        "Connect-VMNetworkAdapter -VMNetworkAdapter $a[0] -SwitchName 'NATSwitch'",
        'Set-VMNetworkAdapterVlan -VMNetworkAdapter $a[0] -VlanId 20 -Access',
        "Set-VMNetworkAdapter -VMNetworkAdapter $a[0] -MacAddressSpoofing 'On'"]
    assert [c['action'] for c in plan['changes']] == ['connect', 'set_vlan', 'set_mac_spoofing']
    assert (plan['before']['switch'], plan['after']['switch']) == (None, 'NATSwitch')


def test_vm_nic_untagged_and_spoofing_off():
    plan = P.plan_vm_nic({'vm': 'lab-vm', 'vlan_id': 0, 'mac_spoofing': False}, facts_of())
    assert plan['commands'][2:] == ['Set-VMNetworkAdapterVlan -VMNetworkAdapter $a[0] -Untagged',
                                    "Set-VMNetworkAdapter -VMNetworkAdapter $a[0] -MacAddressSpoofing 'Off'"]


def test_vm_nic_already_right_is_no_change():
    plan = P.plan_vm_nic({'vm': 'web01', 'switch': 'NATSwitch', 'vlan_id': 0, 'mac_spoofing': False}, facts_of())
    assert plan['changes'] == [] and plan['commands'] == []
    assert P.plan_vm_nic({'vm': 'lab-vm', 'vlan_id': 20}, facts_of())['changes'] == []


def test_vm_nic_access_vlan_on_trunk_adapter_changes_mode():
    plan = P.plan_vm_nic({'vm': 'router-vm', 'vlan_id': 1}, facts_of())
    assert plan['changes'] == [{'action': 'set_vlan', 'vlan_id': 1, 'mode': 'access'}]


def test_vm_nic_quotes_the_vm_name():
    raw = W.raw_host()
    for item in raw['VMNetworkAdapter'] + raw['VMNetworkAdapterVlan']:
        if item['VMName'] == 'web01':
            item['VMName'] = "Bob's VM"
    plan = P.plan_vm_nic({'vm': "Bob's VM", 'mac_spoofing': True}, facts_of(raw))
    assert plan['commands'][0] == \
        "$a = @(Get-VMNetworkAdapter -VMName 'Bob''s VM' | Where-Object { $_.MacAddress -eq '00155D0A6410' })"


@pytest.mark.parametrize('want, message', [
    ({'vm': 'db01', 'mac_spoofing': True}, '2 adapters of VM db01 match the only adapter'),
    ({'vm': 'db01', 'adapter': 'Network Adapter', 'vlan_id': 3}, 'names may repeat'),
    ({'vm': 'web01', 'switch': 'Nope'}, 'virtual switch'),
    ({'vm': 'web01', 'vlan_id': 4095}, 'out of range'),
    ({'vm': 'ghost'}, 'no network adapter'),
    ({'vm': 'web01', 'mac': 'not-a-mac'}, 'not a MAC'),
])
def test_vm_nic_refused(want, message):
    with pytest.raises(DoctorError) as exc:
        P.plan_vm_nic(want, facts_of())
    assert message in exc.value.message
