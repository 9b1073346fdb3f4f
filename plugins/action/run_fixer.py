# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run vmnet.doctor fixer modules named at run time (task action names cannot be templated).

Only the collection's fixer modules are accepted. The calls run in order on the task's host
(``delegate_to`` picks it) with the task's check mode and diff; the first failure stops.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation import fixer_registry
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation.plan import PREFIX, short_module, vmware_key
from ansible_collections.vmnet.doctor.plugins.plugin_utils.remediation.dispatch import is_action_fixer, run_action_fixer

ARGUMENT_SPEC = dict(
    calls=dict(type='list', elements='dict', required=True),
    credentials=dict(type='dict', no_log=True),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        results = []
        for call in args['calls']:
            name = short_module(call.get('module'))
            fixer = fixer_registry.entry(name)
            if fixer is None:
                raise AnsibleActionFail('%r is not a vmnet.doctor fixer module (one of: %s)'
                                        % (call.get('module'), ', '.join(fixer_registry.names())))
            module_args = dict(call.get('args') or {})
            if fixer['runs'] == 'controller' and 'password' not in module_args:
                secret = (args.get('credentials') or {}).get(vmware_key(module_args))
                if secret is not None:
                    module_args['password'] = secret
            if is_action_fixer(name):      # Windows/Hyper-V fixers are action plugins
                res = run_action_fixer(self, PREFIX + name, module_args, task_vars,
                                       self._task.check_mode, self._task.diff)
            else:
                res = self._execute_module(module_name=PREFIX + name, module_args=module_args,
                                           task_vars=task_vars)
            res.pop('invocation', None)
            res['module'] = PREFIX + name
            res['args'] = call.get('args') or {}
            results.append(res)
            if res.get('failed') or res.get('unreachable'):
                break
        self._remove_tmp_path(self._connection._shell.tmpdir)
        result['results'] = results
        result['changed'] = any(r.get('changed') for r in results)
        failed = [r for r in results if r.get('failed') or r.get('unreachable')]
        if failed:
            result['failed'] = True
            result['msg'] = '%s failed: %s' % (failed[0]['module'], failed[0].get('msg'))
        if len(results) == 1:
            for key in ('before', 'after', 'changes', 'commands', 'runtime_only', 'diff'):
                if key in results[0]:
                    result[key] = results[0][key]
        return result
