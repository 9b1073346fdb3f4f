# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the self-contained HTML page of a vmnet.doctor JSON report, atomically.

Rendering is in ``plugin_utils/reporting/html.py`` (pure); this plugin reads the report and writes
the page through a temporary file renamed over the target.
"""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase

from ansible_collections.vmnet.doctor.plugins.action.doctor_metrics import load_json
from ansible_collections.vmnet.doctor.plugins.action.doctor_report import write_atomic
from ansible_collections.vmnet.doctor.plugins.plugin_utils.reporting import html as html_report

ARGUMENT_SPEC = dict(
    report=dict(type='dict'),
    report_file=dict(type='path'),
    dest=dict(type='path', required=True),
    title=dict(type='str', default='vmnet.doctor report'),
)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC, mutually_exclusive=[['report', 'report_file']],
                                           required_one_of=[['report', 'report_file']])[1]
        report = args['report'] if args['report'] is not None else load_json(args['report_file'], 'report')
        text = html_report.render(report, title=args['title'])
        try:
            write_atomic(args['dest'], text)
        except (IOError, OSError) as e:
            raise AnsibleActionFail('cannot write %s: %s' % (args['dest'], to_native(e)))
        result.update(changed=False, dest=args['dest'], paths=len(report.get('paths') or []))
        return result
