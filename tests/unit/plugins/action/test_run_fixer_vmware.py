# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmnet.doctor.run_fixer adds the vCenter password to VMware fixer calls from ``credentials`` and
never returns it. Only ``_execute_module`` (the module run) is replaced; the real calls against
the simulator are in tests/integration/vmware/test_vmware_roles.py."""
import json

from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.action import run_fixer

SECRET = 'S3cret-vc'
CONN = {'hostname': 'vc.example.com', 'username': 'admin', 'validate_certs': False}


def run(args):
    task = Task()
    task.action = 'vmnet.doctor.run_fixer'
    task.args = args
    plugin = run_fixer.ActionModule(task, connection=connection_loader.get('local', PlayContext()),
                                    play_context=PlayContext(), loader=DataLoader(), templar=None,
                                    shared_loader_obj=None)
    seen = []

    def execute(module_name=None, module_args=None, task_vars=None, **kwargs):
        seen.append((module_name, dict(module_args)))
        return {'changed': True, 'invocation': {'module_args': module_args},
                'changes': [{'action': 'set', 'field': 'connected', 'before': False, 'after': True}]}
    plugin._execute_module = execute
    plugin._remove_tmp_path = lambda *a, **k: None
    return plugin.run(task_vars={}), seen


def test_password_goes_to_the_vmware_module_only():
    nic = dict(CONN, vm='web01', label='Network adapter 1', connected=True)
    calls = [{'module': 'vmnet.doctor.vmware_vm_nic', 'args': nic},
             {'module': 'net_sysctl', 'args': {'name': 'ip_forward', 'value': 1}}]
    result, seen = run({'calls': calls, 'credentials': {'vc.example.com|443|admin': SECRET, 'other|443|x': 'no'}})
    assert seen[0] == ('vmnet.doctor.vmware_vm_nic', dict(calls[0]['args'], password=SECRET))
    assert seen[1] == ('vmnet.doctor.net_sysctl', calls[1]['args'])       # no password for other fixers
    assert SECRET not in json.dumps(result, default=str)
    assert result['results'][0]['args'] == calls[0]['args'] and 'invocation' not in result['results'][0]


def test_no_matching_credentials_leaves_the_module_to_its_environment_fallback():
    mtu = dict(CONN, port=8989, esxi_hostname='esx1', switch='vSwitch0', mtu=1500)
    calls = [{'module': 'vmware_vswitch_policy', 'args': mtu}]
    _result, seen = run({'calls': calls, 'credentials': {'vc.example.com|443|admin': SECRET}})
    assert 'password' not in seen[0][1]
    _result, seen = run({'calls': calls})
    assert 'password' not in seen[0][1]
