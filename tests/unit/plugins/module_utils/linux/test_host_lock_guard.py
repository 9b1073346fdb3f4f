# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""host_lock (lease decisions, real flock files in a temp dir) and mgmt_guard (restore commands from
real `ip -j` output captured in the lab, see tests/unit/fixtures/remediation/README.md)."""
import json
import os
import subprocess
import sys
import time

from ansible_collections.vmnet.doctor.plugins.module_utils.linux import lock as host_lock
from ansible_collections.vmnet.doctor.plugins.module_utils.linux import guard as mgmt_guard

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'remediation')


def load(name):
    with open(os.path.join(FIXTURES, name)) as f:
        return json.load(f)


def test_decide():
    assert host_lock.decide(None, 'a', 100) == 'free'
    assert host_lock.decide({'run_id': 'a', 'expires_epoch': 200}, 'a', 100) == 'ours'
    assert host_lock.decide({'run_id': 'b', 'expires_epoch': 200}, 'a', 100) == 'taken'
    assert host_lock.decide({'run_id': 'b', 'expires_epoch': 50}, 'a', 100) == 'stale'


def test_acquire_wait_release(tmp_path):
    d = str(tmp_path)
    first = host_lock.acquire(d, 'run-a', 'alice@c', lease=60, wait=0)
    assert first['acquired'] and first['lock']['run_id'] == 'run-a'
    again = host_lock.acquire(d, 'run-a', 'alice@c', lease=60, wait=0)
    assert again['acquired'] and again['lock']['acquired_epoch'] == first['lock']['acquired_epoch']
    t0 = time.time()
    other = host_lock.acquire(d, 'run-b', 'bob@c', lease=60, wait=1, poll=0.2)
    assert not other['acquired'] and time.time() - t0 >= 1
    assert other['msg'].startswith('locked by run run-a (alice@c) since ')
    assert host_lock.release(d, 'run-b')['released'] is False
    assert host_lock.release(d, 'run-a')['released'] is True
    assert host_lock.acquire(d, 'run-b', 'bob@c', lease=60, wait=0)['acquired']


def test_stale_lock_is_taken_over(tmp_path):
    d = str(tmp_path)
    host_lock.acquire(d, 'dead-run', 'x', lease=60, wait=0, clock=lambda: time.time() - 120)
    got = host_lock.acquire(d, 'run-b', 'y', lease=60, wait=0)
    assert got['acquired'] and got['stale_taken_over']['run_id'] == 'dead-run'
    assert 'lease expired' in got['msg']


def test_check_mode_creates_nothing(tmp_path):
    d = str(tmp_path / 'locks')
    assert host_lock.acquire(d, 'run-a', 'x', lease=60, wait=0, check_mode=True)['acquired']
    assert host_lock.status(d)['lock'] is None
    assert not os.path.exists(d)
    assert host_lock.release(d, 'run-a', check_mode=True)['released'] is False
    assert not os.path.exists(d)


def test_release_removes_the_file(tmp_path):
    d = str(tmp_path)
    got = host_lock.acquire(d, 'run-a', 'x', lease=60, wait=0)
    assert os.path.exists(got['path'])
    assert host_lock.release(d, 'run-a')['released'] is True
    assert os.listdir(d) == []


def test_bad_lease_and_wait_are_refused(tmp_path):
    for kw in (dict(lease=0, wait=0), dict(lease=-5, wait=0), dict(lease=60, wait=-1)):
        try:
            host_lock.acquire(str(tmp_path), 'run-a', 'x', **kw)
        except host_lock.DoctorError as e:
            assert 'must be' in str(e)
        else:
            raise AssertionError(kw)
    assert os.listdir(str(tmp_path)) == []


def test_dead_controller_process_makes_the_lock_stale(tmp_path):
    d = str(tmp_path)
    proc = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        dead_to_be = host_lock.controller_identity(proc.pid, 'alice')
        host_lock.acquire(d, 'run-a', 'alice@c', lease=3600, wait=0, controller=dead_to_be)
        assert host_lock.acquire(d, 'run-b', 'bob@c', lease=60, wait=0)['acquired'] is False   # alive: taken
        assert host_lock.status(d)['held'] is True
    finally:
        proc.kill()
        proc.wait()
    status = host_lock.status(d)
    assert status['held'] is False and status['controller_alive'] is False
    got = host_lock.acquire(d, 'run-b', 'bob@c', lease=60, wait=0)
    assert got['acquired'] and 'its controller process is gone' in got['msg']


def test_reused_pid_is_not_the_controller(tmp_path):
    me = host_lock.controller_identity(os.getpid())
    assert host_lock.controller_alive(me) is True
    assert host_lock.controller_alive(dict(me, start=me['start'] + 1)) is False     # same pid, other process
    assert host_lock.controller_alive(dict(me, boot_id='other-machine')) is None     # only the lease counts
    assert host_lock.controller_alive(dict(me, pidns=1)) is None
    assert host_lock.controller_alive({}) is None


def test_force_release_breaks_any_holder(tmp_path):
    d = str(tmp_path)
    host_lock.acquire(d, 'run-a', 'x', lease=60, wait=0)
    got = host_lock.release(d, None, force=True)
    assert got['released'] and 'broken with force' in got['msg'] and os.listdir(d) == []


def test_waiter_survives_release_unlinking_the_file(tmp_path):
    # run-b waits while run-a holds the lock and releases it (unlinking the file): run-b must take
    # the lock in a file that exists, never in the unlinked inode
    d = str(tmp_path)
    host_lock.acquire(d, 'run-a', 'x', lease=60, wait=0)
    code = ('import sys; sys.path[:0] = %r; from ansible_collections.vmnet.doctor.plugins.module_utils.linux import lock as host_lock;'
            'r = host_lock.acquire(%r, "run-b", "y", lease=60, wait=10, poll=0.05); print(r["acquired"])' % (sys.path, d))
    proc = subprocess.Popen([sys.executable, '-c', code], stdout=subprocess.PIPE, text=True)
    time.sleep(0.5)
    assert host_lock.release(d, 'run-a')['released']
    assert proc.communicate(timeout=20)[0].strip() == 'True'
    assert host_lock.status(d)['lock']['run_id'] == 'run-b'


def test_restore_commands_from_real_routes():
    routes = load('vm1_routes.json')
    link = load('vm1_link_eth0.json')[0]
    snap = {'interface': 'eth0', 'family': 4, 'mtu': link['mtu'], 'up': 'UP' in link['flags'], 'routes': routes}
    assert mgmt_guard.restore_commands(snap) == [
        ['ip', 'link', 'set', 'dev', 'eth0', 'up'],
        ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1500'],
        ['ip', '-4', 'route', 'flush', 'exact', '0.0.0.0/0', 'table', 'main'],
        ['ip', '-4', 'route', 'flush', 'dev', 'eth0', 'table', 'main'],
        ['ip', '-4', 'route', 'replace', '10.220.1.0/24', 'dev', 'eth0', 'proto', 'kernel', 'scope', 'link',
         'src', '10.220.1.11', 'table', 'main'],
        ['ip', '-4', 'route', 'replace', 'default', 'via', '10.220.1.1', 'dev', 'eth0', 'table', 'main'],
    ]


def fake_runner(outputs):
    def run(argv):
        key = ' '.join(argv)
        return 0, json.dumps(outputs[key]), ''
    return run


def test_management_interface_from_ssh_connection():
    route = [{'dst': '10.220.0.1', 'gateway': '10.220.1.1', 'dev': 'eth0', 'prefsrc': '10.220.1.11'}]
    runner = fake_runner({'ip -j -4 route get 10.220.0.1': route})
    assert mgmt_guard.management_interface(runner, {'SSH_CONNECTION': '10.220.0.1 40000 10.220.1.11 22'}) == \
        ('eth0', '10.220.0.1')
    assert mgmt_guard.management_interface(runner, {}) == (None, None)


def test_restorer_runs_unless_confirmed(tmp_path):
    """The restorer program itself (no network change: it runs `true`-like commands)."""
    d = str(tmp_path)
    for confirm_first in (True, False):
        gid = 'g%d' % int(confirm_first)
        path = mgmt_guard.guard_path(d, gid)
        marker = str(tmp_path / ('ran-%s' % gid))
        with open(path, 'w') as f:
            json.dump({'id': gid, 'state': 'armed', 'deadline_epoch': time.time() + 0.5,
                       'restore': [[sys.executable, '-c', 'open(%r, "w").close()' % marker]]}, f)
        proc = subprocess.Popen([sys.executable, '-c', mgmt_guard.RESTORER, path])
        if confirm_first:
            rec = mgmt_guard.confirm(d, gid, remove=False)
            assert rec['state'] == 'confirmed'
        proc.wait(timeout=10)
        with open(path) as f:
            rec = json.load(f)
        assert rec['state'] == ('confirmed' if confirm_first else 'restored')
        assert os.path.exists(marker) is (not confirm_first)
        if not confirm_first:
            assert rec['restore_log'][0]['rc'] == 0
            assert mgmt_guard.confirm(d, gid)['state'] == 'restored'
            assert not os.path.exists(path)


def test_snapshot_reads_through_the_read_model_and_restores_the_same_routes():
    """The guard reads the link and the main table with the collector's commands and parser
    (linux/state.py); its routes are schema routes and restore exactly as the raw ``ip -j``
    routes of an older guard file do."""
    routes = load('vm1_routes.json')
    outputs = {'ip -j -d link show': load('vm1_link_eth0.json'), 'ip -j -4 route show table main': routes}
    snap = mgmt_guard.snapshot(fake_runner(outputs), 'eth0', 4)
    assert (snap['interface'], snap['mtu'], snap['up']) == ('eth0', 1500, True)
    assert [r['dst'] for r in snap['routes']] == ['default', '10.220.1.0/24']
    assert all(r['family'] == 'ipv4' and r['table'] == 'main' for r in snap['routes'])
    raw = dict(snap, routes=routes)
    assert mgmt_guard.restore_commands(snap) == mgmt_guard.restore_commands(raw)
    assert mgmt_guard.related_interfaces(fake_runner(outputs), 'eth0') == []


def test_related_interfaces_of_a_bridge_and_of_its_port():
    fixture = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'fixtures', 'fixers_ip', 'link_d.json')
    with open(fixture) as f:
        outputs = {'ip -j -d link show': json.load(f)}
    assert mgmt_guard.related_interfaces(fake_runner(outputs), 'br0') == ['vnet0', 'vnet1']
    assert mgmt_guard.related_interfaces(fake_runner(outputs), 'vnet0') == ['br0']
