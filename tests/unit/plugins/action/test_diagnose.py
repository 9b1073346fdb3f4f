# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmnet.doctor.diagnose action plugin: argument validation and the result shape, through the
real ActionBase (no connection is used), plus one real ansible-playbook run on the controller."""
import json
import os
import subprocess
import sys

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.action import diagnose

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
FIXTURES = os.path.join(REPO, 'tests', 'unit', 'fixtures', 'diagnosis')


def recorded_path(name):
    with open(os.path.join(FIXTURES, name + '.json')) as handle:
        doc = json.load(handle)
    meta = doc['meta']
    return {'source': meta['source'], 'target_ip': meta['target_ip'], 'hypervisor': meta['hypervisor'],
            'target_host': meta['target_host'], 'source_facts': doc['source_facts'],
            'hypervisor_facts': doc['hypervisor_facts'], 'target_facts': doc['target_facts'],
            'probes': {'forward': doc['probes']['forward']}}


def run_action(args):
    task = Task()
    task.action = 'vmnet.doctor.diagnose'
    task.args = args
    # A real (unused) local connection: ActionBase reads its shell; the plugin never connects.
    connection = connection_loader.get('local', PlayContext())
    plugin = diagnose.ActionModule(task, connection=connection, play_context=PlayContext(), loader=DataLoader(),
                                   templar=None, shared_loader_obj=None)
    return plugin.run(task_vars={})


def test_result_shape_on_recorded_fault():
    result = run_action({'paths': [recorded_path('routed__hv_ip_forward_off'), recorded_path('routed__healthy')]})
    assert result['changed'] is False
    assert result['findings_total'] == 1
    assert [p['status'] for p in result['paths']] == ['broken', 'ok']
    assert result['broken_paths'] == ['dert-host -> 10.220.1.11']
    finding = result['paths'][0]['findings'][0]
    assert set(finding) == {'code', 'layer', 'host', 'object', 'evidence', 'confidence', 'direction', 'message', 'fix'}
    assert finding['fix'] == {'module': 'vmnet.doctor.net_sysctl', 'host': 'dert-hv',
                              'args': {'name': 'ip_forward', 'value': 1}}
    path = result['paths'][1]
    assert set(path) >= {'name', 'source', 'target_ip', 'status', 'reachable', 'findings', 'checks', 'summary'}
    assert all(set(c) == {'id', 'status', 'host', 'detail'} for c in path['checks'])


@pytest.mark.parametrize('args,message', [
    ({}, 'missing required arguments: paths'),
    ({'paths': 'x'}, 'paths'),
    ({'paths': []}, 'invalid diagnose input: paths must be a non-empty list'),
    ({'paths': [{'source': 'h'}]}, 'invalid diagnose input: paths[0].target_ip is required'),
    ({'paths': [{'source': 'h', 'target_ip': '192.0.2.1', 'source_facts': {'routes': []},
                 'probes': {'forward': {'reachable': False}}}]},
     'invalid diagnose input: paths[0].source_facts has no interfaces section'),
    ({'paths': [], 'verbose': True}, 'verbose'),
])
def test_argument_errors_are_clear(args, message):
    with pytest.raises(AnsibleActionFail) as info:
        run_action(args)
    assert message in str(info.value)


def test_real_playbook_run_and_ansible_doc(tmp_path):
    """The plugin loads by its FQCN under ansible-playbook, and its stub documentation renders."""
    bindir = os.path.dirname(sys.executable)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.collections'), ANSIBLE_NOCOLOR='1',
               ANSIBLE_STDOUT_CALLBACK='default', ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    path = recorded_path('bridged__vm_icmp_nft_drop')
    playbook = tmp_path / 'play.yml'
    vars_file = tmp_path / 'vars.json'
    vars_file.write_text(json.dumps({'de_paths': [path]}))
    playbook.write_text('- hosts: localhost\n  gather_facts: false\n  tasks:\n'
                        '    - vmnet.doctor.diagnose:\n        paths: "{{ de_paths }}"\n      register: d\n'
                        '    - ansible.builtin.assert:\n        that:\n'
                        '          - d.paths[0].findings[0].code == "ICMP_BLOCKED"\n'
                        '          - d.paths[0].findings[0].fix.args.hook == "input"\n'
                        '          - not d.changed\n')
    proc = subprocess.run([os.path.join(bindir, 'ansible-playbook'), str(playbook), '-e', '@%s' % vars_file],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          cwd=REPO, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'failed=0' in proc.stdout
    doc = subprocess.run([os.path.join(bindir, 'ansible-doc'), '--json', 'vmnet.doctor.diagnose'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, env=env,
                         cwd=REPO, timeout=300, check=False)
    assert doc.returncode == 0, doc.stderr
    data = json.loads(doc.stdout)['vmnet.doctor.diagnose']
    assert sorted(data['doc']['options']) == ['collected', 'paths', 'vmware'] and 'findings_total' in data['return']
    assert sorted(diagnose.ARGUMENT_SPEC) == sorted(data['doc']['options'])
