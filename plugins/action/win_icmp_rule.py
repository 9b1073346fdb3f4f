# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Let ICMP echo requests through Windows Defender Firewall (see plugins/modules/win_icmp_rule.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    source=dict(type='str', default='any'),
    ip_version=dict(type='str', default='ipv4', choices=['ipv4', 'ipv6', 'both']),
    profiles=dict(type='list', elements='str', choices=['domain', 'private', 'public']),
    name=dict(type='str', default='vmnet.doctor-echo-request'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    prefer_builtin=dict(type='bool', default=True),
    allow_widening=dict(type='bool', default=True),
    allow_inbound_rules=dict(type='bool', default=False),
    disable_blocking_rules=dict(type='bool', default=False),
)
SECTIONS = ('NetAdapter', 'NetIPInterface', 'NetIPAddress', 'NetRoute', 'NetConnectionProfile', 'NetFirewallProfile',
            'NetFirewallProfileGpo', 'NetFirewallPortFilter', 'NetFirewallRule', 'NetFirewallAddressFilter', 'NetFirewallApplicationFilter',
            'NetFirewallServiceFilter')


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        return self.fix(task_vars, ARGUMENT_SPEC, SECTIONS, plans.plan_icmp_rule)
