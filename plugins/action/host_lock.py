# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of vmnet.doctor.host_lock.

Adds the controller process to the lock record (the ``ansible-playbook`` process - the parent of
the worker running this action - with its start time, boot id and pid namespace) and a real
``user@host`` owner. When the lock is taken by a run whose controller process ran on this
machine and is gone (killed, crashed), the holder is broken at once instead of waiting for
its lease to expire.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os
import pwd
import socket

from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.lock import controller_alive, controller_identity

MODULE = 'vmnet.doctor.host_lock'


def controller_process():
    """``('playbook', pid)`` for the ``ansible-playbook`` process running this worker; ``('adhoc', pid)`` for
    the ad hoc ``ansible`` command (its lock is a manual hold that lasts its lease, as the process ends at
    once); ``(None, pid)`` when the parent is neither: the controller died and this worker was orphaned."""
    ppid = os.getppid()
    try:
        with open('/proc/%d/cmdline' % ppid, 'rb') as f:
            names = [os.path.basename(a) for a in f.read().split(b'\0')[:2]]
    except (IOError, OSError):
        names = []
    if any(n.startswith(b'ansible-playbook') for n in names):
        return 'playbook', ppid
    if any(n == b'ansible' or n.startswith(b'ansible-console') for n in names):
        return 'adhoc', ppid
    return None, ppid


def controller_user():
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def with_controller(args):
    """``(args, refused)``: the acquire arguments with the controller process of this run and a real owner, or
    ``refused``, the result to return without calling the host, when this run's controller process is gone."""
    args = dict(args)
    user = controller_user()
    if not args.get('owner'):
        args['owner'] = '%s@%s' % (user, socket.gethostname())
    kind, pid = controller_process()
    if kind is None:   # never take a lock for a run whose controller is gone (a worker left after SIGKILL)
        return args, {'failed': True, 'acquired': False,
                      'msg': 'not taking the lock: the controller process of this run is gone (parent pid %d)' % pid}
    if kind == 'playbook':
        args['controller'] = controller_identity(pid, user)
    else:
        args['controller'] = {'host': socket.gethostname(), 'user': user}
    return args, None


def holder_is_dead(res):
    """The run id of the holder that kept ``res`` (a refused acquire) from this run, when its controller process is
    known to be gone (it ran on this machine): the lock may be broken at once."""
    holder = (res or {}).get('lock') or {}
    if not (res or {}).get('acquired') and holder.get('run_id') and controller_alive(holder.get('controller')) is False:
        return holder['run_id']
    return None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        for internal in ('controller', 'break_run_id'):
            args.pop(internal, None)
        if (args.get('state') or 'acquired') != 'acquired':
            result.update(self._execute_module(MODULE, module_args=args, task_vars=task_vars))
            return result
        args, refused = with_controller(args)
        if refused:
            result.update(refused)
            return result
        try:
            wait = int(args.get('wait') or 0)
        except (TypeError, ValueError):
            wait = -1
        if wait < 0:   # the module refuses it with a clear message
            result.update(self._execute_module(MODULE, module_args=args, task_vars=task_vars))
            return result
        # First without waiting: a holder whose controller process is gone is broken, not waited for.
        res = self._execute_module(MODULE, module_args=dict(args, wait=0), task_vars=task_vars)
        dead = holder_is_dead(res)
        if dead:
            res = self._execute_module(MODULE, module_args=dict(args, wait=0, break_run_id=dead), task_vars=task_vars)
        if not res.get('acquired') and wait and 'lock' in res:
            res = self._execute_module(MODULE, module_args=args, task_vars=task_vars)
        result.update(res)
        return result
