# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Switch, VLAN and MAC spoofing of a Hyper-V VM network adapter (see plugins/modules/hyperv_vm_nic.py)."""
from __future__ import absolute_import, division, print_function
__metaclass__ = type

from ansible.errors import AnsibleActionFail

from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows import plans
from ansible_collections.vmnet.doctor.plugins.plugin_utils.windows.action import WindowsAction

ARGUMENT_SPEC = dict(
    vm=dict(type='str', required=True),
    adapter=dict(type='str'),
    mac=dict(type='str'),
    switch=dict(type='str'),
    vlan_id=dict(type='int'),
    mac_spoofing=dict(type='bool'),
)
SECTIONS = ('NetAdapter', 'VMSwitch', 'VMNetworkAdapter', 'VMNetworkAdapterVlan')


def plan(want, have):
    if not (have.get('tools') or {}).get('hyperv'):
        raise AnsibleActionFail('the Hyper-V PowerShell module is not available on %s' % have.get('hostname'))
    return plans.plan_vm_nic(want, have)


class ActionModule(WindowsAction):

    def run(self, tmp=None, task_vars=None):
        return self.fix(task_vars, ARGUMENT_SPEC, SECTIONS, plan)
