# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""vmnet.doctor.icmp_probe and net_facts pick their Windows twin by connection
(plugin_utils/host_dispatch.py), and a scheduled run's cheap probe from a Windows source is triaged
like a Linux one.

The action plugins are loaded by FQCN through the real action loader in a child interpreter
(twin_child.py, set up like ansible-playbook) on the real winrm/psrp connection plugins; only the wire
is replaced, answering with recorded documents (tests/unit/fixtures/windows, hand-written: no Windows
host here). The Linux side (the module through ``_execute_module``) runs for real in the integration
tests of the roles and playbooks."""
import json
import os
import subprocess
import sys

import pytest
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import connection_loader

from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import schedule
from ansible_collections.vmnet.doctor.plugins.plugin_utils import host_dispatch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..', '..'))
PROBES = os.path.join(ROOT, 'tests', 'unit', 'fixtures', 'windows', 'probe')


def probe_doc(name):
    with open(os.path.join(PROBES, name)) as f:
        return json.load(f)


def run_twin(action, args, probe=None, connection='winrm', check=False):
    spec = dict(action=action, args=args, probe=probe, connection=connection, check=check)
    out = subprocess.run([sys.executable, os.path.join(HERE, 'twin_child.py'), os.path.join(ROOT, '.collections'),
                          json.dumps(spec)], capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize('kind,expected', [('winrm', True), ('psrp', True), ('local', False), ('ssh', False)])
def test_powershell_is_told_by_the_connection_shell(kind, expected):
    assert host_dispatch.is_powershell(connection_loader.get(kind, PlayContext())) is expected


def test_windows_args_drop_only_the_linux_options():
    args = {'peers': ['192.0.2.1'], 'flows': [{'src': 'a', 'dst': 'b'}], 'gather_rulesets': True}
    assert host_dispatch.windows_args(args, ('flows', 'gather_rulesets')) == {'peers': ['192.0.2.1']}
    assert args['flows']                           # input not mutated


@pytest.mark.parametrize('kind', ['winrm', 'psrp'])
def test_icmp_probe_on_a_windows_host_runs_win_icmp_probe(kind):
    doc = run_twin('icmp_probe', {'targets': ['192.168.10.20'], 'count': 1, 'path_mtu': True},
                   probe=probe_doc('path_mtu.json'), connection=kind)
    assert doc['class'] == 'ansible_collections.vmnet.doctor.plugins.action.icmp_probe'
    result = doc['result']
    assert result['changed'] is False and result['results'][0]['path_mtu'] == 1400
    assert len(doc['scripts']) == 1 and 'System.Net.NetworkInformation.Ping' in doc['scripts'][0]
    assert "$targets = @('192.168.10.20')" in doc['scripts'][0]


def test_icmp_probe_option_windows_lacks_fails_naming_it():
    doc = run_twin('icmp_probe', {'targets': ['192.168.10.20'], 'source': 'eth0'}, probe=probe_doc('reachable.json'))
    assert 'source' in doc['error'] and doc['scripts'] == []


def test_net_facts_on_a_windows_host_runs_win_net_facts_without_the_linux_options():
    doc = run_twin('net_facts', {'peers': ['192.168.10.5'], 'flows': [{'src': '192.168.10.5', 'dst': '10.9.9.9'}],
                                 'gather_rulesets': True})
    facts = doc['result']['ansible_facts']['vmnet_doctor']
    assert facts['platform'] == 'windows' and doc['result']['changed'] is False
    assert len(doc['scripts']) == 1 and '192.168.10.5' in doc['scripts'][0]


def test_scheduled_probe_from_a_windows_source_is_triaged():
    """playbooks/scheduled.yml: the probe play runs vmnet.doctor.icmp_probe on every source host and
    the triage step (schedule_state step=triage) matches each path to its source's registered result."""
    config = [{'source': 'winhost', 'target_ip': '192.168.10.30', 'name': 'to vm3'},
              {'source': 'winhost', 'target_ip': '172.20.0.10'},
              {'source': 'winhost2', 'target_ip': '192.168.10.20'}]
    paths = schedule.configured_paths(config, [], ['winhost', 'winhost2'])
    targets = schedule.probe_targets(paths)
    # the probe task of scheduled.yml, with its default options (scheduled_path_mtu true)
    registered = {
        'winhost': run_twin('icmp_probe', {'targets': targets['winhost'], 'count': 3, 'timeout': 1.0, 'path_mtu': True,
                                           'path_mtu_max': 9000}, probe=probe_doc('unreachable.json'))['result'],
        'winhost2': run_twin('icmp_probe', {'targets': targets['winhost2'], 'count': 3, 'timeout': 1.0, 'path_mtu': True,
                                            'path_mtu_max': 9000}, probe=probe_doc('path_mtu.json'),
                             connection='psrp')['result'],
    }
    out, state = schedule.triage(schedule.empty_state(), schedule.probe_items(paths, registered), 1795791600.0)
    assert out == {'ok': ['winhost2 -> 192.168.10.20'], 'broken': ['to vm3', 'winhost -> 172.20.0.10']}
    assert state['paths']['winhost2 -> 192.168.10.20']['last_ok_at'] == 1795791600.0
    report = schedule.run_report(paths, registered, [], [], out['ok'], [])
    assert [p['status'] for p in report['paths']] == ['unexplained', 'unexplained', 'ok']
    assert report['paths'][2]['checks'][0]['detail'] == '1 of 1 echo replies'
    assert sorted(report['probes']) == ['winhost', 'winhost2']
