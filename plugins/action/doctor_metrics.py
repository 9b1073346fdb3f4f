# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write Prometheus textfile-collector metrics of a vmnet.doctor report, atomically.

Rendering is in ``plugin_utils/reporting/metrics.py`` (pure); this plugin reads the inputs and writes the
file through a temporary file in the same directory renamed over the target, so node_exporter
never reads a partial file.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.action.doctor_report import write_atomic
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import metrics

ARGUMENT_SPEC = dict(
    report=dict(type='dict'),
    report_file=dict(type='path'),
    state=dict(type='dict'),
    state_file=dict(type='path'),
    lock_busy=dict(type='bool'),
    dest=dict(type='path', required=True),
)


def load_json(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except (IOError, OSError, ValueError) as e:
        raise AnsibleActionFail('cannot read the %s %s: %s' % (what, path, to_native(e)))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(
            ARGUMENT_SPEC, mutually_exclusive=[['report', 'report_file'], ['state', 'state_file']],
            required_one_of=[['report', 'report_file']])[1]
        report = args['report'] if args['report'] is not None else load_json(args['report_file'], 'report')
        state = args['state']
        if args['state_file']:
            state = load_json(args['state_file'], 'state file')
        text = metrics.render(report, state=state, lock_busy=args['lock_busy'])
        dest = args['dest']
        try:
            write_atomic(dest, text)
        except (IOError, OSError) as e:
            raise AnsibleActionFail('cannot write %s: %s' % (dest, to_native(e)))
        result.update(changed=False, dest=dest,
                      families=sorted(set(line.split()[2] for line in text.splitlines() if line.startswith('# TYPE'))),
                      samples=sum(1 for line in text.splitlines() if line and not line.startswith('#')))
        return result
