#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ovs_flow
short_description: Remove or add exactly one OpenFlow flow of an Open vSwitch bridge
version_added: 0.2.0
description:
  - Identifies one flow by O(bridge), O(table), O(priority), O(cookie) and O(match), compared with what
    C(ovs-ofctl dump-flows) prints.
  - O(state=absent) deletes exactly that flow (C(ovs-ofctl --strict del-flows) with the cookie matched exactly);
    other flows with the same match but another cookie or priority stay.
  - O(state=present) adds it with O(actions), for example a higher-priority C(NORMAL) for exactly the path a
    drop flow blocks.
  - Flows are runtime state of ovs-vswitchd; a controller owning the bridge may put back what it programmed
    (RV(runtime_only) is true).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  bridge:
    description: Open vSwitch bridge name.
    type: str
    required: true
  table:
    description: OpenFlow table.
    type: int
    default: 0
  priority:
    description: Flow priority (0-65535).
    type: int
    required: true
  cookie:
    description: Flow cookie (hex like C(0xbad) or decimal).
    type: str
    default: '0x0'
  match:
    description:
      - The match fields exactly as C(ovs-ofctl dump-flows) prints them (for example C(icmp,nw_dst=192.0.2.20));
        empty for a flow that matches everything. Without table, priority, cookie or actions.
    type: str
    default: ''
  actions:
    description: Actions of the flow for O(state=present).
    type: str
    default: NORMAL
  state:
    description: Whether the flow must exist.
    type: str
    choices: [absent, present]
    default: absent
  rundir:
    description:
      - Run directory of Open vSwitch (C(db.sock), C(<bridge>.mgmt)) when it is not the distribution default
        C(/var/run/openvswitch).
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
notes:
  - Needs C(ovs-vsctl) and C(ovs-ofctl) (package C(openvswitch-switch) on Debian and Ubuntu, C(openvswitch) on RHEL).
'''

EXAMPLES = r'''
- name: Remove the flow that drops ICMP to the VM
  vmnet.doctor.ovs_flow:
    bridge: br-int
    priority: 100
    cookie: '0xbad'
    match: icmp,nw_dst=192.0.2.20
    state: absent

- name: Let ICMP between the host and the VM through above a drop flow
  vmnet.doctor.ovs_flow:
    bridge: br-int
    priority: 101
    match: icmp,nw_src=192.0.2.10,nw_dst=192.0.2.20
    actions: NORMAL
    state: present
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), each with C(action) and C(argv).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "delete_flow", "argv": ["ovs-ofctl", "--strict", "del-flows",
            "unix:/var/run/openvswitch/br-int.mgmt", "cookie=0xbad/-1,table=0,priority=100,icmp,nw_dst=192.0.2.20"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["ovs-ofctl --strict del-flows unix:/var/run/openvswitch/br-int.mgmt cookie=0xbad/-1,table=0,priority=100,icmp"]
before:
  description: The flow before (C(present), C(actions), C(n_packets)).
  returned: always
  type: dict
  sample: {"bridge": "br-int", "table": 0, "priority": 100, "cookie": "0xbad", "match": "icmp,nw_dst=192.0.2.20",
           "present": true, "actions": "drop", "n_packets": 7}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"bridge": "br-int", "table": 0, "priority": 100, "cookie": "0xbad", "match": "icmp,nw_dst=192.0.2.20",
           "present": false, "actions": null, "n_packets": null}
runtime_only:
  description: True; flows live in ovs-vswitchd and its controller.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_flow as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            bridge=dict(type='str', required=True),
            table=dict(type='int', default=0),
            priority=dict(type='int', required=True),
            cookie=dict(type='str', default='0x0'),
            match=dict(type='str', default=''),
            actions=dict(type='str', default='NORMAL'),
            state=dict(type='str', choices=['absent', 'present'], default='absent'),
            rundir=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
