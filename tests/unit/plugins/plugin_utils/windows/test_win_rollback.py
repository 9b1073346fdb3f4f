# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Inverse calls of the Windows fixes, computed from real plans on the recorded host."""
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import facts as F
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans as P
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation.fixer_registry import inverse as rollback_calls

import win_fixtures as W


def result_of(plan):
    return {'changed': bool(plan['changes']), 'changes': plan['changes'], 'commands': plan['commands'],
            'before': plan['before'], 'after': plan['after']}


def facts():
    return F.parse(W.raw_host(), W.PEERS)


def test_nothing_changed_nothing_to_undo():
    assert rollback_calls('vmnet.doctor.win_interface_mtu', {}, {'changed': False}) == ([], None)


def test_created_rule_is_removed_enabled_builtin_is_manual():
    args = {'source': '10.9.9.0/24', 'profiles': ['private'], 'prefer_builtin': False}
    calls, why = rollback_calls('vmnet.doctor.win_icmp_rule', args, result_of(P.plan_icmp_rule(args, facts())))
    assert why is None and calls == [{'module': 'vmnet.doctor.win_icmp_rule',
                                      'args': {'source': '10.9.9.0/24', 'state': 'absent'}}]
    args = {'source': '192.168.10.0/24'}
    calls, why = rollback_calls('win_icmp_rule', args, result_of(P.plan_icmp_rule(args, facts())))
    assert calls is None and 'Disable-NetFirewallRule -Name FPS-ICMP4-ERQ-In' in why


def test_gateway_restores_the_old_route():
    args = {'gateway': '192.168.10.1'}
    calls, why = rollback_calls('win_default_gateway', args, result_of(P.plan_default_gateway(args, facts())))
    assert why is None and calls == [{'module': 'vmnet.doctor.win_default_gateway',
                                      'args': {'gateway': '192.168.10.254', 'interface': 'vEthernet (External)',
                                               'metric': 0}}]
    args = {'gateway': '172.20.0.254'}
    calls, why = rollback_calls('win_default_gateway', args, result_of(P.plan_default_gateway(args, facts())))
    assert calls == [{'module': 'vmnet.doctor.win_default_gateway',
                      'args': {'gateway': '172.20.0.254', 'interface': 'vEthernet (NATSwitch)', 'state': 'absent'}}]


def test_mtu_restores_each_family_changed():
    args = {'interface': 'vEthernet (External)', 'mtu': 1500}
    calls, why = rollback_calls('win_interface_mtu', args, result_of(P.plan_interface_mtu(args, facts())))
    assert calls == [{'module': 'vmnet.doctor.win_interface_mtu',
                      'args': {'interface': 'vEthernet (External)', 'mtu': 1400, 'ip_version': 'ipv4'}}]


def test_vm_nic_restores_vlan_and_spoofing_but_not_a_disconnection():
    args = {'vm': 'lab-vm', 'vlan_id': 0, 'mac_spoofing': False}
    calls, why = rollback_calls('hyperv_vm_nic', args, result_of(P.plan_vm_nic(args, facts())))
    assert calls == [{'module': 'vmnet.doctor.hyperv_vm_nic',
                      'args': {'vm': 'lab-vm', 'mac': '00:15:5d:0a:64:20', 'vlan_id': 20, 'mac_spoofing': True}}]
    args = {'vm': 'db01', 'mac': '00:15:5d:0a:64:12', 'switch': 'NATSwitch'}
    calls, why = rollback_calls('hyperv_vm_nic', args, result_of(P.plan_vm_nic(args, facts())))
    assert calls is None and 'Disconnect-VMNetworkAdapter' in why
    args = {'vm': 'router-vm', 'switch': 'NATSwitch'}
    calls, why = rollback_calls('hyperv_vm_nic', args, result_of(P.plan_vm_nic(args, facts())))
    assert calls[0]['args'] == {'vm': 'router-vm', 'mac': '00:15:5d:0a:64:30', 'switch': 'Isolated'}
