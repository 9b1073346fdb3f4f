# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set the IP MTU (NlMtu) of a Windows interface (see plugins/modules/win_interface_mtu.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    interface=dict(type='str', required=True),
    mtu=dict(type='int', required=True),
    ip_version=dict(type='str', default='both', choices=['ipv4', 'ipv6', 'both']),
)
SECTIONS = ('NetAdapter', 'NetIPInterface', 'NetIPAddress')


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        return self.fix(task_vars, ARGUMENT_SPEC, SECTIONS, plans.plan_interface_mtu)
