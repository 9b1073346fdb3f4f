# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""run_lock helpers on real files and real processes (a child that exits gives a dead pid)."""
import json
import os
import subprocess
import sys

from ansible_collections.vmnet.doctor.plugins.action import run_lock


def dead_pid():
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def test_acquire_busy_release(tmp_path):
    lock = str(tmp_path / 'x.lock')
    me = os.getpid()
    other = os.getppid()  # alive
    assert run_lock.try_acquire(lock, me)[0] is True
    assert json.loads(open(lock).read())['pid'] == me
    assert run_lock.try_acquire(lock, me)[0] is True          # re-entrant for the owner
    acquired, holder, _t = run_lock.try_acquire(lock, other)
    assert acquired is False and holder['pid'] == me
    assert run_lock.release(lock, other) is False             # not the owner
    assert os.path.exists(lock)
    assert run_lock.release(lock, me) is True
    assert not os.path.exists(lock)


def test_stale_lock_of_dead_process_is_taken_over(tmp_path):
    lock = str(tmp_path / 'x.lock')
    assert run_lock.try_acquire(lock, dead_pid())[0] is True
    acquired, holder, took_over = run_lock.try_acquire(lock, os.getpid())
    assert acquired is True and holder['pid'] == os.getpid() and took_over is not None
    assert sorted(os.listdir(str(tmp_path))) == ['x.lock']


def test_lock_of_other_machine_is_never_stale(tmp_path):
    lock = str(tmp_path / 'x.lock')
    with open(lock, 'w') as f:
        json.dump({'pid': dead_pid(), 'host': 'elsewhere.example'}, f)
    assert run_lock.try_acquire(lock, os.getpid())[0] is False


def test_garbled_lock_is_stale_only_when_old(tmp_path):
    lock = str(tmp_path / 'x.lock')
    with open(lock, 'w') as f:
        f.write('')
    assert run_lock.try_acquire(lock, os.getpid())[0] is False
    os.utime(lock, (1, 1))
    assert run_lock.try_acquire(lock, os.getpid())[0] is True


def test_reused_pid_is_stale(tmp_path):
    # the recorded pid runs, but it is another process (its start time differs): the lock is stale
    lock = str(tmp_path / 'x.lock')
    alive = os.getppid()
    with open(lock, 'w') as f:
        json.dump({'pid': alive, 'host': run_lock.socket.gethostname(), 'start': 1}, f)
    acquired, _holder, took_over = run_lock.try_acquire(lock, os.getpid())
    assert acquired is True and took_over['pid'] == alive
    assert run_lock.try_acquire(lock, alive)[0] is False     # our own record, with the right start time, holds
