# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""win_icmp_probe and the action-plugin fixer dispatch (plugin_utils/remediation/dispatch.py) through the
real ActionBase, the real action loader and the real winrm/psrp connection plugins' PowerShell
shell. Only the wire is replaced: the connection's ``exec_command`` answers with the recorded
documents (tests/unit/fixtures/windows, hand-written: no Windows host here)."""
import base64
import json
import os
import subprocess
import sys

import pytest
import yaml
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.action import win_icmp_probe
from ansible_collections.vmnet.doctor.plugins.modules import icmp_probe as linux_doc
from ansible_collections.vmnet.doctor.plugins.modules import win_icmp_probe as win_doc
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import dispatch as fixer_dispatch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))

PROBES = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'windows', 'probe')


def decode(command):
    """The script inside ``PowerShell ... -EncodedCommand <base64 UTF-16-LE>``."""
    parts = command.split()
    assert parts[0] == 'PowerShell' and parts[-2] == '-EncodedCommand'
    return base64.b64decode(parts[-1]).decode('utf-16-le')


class Wire(object):
    """Stands in for ``Connection.exec_command``: read scripts get the recorded documents (the
    last one repeats), probe scripts ``probe``, change scripts ``{"applied": 1}`` or rc 1."""

    def __init__(self, reads=(), probe=None, change_rc=0):
        self.reads, self.probe, self.change_rc, self.scripts = list(reads), probe, change_rc, []

    def __call__(self, cmd, in_data=None, sudoable=True):
        script = decode(cmd)
        self.scripts.append(script)
        if 'System.Net.NetworkInformation.Ping' in script:
            return 0, json.dumps(self.probe).encode(), b''
        if 'ConvertTo-Json -InputObject $out' in script:
            doc = self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]
            return 0, json.dumps(doc).encode(), b''
        if self.change_rc:
            return 1, b'', b'step 1: Access is denied.'
        return 0, b'{"applied":1}', b''

    @property
    def changes(self):
        return [s for s in self.scripts if '\ntry {\n' in s and '$step = 0' in s]


def connection(wire, kind='winrm'):
    conn = connection_loader.get(kind, PlayContext())
    conn.exec_command = wire
    return conn


def make(module, action, args, wire, check=False, diff=True, kind='winrm'):
    task = Task()
    task.action = action
    task.args = args
    task.check_mode = check
    task.diff = diff
    return module.ActionModule(task, connection=connection(wire, kind), play_context=PlayContext(),
                               loader=DataLoader(), templar=None, shared_loader_obj=None)


def probe_doc(name):
    with open(os.path.join(PROBES, name)) as f:
        return json.load(f)


# ----------------------------------------------------------------------------- win_icmp_probe

@pytest.mark.parametrize('kind', ['winrm', 'psrp'])
def test_probe_sends_one_read_only_script_and_returns_icmp_probe_results(kind):
    wire = Wire(probe=probe_doc('path_mtu.json'))
    plugin = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe',
                  {'targets': ['192.168.10.20'], 'count': 1, 'path_mtu': True}, wire, check=True, kind=kind)
    result = plugin.run(task_vars={})
    assert result['changed'] is False and result['reachable_all'] is True
    assert result['results'][0]['path_mtu'] == 1400
    assert len(wire.scripts) == 1 and wire.changes == []
    script = wire.scripts[0]
    assert script.startswith('Set-StrictMode -Version Latest\n')
    assert "$targets = @('192.168.10.20')" in script and '\n$pathMtu = $true\n' in script


def test_probe_result_keys_are_those_of_icmp_probe():
    linux = yaml.safe_load(linux_doc.RETURN)
    win = yaml.safe_load(win_doc.RETURN)
    assert set(win) == set(linux)
    # Windows only: IPv6 results asked for don't-fragment carry mtu_evidence false and why (mtu_note).
    assert set(win['results']['contains']) - {'mtu_evidence', 'mtu_note'} == set(linux['results']['contains'])
    wire = Wire(probe=probe_doc('unreachable.json'))
    result = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe', {'targets': ['192.168.10.30', '172.20.0.10']},
                  wire).run(task_vars={})
    for r in result['results']:
        assert set(r) == set(linux['results']['contains'])
    assert result['reachable_all'] is False


def test_probe_options_match_icmp_probe_except_source():
    linux = set(yaml.safe_load(linux_doc.DOCUMENTATION)['options'])
    win = set(yaml.safe_load(win_doc.DOCUMENTATION)['options'])
    assert linux - win == {'source'} and win - linux == set()
    assert win == set(win_icmp_probe.ARGUMENT_SPEC)


def test_probe_unresolvable_target_fails_naming_it():
    wire = Wire(probe=probe_doc('resolve_error.json'))
    plugin = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe',
                  {'targets': ['192.168.10.20', 'nosuch.lab.example']}, wire)
    with pytest.raises(AnsibleActionFail) as exc:
        plugin.run(task_vars={})
    assert 'nosuch.lab.example' in str(exc.value.message)


def test_probe_bad_option_sends_nothing():
    wire = Wire(probe=probe_doc('reachable.json'))
    plugin = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe', {'targets': ['192.0.2.1'], 'size': 70000}, wire)
    with pytest.raises(AnsibleActionFail) as exc:
        plugin.run(task_vars={})
    assert 'size' in str(exc.value.message) and wire.scripts == []


def test_probe_needs_a_powershell_connection():
    task = Task()
    task.action = 'vmnet.doctor.win_icmp_probe'
    task.args = {'targets': ['192.0.2.1']}
    plugin = win_icmp_probe.ActionModule(task, connection=connection_loader.get('local', PlayContext()),
                                         play_context=PlayContext(), loader=DataLoader(), templar=None,
                                         shared_loader_obj=None)
    with pytest.raises(AnsibleActionFail) as exc:
        plugin.run(task_vars={})
    assert 'needs a PowerShell connection' in str(exc.value.message)


# ----------------------------------------------------------------------------- fixer dispatch
# Run in a child interpreter (dispatch_child.py) set up like ansible-playbook, so that the real
# action_loader loads vmnet.doctor.run_fixer (the caller) and the Windows fixer by FQCN.

RULE_ARGS = {'source': '192.168.10.0/24', 'profiles': ['private']}


def dispatch(module, args, check=False, diff=False, reads=('raw',), change_rc=0, kind='winrm'):
    spec = dict(module=module, args=args, check=check, diff=diff, reads=list(reads), change_rc=change_rc,
                connection=kind)
    out = subprocess.run([sys.executable, os.path.join(HERE, 'dispatch_child.py'), os.path.join(ROOT, '.collections'),
                          json.dumps(spec)], capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    doc['changes'] = [s for s in doc['scripts'] if '\ntry {\n' in s and '$step = 0' in s]
    return doc


@pytest.mark.parametrize('name,expected', [
    ('vmnet.doctor.win_icmp_rule', True), ('win_default_gateway', True), ('vmnet.doctor.win_interface_mtu', True),
    ('hyperv_vm_nic', True), ('vmnet.doctor.win_net_facts', False), ('win_icmp_probe', False),
    ('vmnet.doctor.icmp_rule', False), ('other.coll.win_icmp_rule', False), (None, False)])
def test_is_action_fixer(name, expected):
    assert fixer_dispatch.is_action_fixer(name) is expected


@pytest.mark.parametrize('kind', ['winrm', 'psrp'])
def test_dispatch_check_mode_plans_without_changing(kind):
    doc = dispatch('vmnet.doctor.win_icmp_rule', RULE_ARGS, check=True, diff=True, kind=kind)
    result = doc['result']
    assert result['changed'] is True
    assert result['commands'] == ["Enable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'"]
    assert result['diff']['after']['rules']['FPS-ICMP4-ERQ-In']['enabled'] is True
    assert doc['changes'] == [] and len(doc['scripts']) == 1
    # the caller (the real run_fixer, loaded by FQCN) keeps its own task as it was
    assert doc['caller'] == {'action': 'vmnet.doctor.run_fixer', 'args': {'calls': []}, 'check_mode': False,
                             'diff': False, 'class': 'ansible_collections.vmnet.doctor.plugins.action.run_fixer'}


def test_dispatch_applies_verifies_and_gives_the_rollback():
    doc = dispatch('win_icmp_rule', RULE_ARGS, reads=('raw', 'enabled'))
    result = doc['result']
    assert result['changed'] is True and 'diff' not in result
    assert len(doc['changes']) == 1 and "\nEnable-NetFirewallRule -Name 'FPS-ICMP4-ERQ-In'\n" in doc['changes'][0]
    assert len(doc['scripts']) == 3      # read, change, read again
    calls, reason = doc['rollback']
    assert calls is None and 'Disable-NetFirewallRule -Name FPS-ICMP4-ERQ-In' in reason


def test_dispatch_already_right_is_unchanged_and_rollback_empty():
    doc = dispatch('vmnet.doctor.win_icmp_rule', RULE_ARGS, diff=True, reads=('enabled',))
    assert doc['result']['changed'] is False and doc['changes'] == []
    assert doc['rollback'] == [[], None]


def test_dispatch_failure_is_a_failed_result_not_an_exception():
    doc = dispatch('win_icmp_rule', RULE_ARGS, change_rc=1)
    assert doc['result']['failed'] is True and 'Access is denied' in doc['result']['msg']
    assert len(doc['changes']) == 1


def test_dispatch_bad_args_fail_through_the_fixers_argument_spec():
    doc = dispatch('win_icmp_rule', {'state': 'sideways'}, check=True)
    assert doc['result']['failed'] is True and 'state' in doc['result']['msg'] and doc['scripts'] == []


def test_dispatch_refuses_what_is_not_an_action_fixer():
    doc = dispatch('vmnet.doctor.net_sysctl', {})
    assert 'not a vmnet.doctor action-plugin fixer' in doc['error'] and doc['scripts'] == []


class Wires(Wire):
    """The probe scripts get the recorded documents in turn."""

    def __init__(self, probes):
        super(Wires, self).__init__()
        self.probes = list(probes)

    def __call__(self, cmd, in_data=None, sudoable=True):
        self.probe = self.probes.pop(0)
        return super(Wires, self).__call__(cmd, in_data, sudoable)


def test_probe_large_runs_a_second_script_for_the_targets_that_answered():
    large = probe_doc('large_df.json')       # its first target, 192.168.10.20, is vm1.lab.example
    large = {'Resolved': [dict(large['Resolved'][0], Target='vm1.lab.example')],
             'Probes': [dict(large['Probes'][0], Target='vm1.lab.example')]}
    wire = Wires([probe_doc('reachable.json'), large])
    result = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe',
                  {'targets': ['vm1.lab.example'], 'large': {'size': 0}}, wire).run(task_vars={})
    assert result['reachable_all'] is True and len(wire.scripts) == 2
    assert "$targets = @('vm1.lab.example')" in wire.scripts[1] and '\n$dontFragment = $true\n' in wire.scripts[1]
    assert '\n$count = 1\n' in wire.scripts[1] and '\n$mtuSized = $true\n' in wire.scripts[1]
    assert result['large']['results'][0]['dont_fragment'] is True
    assert result['large']['results'][0]['reachable'] is False and result['large']['reachable_all'] is False
    assert result['large']['results'][0]['size'] == 8972


def test_probe_large_sends_nothing_more_when_no_target_answered():
    wire = Wires([probe_doc('unreachable.json')])
    result = make(win_icmp_probe, 'vmnet.doctor.win_icmp_probe',
                  {'targets': ['192.168.10.30', '172.20.0.10'], 'large': {}}, wire).run(task_vars={})
    assert len(wire.scripts) == 1 and result['large'] == {'results': [], 'reachable_all': True}
