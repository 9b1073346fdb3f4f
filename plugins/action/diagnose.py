# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose host -> VM paths on the controller from facts and probe results.

No I/O. Two ways in:

* ``paths`` with their facts and probes (``source_facts``, ``probes``, ...): handed to the pure
  engine in ``plugin_utils/diagnosis`` as they are;
* ``paths`` as the diagnose role takes them (``source``, ``target_ip``, ``target_host``,
  ``hypervisor``, ``vmware``, ``name``) plus ``collected`` (what each host registered) and
  ``vmware`` (the registered vSphere reads): validated, assembled, skipped and merged by
  ``plugin_utils/diagnosis/plan.py`` into one result per input path.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import engine, plan

ARGUMENT_SPEC = dict(
    paths=dict(type='list', elements='dict', required=True),
    collected=dict(type='dict'),
    vmware=dict(type='dict'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        started = plan.utc_now()
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        try:
            if args['collected'] is None:
                diagnosis = engine.diagnose(args['paths'])
            else:
                paths = plan.normalise_paths(args['paths'], what='paths')
                diagnosis = plan.result(paths, args['collected'], engine.diagnose, args['vmware'])
        except DoctorError as exc:
            raise AnsibleActionFail('invalid diagnose input: %s' % exc.message)
        result.update(diagnosis)
        result['started'] = started     # when this diagnosis step started (the reports' timings)
        result['changed'] = False
        return result
