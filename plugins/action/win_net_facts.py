# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Windows/Hyper-V network facts in the normalised schema (see plugins/modules/win_net_facts.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import ps
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    peers=dict(type='list', elements='str', default=[]),
    gather_firewall=dict(type='bool', default=True),
    gather_hyperv=dict(type='bool', default=True),
)


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        profiles = ('NetFirewallProfile', 'NetFirewallProfileGpo')
        sections = [s for s in ps.SECTIONS
                    if (args['gather_firewall'] or s not in ps.FIREWALL_SECTIONS + profiles)
                    and (args['gather_hyperv'] or s not in ps.HYPERV_SECTIONS + ('NetNat', 'NetNatStaticMapping'))
                    and (args['peers'] or s != 'RouteLookup')]
        facts = self.read_facts(sections, args['peers'])
        result.update({'changed': False, 'ansible_facts': {'vmnet_doctor': facts}})
        return result
