# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ensure the default gateway of a Windows host (see plugins/modules/win_default_gateway.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    gateway=dict(type='str', required=True),
    interface=dict(type='str'),
    metric=dict(type='int'),
    exclusive=dict(type='bool', default=False),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)
SECTIONS = ('NetAdapter', 'NetIPInterface', 'NetIPAddress', 'NetRoute')


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        return self.fix(task_vars, ARGUMENT_SPEC, SECTIONS, plans.plan_default_gateway)
