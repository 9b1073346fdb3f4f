# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""net_facts on Linux hosts, win_net_facts on Windows hosts (plugin_utils/host_dispatch.py).

On Windows, ``flows`` is not passed (Windows Firewall does not filter forwarded traffic, so there
is no forward verdict to compute) and neither are the Linux-only ``include_local_routes``,
``gather_rulesets`` and ``management`` (the management guard is Linux only).

``lock`` (the remediate role's host lock, taken in the same call): the controller process of the run goes
into the lock record as vmnet.doctor.host_lock puts it there (``plugins/action/host_lock.py``), and a holder
whose controller process is gone is broken with a second call, as host_lock does. On Windows the lock is
vmnet.doctor.host_lock's own call, before the facts.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.action.host_lock import MODULE as HOST_LOCK, holder_is_dead, with_controller
from ansible_collections.vmnet.doctor.plugins.plugin_utils.host_dispatch import DispatchAction, is_powershell, run_action

LOCK_KEYS = ('run_id', 'owner', 'lease', 'lock_dir')


class ActionModule(DispatchAction):
    MODULE = 'net_facts'
    WINDOWS_TWIN = 'win_net_facts'
    WINDOWS_DROPPED = ('flows', 'include_local_routes', 'gather_rulesets', 'probe', 'lock', 'management')

    def run(self, tmp=None, task_vars=None):
        lock = self._task.args.get('lock')
        if not isinstance(lock, dict):     # none, or not a dict: the module says what is wrong with it
            return super(ActionModule, self).run(tmp, task_vars)
        acquire = dict((k, v) for k, v in lock.items() if k in LOCK_KEYS)
        if is_powershell(self._connection):
            locked = run_action(self, HOST_LOCK, dict(acquire, state='acquired', wait=0), task_vars)
            result = super(ActionModule, self).run(tmp, task_vars)
            result['lock'] = locked
            return result
        acquire, refused = with_controller(acquire)
        args = dict(self._task.args)
        if refused:
            args.pop('lock')
        else:
            args['lock'] = acquire
        self._task.args = args
        result = super(ActionModule, self).run(tmp, task_vars)
        if refused:
            result['lock'] = refused
            return result
        dead = holder_is_dead(result.get('lock'))
        if dead:
            result['lock'] = self._execute_module(module_name=HOST_LOCK, task_vars=task_vars,
                                                  module_args=dict(acquire, wait=0, break_run_id=dead))
        return result
