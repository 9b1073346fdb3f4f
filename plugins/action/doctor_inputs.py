# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the doctor_* variables and --limit of playbooks/diagnose.yml and remediate.yml before
anything runs (see plugins/modules/doctor_inputs.py and plugin_utils/doctor_inputs.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils import ansiballz, doctor_inputs

ARGUMENT_SPEC = dict(
    playbook=dict(type='str', required=True, choices=list(doctor_inputs.PLAYBOOKS)),
)

# The modules each playbook runs on the hosts, the first needed first: their payloads are built in the
# background while the run plans (plugin_utils/ansiballz.py). The fixers follow once the fixes are planned.
PREBUILD = {'diagnose': ['icmp_probe', 'net_facts', 'packet_witness'],
            'remediate': ['icmp_probe', 'net_facts', 'host_lock', 'mgmt_guard', 'packet_witness']}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        task_vars = task_vars or {}
        variables = {}
        for name in doctor_inputs.VARIABLES:
            if name in task_vars:
                variables[name] = self._templar.template(task_vars[name])
        try:
            values = doctor_inputs.validate(
                variables, args['playbook'], play_hosts=task_vars.get('ansible_play_hosts_all'),
                limit=task_vars.get('ansible_limit'), inventory_hosts=(task_vars.get('groups') or {}).get('all'))
        except DoctorError as exc:
            raise AnsibleActionFail('invalid input: %s' % exc.message, result=doctor_inputs.public(exc.to_result()))
        ansiballz.prebuild(self, PREBUILD[args['playbook']], task_vars)
        result.update(changed=False, values=doctor_inputs.public(values))
        return result
