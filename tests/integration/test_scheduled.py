# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/scheduled.yml on the namespace lab, for real: change budget, cooldown, escalation
after a re-break, the global lock against a concurrent run, and a stale lock taken over.

One bridged lab with two VMs for the module (prefix "op" + random). Each VM is broken by
setting net.ipv4.icmp_echo_ignore_all=1 inside its namespace (the lab's vm_icmp_ignore fault,
applied to vm1 and vm2), which the diagnosis names ICMP_IGNORED with a net_sysctl fix on that VM:
two broken paths whose fixes change two different hosts. The tests run in order and share the
schedule state (as consecutive scheduled runs would). Runtime: about five playbook runs.
"""
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ansible_env, parse_callback_output
from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'scheduled.yml')
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
SYSCTL = 'net.ipv4.icmp_echo_ignore_all'


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    lab = Lab(unique_prefix('op'), 'bridged', vms=2)
    try:
        lab.up()
        base = tmp_path_factory.mktemp('scheduled')
        lab.inventory_path = str(base / 'hosts.yml')
        lab.write_inventory(lab.inventory_path)
        lab.state_dir = str(base / 'state')
        lab.paths = [{'name': vm, 'source': lab.ns('host'), 'target_ip': lab.ip(vm), 'target_host': lab.ns(vm),
                      'hypervisor': lab.ns('hv')} for vm in ('vm1', 'vm2')]
        yield lab
    finally:
        destroy_lab(lab.prefix)


def ignoring(lab, vm):
    return lab.run(vm, ['sysctl', '-n', SYSCTL]).stdout.strip() == '1'


def break_vm(lab, vm):
    lab.run(vm, ['sysctl', '-qw', '%s=1' % SYSCTL])
    assert ignoring(lab, vm)


def extra(lab, state_dir=None, **settings):
    out = {'doctor_paths': lab.paths, 'scheduled_state_dir': state_dir or lab.state_dir,
           'scheduled_metrics_file': os.path.join(state_dir or lab.state_dir, 'vmnet_doctor.prom')}
    out.update(('scheduled_%s' % k, v) for k, v in settings.items())
    return out


def argv(lab, extra_vars, check=False):
    return [ANSIBLE_PLAYBOOK, PLAYBOOK, '-i', lab.inventory_path, '-e', json.dumps(extra_vars)] + (
        ['--check'] if check else [])


def run(lab, check=False, state_dir=None, **settings):
    proc = subprocess.run(argv(lab, extra(lab, state_dir=state_dir, **settings), check=check), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=ansible_env(), cwd=REPO, timeout=600, check=False)
    return proc.returncode, parse_callback_output(proc.stdout), proc.stdout + proc.stderr


def task(data, name):
    found = None
    for play in data['plays']:
        for t in play['tasks']:
            if t['task']['name'] == name:
                found = t['hosts']
    return found


def decisions(data, out=''):
    found = task(data, 'Decide within the change budget, cooldown and escalation rules')
    assert found and 'actions' in found['localhost'], out
    actions = found['localhost']['actions']
    return dict((a['key'], (a['action'], a['reason'])) for a in actions)


def state(lab):
    with open(os.path.join(lab.state_dir, 'schedule-state.json')) as f:
        return json.load(f)


def run_report(data):
    with open(task(data, 'Write the run report (JSON and JUnit)')['localhost']['files']['json']) as f:
        return json.load(f)


def test_budget_limits_changed_hosts(lab):
    break_vm(lab, 'vm1')
    break_vm(lab, 'vm2')
    rc, data, out = run(lab, budget_hosts=1)
    # vm2 is escalated (over budget): the run fails so the scheduler shows it.
    assert rc == 2, out
    assert decisions(data, out) == {'vm1': ('remediate', None), 'vm2': ('escalate', 'budget')}, out
    assert not ignoring(lab, 'vm1') and lab.reachable('host', 'vm1'), out
    assert ignoring(lab, 'vm2') and not lab.reachable('host', 'vm2'), 'over-budget vm2 was changed'
    st = state(lab)
    assert st['last_run']['hosts_changed'] == [lab.ns('vm1')]
    assert st['paths']['vm1']['last_fix_result'] == 'fixed'
    assert st['paths']['vm2']['escalated'] == 'budget'
    report = run_report(data)
    by_name = dict((p['name'], p) for p in report['paths'])
    assert by_name['vm1']['reachable_after'] is True
    assert [f['status'] for f in by_name['vm1']['fixes']] == ['verified']
    assert 'fixes' not in by_name['vm2']
    with open(os.path.join(lab.state_dir, 'vmnet_doctor.prom')) as f:
        prom = f.read()
    assert 'vmnet_doctor_path_escalated{path="vm2",reason="budget"} 1' in prom
    assert 'vmnet_doctor_remediation_last_success{path="vm1"} 1' in prom
    assert os.path.exists(report_path_html(data))
    assert not os.path.exists(os.path.join(lab.state_dir, 'scheduled.lock')), 'lock not released'


def report_path_html(data):
    return task(data, 'Draw the HTML report')['localhost']['dest']


def test_cooldown_prevents_refixing(lab):
    # vm1 breaks again right after its fix; vm2 is still broken from the previous run.
    break_vm(lab, 'vm1')
    rc, data, out = run(lab, budget_hosts=2, cooldown=3600, rebreak_window=0)
    assert decisions(data, out) == {'vm1': ('cooldown', None), 'vm2': ('remediate', None)}, out
    assert ignoring(lab, 'vm1'), 'vm1 was fixed again inside its cooldown'
    assert not ignoring(lab, 'vm2') and lab.reachable('host', 'vm2'), out
    # Held back by cooldown is not an escalation: nothing failed.
    assert rc == 0, out
    st = state(lab)
    assert st['paths']['vm1']['fix_count'] == 1
    assert st['paths']['vm2']['fix_count'] == 1
    assert st['last_run']['hosts_changed'] == [lab.ns('vm2')]


def test_rebreak_soon_after_fix_escalates_and_stale_lock_is_taken_over(lab):
    # A lock left by a run that died (its process is gone) must not block the schedule.
    dead = subprocess.Popen([sys.executable, '-c', 'pass'])
    dead.wait()
    with open(os.path.join(lab.state_dir, 'scheduled.lock'), 'w') as f:
        json.dump({'pid': dead.pid, 'host': os.uname()[1], 'since': time.time() - 7200}, f)
    assert ignoring(lab, 'vm1')
    rc, data, out = run(lab, budget_hosts=5, cooldown=0, rebreak_window=3600)
    lock = task(data, 'Take the global lock')['localhost']
    assert lock['acquired'] and lock['took_over_stale'], out
    assert decisions(data, out) == {'vm1': ('escalate', 'rebroken')}, out
    assert ignoring(lab, 'vm1'), 'an escalated path was changed'
    assert rc == 2, out
    failed = task(data, 'Fail when a path needs a person (escalated, or still broken after its fixes)')['localhost']
    assert failed['failed'] and 'escalated: ["vm1"]' in failed['msg'], out
    st = state(lab)
    assert st['paths']['vm1']['escalated'] == 'rebroken'
    assert st['paths']['vm1']['fix_count'] == 1
    with open(os.path.join(lab.state_dir, 'vmnet_doctor.prom')) as f:
        assert 'vmnet_doctor_path_escalated{path="vm1",reason="rebroken"} 1' in f.read()
    assert not os.path.exists(os.path.join(lab.state_dir, 'scheduled.lock'))


def test_concurrent_run_sees_the_lock_and_does_not_interleave(lab, tmp_path):
    state_dir = str(tmp_path / 'state')
    lock_file = os.path.join(state_dir, 'scheduled.lock')
    assert ignoring(lab, 'vm1')
    env = ansible_env()
    first = subprocess.Popen(argv(lab, extra(lab, state_dir=state_dir, budget_hosts=1)),
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                             env=env, cwd=REPO)
    try:
        deadline = time.time() + 120
        while not os.path.exists(lock_file) and first.poll() is None and time.time() < deadline:
            time.sleep(0.2)
        assert os.path.exists(lock_file), 'the first run never took the lock'
        holder = json.load(open(lock_file))
        second = subprocess.run(argv(lab, extra(lab, state_dir=state_dir, budget_hosts=1)),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                                env=env, cwd=REPO, timeout=300, check=False)
        first_still_running = first.poll() is None
        out1, _err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    data2 = parse_callback_output(second.stdout)
    lock2 = task(data2, 'Take the global lock')['localhost']
    assert first_still_running, 'the runs did not overlap; the test proves nothing'
    assert lock2['acquired'] is False and lock2['holder']['pid'] == holder['pid'], second.stdout
    assert second.returncode == 0, second.stdout + second.stderr
    # The second run did nothing: no probe, no diagnosis, no change, no state written by it.
    assert task(data2, 'Ping the VMs from the source host') is None
    assert set(data2['stats']) == {'localhost'}
    assert all(s['changed'] == 0 for s in data2['stats'].values())
    assert holder['pid'] != os.getpid()
    # The first run completed normally, alone.
    data1 = parse_callback_output(out1)
    assert first.returncode == 0, out1
    assert decisions(data1, out1) == {'vm1': ('remediate', None)}
    assert not ignoring(lab, 'vm1')
    with open(os.path.join(state_dir, 'schedule-state.json')) as f:
        st = json.load(f)
    assert st['paths']['vm1']['fix_count'] == 1
    assert not os.path.exists(lock_file)


def test_check_mode_changes_nothing(lab, tmp_path):
    state_dir = str(tmp_path / 'state')
    break_vm(lab, 'vm2')
    rc, data, out = run(lab, check=True, state_dir=state_dir, budget_hosts=1)
    assert rc == 0, out
    assert decisions(data, out)['vm2'] == ('remediate', None)
    assert ignoring(lab, 'vm2'), 'check mode changed vm2'
    remediated = task(data, 'Fix, verify and roll back what does not help')
    assert remediated is not None, out
    report = run_report(data)
    fixes = dict((p['name'], p.get('fixes')) for p in report['paths'])['vm2']
    assert [f['status'] for f in fixes] == ['would apply'], fixes
    assert not os.path.exists(os.path.join(state_dir, 'schedule-state.json'))
    assert not os.path.exists(os.path.join(state_dir, 'vmnet_doctor.prom'))
    assert not os.path.exists(os.path.join(state_dir, 'scheduled.lock'))
