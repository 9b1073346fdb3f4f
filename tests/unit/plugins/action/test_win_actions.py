# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Windows/Hyper-V action plugins through the real ActionBase and the real winrm connection
plugin's PowerShell shell; only ``_low_level_execute_command`` (the wire) is replaced, answering
with the recorded cmdlet outputs (tests/unit/fixtures/windows, hand-written: no Windows host here)."""
import base64
import copy
import json
import os
import sys

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.action import (
    hyperv_vm_nic, win_default_gateway, win_icmp_rule, win_interface_mtu, win_net_facts)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'plugin_utils', 'windows'))
import win_fixtures as W  # noqa: E402  pylint: disable=wrong-import-position


def decode(command):
    """The script inside ``PowerShell ... -EncodedCommand <base64 UTF-16-LE>``."""
    parts = command.split()
    assert parts[0] == 'PowerShell' and parts[-2] == '-EncodedCommand'
    return base64.b64decode(parts[-1]).decode('utf-16-le')


class FakeHost(object):
    """Answers read scripts with recorded documents (one per read, the last one repeats) and
    change scripts with {"applied": n}; records every script."""

    def __init__(self, reads, change_rc=0):
        self.reads = list(reads)
        self.change_rc = change_rc
        self.scripts = []

    def __call__(self, cmd, sudoable=True, **kwargs):
        script = decode(cmd)
        self.scripts.append(script)
        assert sudoable is False
        if 'ConvertTo-Json -InputObject $out' in script:
            doc = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
            return {'rc': 0, 'stdout': json.dumps(doc), 'stderr': ''}
        if self.change_rc:
            return {'rc': 1, 'stdout': '', 'stderr': 'step 1: Access is denied.'}
        return {'rc': 0, 'stdout': '{"applied":1}', 'stderr': ''}

    @property
    def changes(self):
        return [s for s in self.scripts if '\ntry {\n' in s and '$step = 0' in s]


def run(module, args, host, check=False, diff=True, connection='winrm'):
    task = Task()
    task.action = 'vmnet.doctor.%s' % module.__name__.rsplit('.', 1)[-1]
    task.args = args
    task.check_mode = check
    task.diff = diff
    conn = connection_loader.get(connection, PlayContext())
    plugin = module.ActionModule(task, connection=conn, play_context=PlayContext(), loader=DataLoader(),
                                 templar=None, shared_loader_obj=None)
    plugin._low_level_execute_command = host
    return plugin.run(task_vars={})


def enabled(raw, name):
    return W.set_rule(raw, name, Enabled='True')


def test_facts_publishes_the_schema_and_sends_one_read_only_script():
    host = FakeHost([W.raw_host()])
    result = run(win_net_facts, {'peers': W.PEERS}, host)
    facts = result['ansible_facts']['vmnet_doctor']
    assert result['changed'] is False and facts['platform'] == 'windows'
    assert len(facts['firewall']['icmp']) == 12
    assert len(host.scripts) == 1
    script = host.scripts[0]
    assert script.startswith('Set-StrictMode -Version Latest\n')
    assert "$peers = @('192.168.10.5','10.9.9.9','172.20.0.10')" in script


def test_facts_without_firewall_or_hyperv_does_not_ask_for_them():
    host = FakeHost([W.raw_host()])
    run(win_net_facts, {'gather_firewall': False, 'gather_hyperv': False}, host)
    script = host.scripts[0]
    assert 'Get-NetFirewallRule' not in script and 'Get-VMNetworkAdapter' not in script
    assert 'Get-NetFirewallProfile' not in script       # neither the active store nor Group Policy's
    assert 'Get-NetNat' not in script and 'Find-NetRoute' not in script and 'Get-NetRoute' in script


def test_icmp_rule_check_mode_plans_but_sends_nothing():
    host = FakeHost([W.raw_host()])
    result = run(win_icmp_rule, {'source': '192.168.10.0/24', 'profiles': ['private']}, host, check=True)
    assert result['changed'] is True
    assert result['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    assert result['diff']['before']['rules']['FPS-ICMP4-ERQ-In']['enabled'] is False
    assert result['diff']['after']['rules']['FPS-ICMP4-ERQ-In']['enabled'] is True
    assert host.changes == [] and len(host.scripts) == 1


def test_icmp_rule_on_a_server_warns_and_diffs_what_the_builtin_rule_opens():
    host = FakeHost([W.raw_host(firewall='server')])
    result = run(win_icmp_rule, {'source': '192.168.10.5/32', 'profiles': ['private']}, host, check=True)
    assert result['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    opened = result['diff']['after']['opens_more_than_asked']['FPS-ICMP4-ERQ-In']
    assert 'any address' in opened[0] and 'Domain, Public' in opened[1]
    assert result['diff']['after']['rules']['FPS-ICMP4-ERQ-In']['remote_address'] == ['Any']
    assert any('opens more than asked' in w for w in result['warnings'])
    assert "'NetFirewallProfileGpo'" in host.scripts[0] and '-PolicyStore RSOP' in host.scripts[0]
    narrow = run(win_icmp_rule, {'source': '192.168.10.5/32', 'profiles': ['private'], 'allow_widening': False},
                 FakeHost([W.raw_host(firewall='server')]), check=True)
    assert narrow['changes'][0]['action'] == 'create_rule' and not narrow.get('warnings')


def test_icmp_rule_applies_then_verifies():
    host = FakeHost([W.raw_host(), enabled(W.raw_host(), 'FPS-ICMP4-ERQ-In')])
    result = run(win_icmp_rule, {'source': '192.168.10.0/24', 'profiles': ['private']}, host)
    assert result['changed'] is True
    assert len(host.changes) == 1
    assert "\nEnable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'\n" in host.changes[0]
    assert len(host.scripts) == 3       # read, change, read again


def test_icmp_rule_already_right_sends_no_change():
    host = FakeHost([enabled(W.raw_host(), 'FPS-ICMP4-ERQ-In')])
    result = run(win_icmp_rule, {'source': '192.168.10.0/24', 'profiles': ['private']}, host)
    assert result['changed'] is False and result['commands'] == [] and host.changes == []


def test_icmp_rule_not_converging_fails():
    host = FakeHost([W.raw_host()])      # the host still shows the rule disabled after the change
    with pytest.raises(AnsibleActionFail) as exc:
        run(win_icmp_rule, {'source': '192.168.10.0/24', 'profiles': ['private']}, host)
    assert 'still differs' in str(exc.value)


def test_icmp_rule_blocked_by_rule_fails_with_its_name():
    host = FakeHost([W.with_custom_block(W.raw_host())])
    with pytest.raises(AnsibleActionFail) as exc:
        run(win_icmp_rule, {'source': '192.168.10.5/32', 'profiles': ['private']}, host)
    assert 'Block-Lab-Ping' in str(exc.value) and host.changes == []


def test_change_failure_reports_powershell_error():
    host = FakeHost([W.raw_host()], change_rc=1)
    with pytest.raises(AnsibleActionFail) as exc:
        run(win_icmp_rule, {'source': '192.168.10.0/24'}, host)
    assert 'Access is denied' in str(exc.value)


def test_bad_arguments_are_refused_before_any_read():
    host = FakeHost([W.raw_host()])
    with pytest.raises(AnsibleActionFail):
        run(win_icmp_rule, {'ip_version': 'ipv5'}, host)
    assert host.scripts == []


def test_default_gateway_diff_and_commands():
    fixed = copy.deepcopy(W.raw_host())
    for route in fixed['NetRoute']:
        if route['DestinationPrefix'] == '0.0.0.0/0':
            route['NextHop'] = '192.168.10.1'
    host = FakeHost([W.raw_host(), fixed])
    result = run(win_default_gateway, {'gateway': '192.168.10.1'}, host)
    assert result['changed'] is True
    assert result['diff']['after']['default_routes'][0]['gateway'] == '192.168.10.1'
    body = host.changes[0]
    assert ("Remove-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.254' "
            "-Confirm:$false") in body
    assert "New-NetRoute -DestinationPrefix '0.0.0.0/0' -InterfaceIndex 14 -NextHop '192.168.10.1'" in body
    assert body.index('Remove-NetRoute') < body.index('New-NetRoute')


def test_interface_mtu_check_mode():
    host = FakeHost([W.raw_host()])
    result = run(win_interface_mtu, {'interface': 'vEthernet (External)', 'mtu': 1500}, host, check=True)
    assert result['changed'] is True and host.changes == []
    assert result['commands'] == ["Set-NetIPInterface -InterfaceIndex 14 -AddressFamily 'IPv4' -NlMtuBytes 1500"]
    assert 'Get-NetFirewallRule' not in host.scripts[0]


def test_hyperv_vm_nic_connect_and_verify():
    fixed = copy.deepcopy(W.raw_host())
    for nic in fixed['VMNetworkAdapter']:
        if nic['MacAddress'] == '00155D0A6412':
            nic.update({'SwitchName': 'NATSwitch', 'Connected': True})
    host = FakeHost([W.raw_host(), fixed])
    result = run(hyperv_vm_nic, {'vm': 'db01', 'mac': '00:15:5d:0a:64:12', 'switch': 'NATSwitch'}, host)
    assert result['changed'] is True and result['changes'] == [{'action': 'connect', 'switch': 'NATSwitch'}]
    assert "Connect-VMNetworkAdapter -VMNetworkAdapter $a[0] -SwitchName 'NATSwitch'" in host.changes[0]
    assert "Where-Object { $_.MacAddress -eq '00155D0A6412' }" in host.changes[0]


def test_hyperv_vm_nic_without_hyperv_module():
    raw = W.raw_host()
    raw['HyperV'] = False
    with pytest.raises(AnsibleActionFail) as exc:
        run(hyperv_vm_nic, {'vm': 'web01', 'mac_spoofing': True}, FakeHost([raw]))
    assert 'Hyper-V PowerShell module' in str(exc.value)


def test_refuses_a_non_powershell_connection():
    host = FakeHost([W.raw_host()])
    with pytest.raises(AnsibleActionFail) as exc:
        run(win_net_facts, {}, host, connection='local')
    assert 'PowerShell connection' in str(exc.value) and host.scripts == []


def test_output_noise_before_the_json_is_ignored():
    doc = W.raw_host()

    def noisy(cmd, sudoable=True, **kwargs):
        return {'rc': 0, 'stdout': 'WARNING: profile loaded\r\n' + json.dumps(doc), 'stderr': ''}
    result = run(win_net_facts, {}, noisy)
    assert result['ansible_facts']['vmnet_doctor']['hostname'] == 'HV01'
