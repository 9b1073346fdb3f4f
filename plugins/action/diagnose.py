# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose host -> VM paths on the controller from facts and probe results.

No I/O: the arguments are validated and handed to the pure engine in
``module_utils/diagnosis``; the result is what the engine returns, with ``changed: false``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.module_utils.diagnosis import engine

ARGUMENT_SPEC = dict(
    paths=dict(type='list', elements='dict', required=True),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        try:
            diagnosis = engine.diagnose(args['paths'])
        except DoctorError as exc:
            raise AnsibleActionFail('invalid diagnose input: %s' % exc.message)
        result.update(diagnosis)
        result['changed'] = False
        return result
