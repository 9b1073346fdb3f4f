# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validate diagnosis paths and plan what each host collects (see plugins/modules/diagnose_plan.py).

No I/O: ``plugin_utils/diagnosis/plan.py`` does the work; the inventory check reads the
task's ``groups``.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.module_utils.errors import DoctorError
from ansible_collections.vmnet.doctor.plugins.plugin_utils import ansiballz
from ansible_collections.vmnet.doctor.plugins.plugin_utils.diagnosis import plan

ARGUMENT_SPEC = dict(
    paths=dict(type='raw', required=True),
    what=dict(type='str', default='paths'),
    check_inventory=dict(type='bool', default=True),
    host=dict(type='str'),
    forward=dict(type='dict'),
    credentials=dict(type='bool', default=False),
    reverse_always=dict(type='bool', default=True),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        started = plan.utc_now()
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        if args['credentials']:
            # Only the passwords, for a no_log task: nothing else is returned.
            result.update(changed=False, credentials=plan.vmware_credentials(args['paths']))
            return result
        known = None
        if args['check_inventory']:
            groups = (task_vars or {}).get('groups') or {}
            known = list(groups.get('all') or []) + ['localhost']
        try:
            paths = plan.normalise_paths(args['paths'], known, args['what'])
        except DoctorError as exc:
            raise AnsibleActionFail(exc.message)
        if args['host'] is not None:
            result.update(plan.host_plan(paths, args['host'], args['forward'], args['reverse_always']))
        else:
            # the payloads of the collection's modules are built in the background while the run plans
            # (a no-op when the playbook's first task already started them: plugin_utils/ansiballz.py)
            ansiballz.prebuild(self, ['icmp_probe', 'net_facts'], task_vars or {})
            result.update(paths=paths, hosts=plan.hosts_involved(paths),
                          plan=plan.collection_plan(paths, args['forward']),
                          vmware_scopes=plan.vmware_scopes(paths))
            # when the diagnosis started and when its collection may start (the reports' timings)
            result.update(started=started, planned=plan.utc_now())
        result['changed'] = False
        return result
