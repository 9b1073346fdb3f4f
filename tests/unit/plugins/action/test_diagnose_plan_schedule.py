# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side data steps through the real ActionBase: vmnet.doctor.diagnose_plan (validation
against the task's inventory, host plans, credentials only), vmnet.doctor.diagnose with the role's
paths and what the hosts registered, and the pure steps of vmnet.doctor.schedule_state."""
import json

import pytest
from ansible.errors import AnsibleActionFail
from ansible.parsing.dataloader import DataLoader
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.action import diagnose, diagnose_plan, schedule_state

GROUPS = {'all': ['hostA', 'vm1', 'kvm1']}


def run(module, args, task_vars=None, check=False):
    task = Task()
    task.action = 'vmnet.doctor.%s' % module.__name__.rsplit('.', 1)[-1]
    task.args = args
    task.check_mode = check
    plugin = module.ActionModule(task, connection=connection_loader.get('local', PlayContext()),
                                 play_context=PlayContext(), loader=DataLoader(), templar=None, shared_loader_obj=None)
    return plugin.run(task_vars=task_vars if task_vars is not None else {'groups': GROUPS})


RAW = [{'source': 'hostA', 'target_ip': '192.0.2.20', 'target_host': 'vm1', 'hypervisor': 'kvm1',
        'vmware': {'hostname': 'vc', 'username': 'u', 'password': 's3cret', 'vm_name': 'web01'}}]


def test_plan_validates_against_the_inventory_and_plans_every_host():
    result = run(diagnose_plan, {'paths': RAW, 'what': 'diagnose_paths'})
    assert result['changed'] is False and result['hosts'] == ['hostA', 'vm1', 'kvm1']
    assert result['plan']['hostA']['targets'] == ['192.0.2.20'] and result['plan']['vm1']['targets'] == []
    assert result['vmware_scopes'][0]['key'] == 'vc|443|u|web01|'
    assert 's3cret' not in json.dumps(result)


@pytest.mark.parametrize('raw,needle', [
    ([dict(RAW[0], target_ip='10.210.0.300')], 'target_ip must be an IPv4 or IPv6 address'),
    ([dict(RAW[0], hypervisor='ghost')], "must be inventory hosts; not in the inventory: hypervisor 'ghost'"),
    ([], 'diagnose_paths is empty'),
])
def test_plan_fails_with_a_clear_message(raw, needle):
    with pytest.raises(AnsibleActionFail) as exc:
        run(diagnose_plan, {'paths': raw, 'what': 'diagnose_paths'})
    assert needle in str(exc.value.message)


def test_host_plan_and_credentials_only():
    forward = {'hostA': {'results': [{'target': '192.0.2.20', 'reachable': True, 'source_address': '192.0.2.10'}]}}
    kvm = run(diagnose_plan, {'paths': RAW, 'host': 'kvm1', 'forward': forward, 'check_inventory': False}, {})
    assert kvm['flows'] == [{'src': '192.0.2.10', 'dst': '192.0.2.20'}] and 'paths' not in kvm
    secrets = run(diagnose_plan, {'paths': RAW, 'credentials': True})
    assert secrets['credentials'] == {'vc|443|u': 's3cret'} and set(secrets) >= {'credentials', 'changed'}
    assert 'paths' not in secrets


def test_diagnose_with_collected_results_reports_every_path():
    result = run(diagnose, {'paths': [RAW[0], dict(RAW[0], source='vm1', name='from vm1')],
                            'collected': {'facts': {'hostA': {'unreachable': True, 'msg': 'gone'}}}})
    assert [p['status'] for p in result['paths']] == ['unexplained', 'unexplained']
    assert result['skipped'] == {'0': 'gone', '1': 'facts not gathered'}
    assert result['unmanaged'] == {'hostA': 'gone', 'vm1': 'facts not gathered', 'kvm1': 'facts not gathered'}
    assert result['inputs'][1]['name'] == 'from vm1' and 's3cret' not in json.dumps(result)


def test_schedule_paths_step_names_checks_and_plans_the_probes(tmp_path):
    config = [{'source': 'hostA', 'target_ip': '192.0.2.20'}, {'source': 'hostA', 'target_ip': '192.0.2.21', 'name': 'db'}]
    result = run(schedule_state, {'step': 'paths', 'paths': config, 'only': []})
    assert [p['name'] for p in result['paths']] == ['hostA -> 192.0.2.20', 'db']
    assert result['targets'] == {'hostA': ['192.0.2.20', '192.0.2.21']} and 'state' not in result
    with pytest.raises(AnsibleActionFail) as exc:
        run(schedule_state, {'step': 'paths', 'paths': [{'source': 'ghost', 'target_ip': '192.0.2.1'}]})
    assert 'source must be an inventory host' in str(exc.value.message)


def test_schedule_triage_and_record_from_registered_results(tmp_path):
    state_file = str(tmp_path / 'state.json')
    paths = [{'name': 'web', 'source': 'hostA', 'target_ip': '192.0.2.20'},
             {'name': 'db', 'source': 'hostA', 'target_ip': '192.0.2.21'}]
    results = {'hostA': {'results': [{'target': '192.0.2.20', 'reachable': True, 'loss_percent': 0.0},
                                     {'target': '192.0.2.21', 'reachable': False, 'loss_percent': 100.0}]}}
    triage = run(schedule_state, {'step': 'triage', 'state_file': state_file, 'paths': paths, 'results': results, 'now': 10.0})
    assert (triage['ok'], triage['broken']) == (['web'], ['db'])
    assert triage['broken_paths'] == [paths[1]]
    # decide takes the diagnose role's diagnose_result paths as they are (an ok one gets no action) and
    # returns the configured paths to remediate (scheduled.yml hands them to the remediate role)
    diagnosed = [{'name': 'web', 'status': 'ok', 'findings': [], 'reachable': True},
                 {'name': 'db', 'status': 'broken', 'reachable': False,
                  'findings': [{'code': 'ICMP_IGNORED', 'host': 'vm2',
                                'fix': {'module': 'vmnet.doctor.net_sysctl', 'host': 'vm2', 'args': {}}}]}]
    decision = run(schedule_state, {'step': 'decide', 'state_file': state_file, 'paths': paths,
                                    'diagnosed': diagnosed, 'now': 15.0})
    assert [a['key'] for a in decision['actions']] == ['db']
    assert (decision['remediate'], decision['remediate_paths']) == (['db'], [paths[1]])
    remediated = [{'name': 'db', 'result': 'fixed', 'reachable_after': True, 'fixes': [{'host': 'vm2', 'status': 'verified'}]}]
    recorded = run(schedule_state, {'step': 'record', 'state_file': state_file, 'remediated': remediated, 'now': 20.0})
    assert recorded['outcomes'] == [{'key': 'db', 'result': 'fixed', 'hosts': ['vm2']}]
    with open(state_file) as f:
        assert json.load(f)['paths']['db']['last_fix_result'] == 'fixed'
    with pytest.raises(AnsibleActionFail) as exc:
        run(schedule_state, {'step': 'triage', 'paths': paths, 'results': results})
    assert 'state_file is required' in str(exc.value.message)
