# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only modules with a Windows twin: one task name, the host's connection picks the code.

``vmnet.doctor.icmp_probe`` and ``vmnet.doctor.net_facts`` are Python modules that run on Linux
hosts; their Windows twins ``win_icmp_probe`` and ``win_net_facts`` are action plugins that send
PowerShell over the host's winrm/psrp connection (``plugin_utils/windows/action.py``). The action plugins of
the two modules (``plugins/action/icmp_probe.py``, ``net_facts.py``) subclass ``DispatchAction``:
on a host whose shell is PowerShell they run the twin's action plugin with the same arguments
(minus ``WINDOWS_DROPPED``, options that do not apply there), anywhere else the module, as
``ansible.builtin.normal`` would. The result shape is the same either way, so a role or playbook
has one task per step for both platforms.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

PREFIX = 'vmnet.doctor.'


def is_powershell(connection):
    """True when tasks on this connection run in PowerShell (winrm, psrp, or ssh with a powershell shell)."""
    shell = getattr(connection, '_shell', None)
    return getattr(shell, 'SHELL_FAMILY', None) == 'powershell'


def windows_args(args, dropped):
    """The arguments for the Windows twin: ``args`` without the ``dropped`` options."""
    return dict((k, v) for k, v in (args or {}).items() if k not in dropped)


def run_action(caller, fqcn, args, task_vars):
    """Load the action plugin ``fqcn`` for a copy of the caller's task (same connection, play
    context, loader, templar, check and diff mode) with ``args``, and return its ``run()`` result.
    Its ``AnsibleActionFail`` propagates, as if the caller had raised it."""
    task = caller._task.copy(exclude_parent=True, exclude_tasks=True)
    task.args = dict(args)
    task.action = fqcn
    task._resolved_action = fqcn
    loaders = caller._shared_loader_obj
    action = loaders.action_loader.get(fqcn, task=task, connection=caller._connection,
                                       play_context=caller._play_context, loader=caller._loader,
                                       templar=caller._templar, shared_loader_obj=loaders)
    if action is None:
        raise AnsibleActionFail('the action plugin %s cannot be loaded' % fqcn)
    return action.run(task_vars=task_vars)


class DispatchAction(ActionBase):
    """Run ``MODULE`` on the host, or ``WINDOWS_TWIN`` when the host speaks PowerShell."""
    MODULE = None
    WINDOWS_TWIN = None
    WINDOWS_DROPPED = ()
    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        if is_powershell(self._connection):
            return run_action(self, PREFIX + self.WINDOWS_TWIN,
                              windows_args(self._task.args, self.WINDOWS_DROPPED), task_vars)
        result = super(DispatchAction, self).run(tmp, task_vars)
        wrap_async = self._task.async_val and not self._connection.has_native_async
        result = merge_hash(result, self._execute_module(module_name=PREFIX + self.MODULE, task_vars=task_vars,
                                                         wrap_async=wrap_async))
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
