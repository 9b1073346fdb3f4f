# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Issue 11: the host lock lifecycle of playbooks/remediate.yml, with real runs on one routed lab.

- a run that fails after taking its locks (the report directory is a file) leaves no lock file;
- check mode creates no lock file;
- the lock owner is a real user@host and the record names the ansible-playbook process;
- all or nothing per path: when another run holds one host of the path, the run gives back the
  locks it took on the path's other hosts and changes nothing;
- SIGINT, SIGTERM and SIGKILL of ansible-playbook at random points: every lab host is free at once
  for a run on this controller (the dead controller process is detected), and no lease outlives
  ``remediate_lock_lease`` (bounded: a few kills, each run killed within 12 s).
"""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest

from conftest import BIN_DIR, ansible_env
from vmnetlab import Lab, destroy_lab, unique_prefix

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(REPO, 'playbooks', 'remediate.yml')
FAST = {'diagnose_probe_count': 2, 'diagnose_probe_timeout': 0.5, 'remediate_probe_count': 2,
        'remediate_probe_timeout': 0.5}
LEASE = 40
NODES = ('host', 'hv', 'vm1')

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')


@pytest.fixture(scope='module')
def lab(tmp_path_factory):
    lab = Lab(unique_prefix('lk'), 'routed', vms=1)
    try:
        lab.up()
        lab.inventory_path = str(tmp_path_factory.mktemp('inv') / 'hosts.yml')
        lab.write_inventory(lab.inventory_path)
        yield lab
    finally:
        destroy_lab(lab.prefix)


def path_vars(lab, **extra):
    out = {'doctor_source': lab.ns('host'), 'doctor_target_ip': lab.ip('vm1'),
           'doctor_target_host': lab.ns('vm1'), 'doctor_hypervisor': lab.ns('hv'),
           'remediate_lock_lease': LEASE}
    out.update(FAST)
    out.update(extra)
    return out


def lock_file(lab, node):
    """The lock file of a lab node's network namespace (computed inside that namespace)."""
    code = ('from ansible_collections.vmnet.doctor.plugins.module_utils.linux.lock import lock_path;'
            'print(lock_path("/run/vmnet-doctor"))')
    out = subprocess.run(['ip', 'netns', 'exec', lab.ns(node), sys.executable, '-c', code], check=True,
                         capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(REPO, '.collections')))
    return out.stdout.strip()


def lock_records(lab):
    out = {}
    for node in NODES:
        path = lock_file(lab, node)
        if os.path.exists(path):
            with open(path) as f:
                text = f.read()
            out[node] = json.loads(text) if text.strip() else {}
    return out


def playbook(lab, extra, check=False, **popen):
    argv = [os.path.join(BIN_DIR, 'ansible-playbook'), PLAYBOOK, '-i', lab.inventory_path, '-e', json.dumps(extra)]
    if check:
        argv.append('--check')
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=ansible_env(),
                            cwd=REPO, **popen)


def run(lab, extra, check=False):
    proc = playbook(lab, extra, check)
    out = proc.communicate(timeout=600)[0]
    return proc.returncode, out


def ad_hoc_lock(lab, node, args, module='vmnet.doctor.host_lock'):
    argv = [os.path.join(BIN_DIR, 'ansible'), lab.ns(node), '-i', lab.inventory_path, '-m', module,
            '-a', json.dumps(args)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=120, check=False)
    data = json.loads(proc.stdout[proc.stdout.find('{'):])
    return data['plays'][0]['tasks'][0]['hosts'][lab.ns(node)]


def test_failing_run_releases_every_lock(lab, tmp_path):
    not_a_dir = tmp_path / 'file'
    not_a_dir.write_text('a file, not a directory\n')
    lab.inject('vm_icmp_ignore')
    try:
        rc, out = run(lab, path_vars(lab, doctor_report_dir=str(not_a_dir)))
        assert rc != 0, out[-3000:]
        assert 'Release the host locks' in out
        assert lock_records(lab) == {}, out[-3000:]
    finally:
        lab.heal('all')


def test_check_mode_creates_no_lock_file(lab, tmp_path):
    lab.inject('vm_icmp_ignore')
    try:
        rc, out = run(lab, path_vars(lab, doctor_report_dir=str(tmp_path / 'r')), check=True)
        assert rc == 0, out[-3000:]
        assert lock_records(lab) == {}
    finally:
        lab.heal('all')


def test_owner_is_a_real_user_and_the_controller_is_recorded(lab, tmp_path):
    rc, out = run(lab, path_vars(lab, doctor_report_dir=str(tmp_path / 'r')))
    assert rc == 0, out[-3000:]
    report = [f for f in os.listdir(str(tmp_path / 'r')) if f.endswith('.json') and 'diagnosis' not in f]
    with open(str(tmp_path / 'r' / report[0])) as f:
        data = json.load(f)
    owner = data['run']['owner']
    assert not owner.startswith('unknown@') and owner.split('@')[0] == 'root', owner
    lock = data['run']['locks'][lab.ns('vm1')]['lock']
    assert lock['owner'] == owner and lock['controller']['pid'] and lock['controller']['boot_id']
    assert lock['expires_epoch'] - lock['acquired_epoch'] <= LEASE + 1
    assert lock_records(lab) == {}


def test_all_or_nothing_per_path(lab, tmp_path):
    """Another run holds hv (the middle of the path): this run must not keep host or vm1 locked
    while it works, and must change nothing."""
    lab.inject('vm_icmp_ignore')
    held = ad_hoc_lock(lab, 'hv', {'run_id': 'other-run', 'owner': 'tester@lab', 'lease': 600})
    assert held['acquired'] is True
    try:
        rc, out = run(lab, path_vars(lab, doctor_report_dir=str(tmp_path / 'r')))
        assert rc == 0, out[-3000:]
        assert 'Give back the locks of paths that are not wholly locked' in out
        # the fix on vm1 (a host this run could lock) was skipped: the path is not wholly locked
        assert lab.run('vm1', ['sysctl', '-n', 'net.ipv4.icmp_echo_ignore_all']).stdout.strip() == '1'
        records = lock_records(lab)
        assert set(records) == {'hv'} and records['hv']['run_id'] == 'other-run', records
    finally:
        ad_hoc_lock(lab, 'hv', {'state': 'released', 'run_id': 'other-run'})
        lab.heal('all')


def test_net_facts_takes_the_lock_in_its_own_call(lab):
    """Option lock of net_facts (the remediate role's collect): the lock of a free host is taken with the
    controller recorded as host_lock records it; a lock another run holds is not, and the facts are read
    all the same."""
    mine = {'run_id': 'nf-run', 'owner': 'tester@lab', 'lease': 60}
    try:
        got = ad_hoc_lock(lab, 'hv', {'lock': mine}, module='vmnet.doctor.net_facts')
        assert got['lock']['acquired'] is True, got.get('lock')
        assert got['ansible_facts']['vmnet_doctor']['interfaces'], 'no facts read'
        record = lock_records(lab)['hv']
        assert record['run_id'] == 'nf-run' and record['controller']['user'] == 'root' and record['lease'] == 60
        other = ad_hoc_lock(lab, 'hv', {'lock': dict(mine, run_id='second-run')}, module='vmnet.doctor.net_facts')
        assert other['lock']['acquired'] is False and 'nf-run' in other['lock']['msg'], other.get('lock')
        assert other['ansible_facts']['vmnet_doctor']['interfaces'] and not other.get('failed')
        assert lock_records(lab)['hv']['run_id'] == 'nf-run'
    finally:
        ad_hoc_lock(lab, 'hv', {'state': 'released', 'run_id': 'nf-run'})
    assert lock_records(lab) == {}


def _wait_gone(proc, timeout=60):
    """Wait for the killed ansible-playbook and for every process of its session (workers) to end."""
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    deadline = time.time() + timeout
    while time.time() < deadline:
        left = [p for p in os.listdir('/proc') if p.isdigit() and _sid(p) == proc.pid]
        if not left:
            return
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)


def _sid(pid):
    try:
        with open('/proc/%s/stat' % pid) as f:
            return int(f.read().rsplit(')', 1)[1].split()[4])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGKILL],
                         ids=['SIGINT', 'SIGTERM', 'SIGKILL-a', 'SIGKILL-b'])
def test_killed_run_never_strands_a_host(lab, tmp_path, sig):
    rng = random.Random()
    delay = rng.uniform(3.0, 12.0)
    lab.inject('vm_icmp_ignore')
    try:
        proc = playbook(lab, path_vars(lab, doctor_report_dir=str(tmp_path / 'r')), start_new_session=True)
        time.sleep(delay)
        killed_at = time.time()
        proc.send_signal(sig)
        proc.stdout.close()
        _wait_gone(proc)
        records = lock_records(lab)
        for node, record in records.items():
            # whatever is left is a short lease of a dead controller
            assert record['expires_epoch'] <= killed_at + LEASE + 1, (node, record, delay)
        # a later run on this controller takes every host at once (the dead process is detected)
        for node in NODES:
            got = ad_hoc_lock(lab, node, {'run_id': 'after-kill', 'wait': 0})
            assert got.get('acquired') is True, (node, got, delay)
            ad_hoc_lock(lab, node, {'state': 'released', 'run_id': 'after-kill'})
        assert lock_records(lab) == {}
    finally:
        lab.heal('all')
