# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a fixer that is an action plugin (the Windows/Hyper-V fixers) from another action plugin.

``vmnet.doctor.run_fixer`` runs fixer *modules* with ``_execute_module``. The Windows fixers are
controller-side action plugins (they send PowerShell over the host's winrm/psrp connection), so
they have to be loaded with the action loader and their ``run()`` called, the way
``ansible.builtin.shell`` hands over to ``command``:

    if is_action_fixer(name):
        res = run_action_fixer(self, PREFIX + name, module_args, task_vars,
                               self._task.check_mode, self._task.diff)

Which fixers are action plugins is the fixer registry's ``runs: action``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation.fixer_registry import PREFIX, short_name


def is_action_fixer(module_name):
    """True for the fixers that are action plugins (short name or ``vmnet.doctor.`` FQCN).
    win_net_facts and win_icmp_probe are action plugins too but read only: not fixers."""
    return (fixer_registry.entry(module_name) or {}).get('runs') == 'action'


def run_action_fixer(action_plugin_self, module_name, module_args, task_vars, check_mode, diff):
    """Load the fixer's action plugin for a copy of the calling task and return ``run()``'s result.

    The copy keeps the caller's connection, play context, loader and templar (so it runs on the
    same host, over the same winrm/psrp connection) and gets ``args``, ``check_mode`` and ``diff``
    set. A fixer failure (``AnsibleActionFail``) is returned as a failed result, like
    ``_execute_module`` returns a failed module; any other error propagates.
    """
    name = short_name(module_name)
    if not is_action_fixer(name):
        raise AnsibleActionFail('%r is not a vmnet.doctor action-plugin fixer (one of: %s)'
                                % (module_name, ', '.join(fixer_registry.names(runs='action'))))
    fqcn = PREFIX + name
    task = action_plugin_self._task.copy(exclude_parent=True, exclude_tasks=True)
    task.args = dict(module_args or {})
    task.action = fqcn
    task._resolved_action = fqcn
    task.check_mode = bool(check_mode)
    task.diff = bool(diff)
    task.async_val = 0
    loaders = action_plugin_self._shared_loader_obj
    action = loaders.action_loader.get(fqcn, task=task, connection=action_plugin_self._connection,
                                       play_context=action_plugin_self._play_context,
                                       loader=action_plugin_self._loader, templar=action_plugin_self._templar,
                                       shared_loader_obj=loaders)
    if action is None:
        raise AnsibleActionFail('the action plugin %s cannot be loaded' % fqcn)
    try:
        return action.run(task_vars=task_vars)
    except AnsibleActionFail as exc:
        # An action plugin's failure carries its partial result (exc.result: msg, failed, ...).
        result = dict(getattr(exc, 'result', None) or {})
        result.setdefault('msg', exc.message)
        result['failed'] = True
        result.setdefault('changed', False)
        return result
