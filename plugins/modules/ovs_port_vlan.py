#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ovs_port_vlan
short_description: Set the VLAN settings of an Open vSwitch port (tag, trunks, vlan_mode), and only those given
version_added: 0.2.0
description:
  - Compares the Open vSwitch port O(port) with the fields given (O(tag), O(trunks), O(vlan_mode)) and sets
    only those that differ, with one C(ovs-vsctl set Port) (C(ovs-vsctl clear Port trunks) for O(trunks=[])).
    Fields that are not given are never touched.
  - Works on existing ports of existing bridges only; an unknown port, or a port on another bridge than
    O(bridge), fails and changes nothing.
  - The settings live in the OVSDB and persist across restarts (RV(runtime_only) is false).
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  port:
    description: Name of the Open vSwitch port.
    type: str
    required: true
  bridge:
    description: The bridge the port must be on (checked; nothing is moved).
    type: str
  tag:
    description: Access VLAN of the port (0-4095).
    type: int
  trunks:
    description: VLANs the port carries as a trunk; an empty list clears it (all VLANs).
    type: list
    elements: int
  vlan_mode:
    description: OVS VLAN mode of the port.
    type: str
    choices: [access, trunk, native-tagged, native-untagged, dot1q-tunnel]
  rundir:
    description:
      - Run directory of Open vSwitch (C(db.sock)) when it is not the distribution default C(/var/run/openvswitch).
    type: path
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - vmnet.doctor.attributes
  - vmnet.doctor.attributes.platform_linux
notes:
  - Needs C(ovs-vsctl) (package C(openvswitch-switch) on Debian and Ubuntu, C(openvswitch) on RHEL and Fedora).
seealso:
  - name: openvswitch.openvswitch.openvswitch_port
    description: Creates and deletes ports; applies its C(set) only when it creates a port, has no trunks or vlan_mode.
    link: https://docs.ansible.com/ansible/latest/collections/openvswitch/openvswitch/openvswitch_port_module.html
'''

EXAMPLES = r'''
- name: Put the VM port into access VLAN 10
  vmnet.doctor.ovs_port_vlan:
    bridge: br-int
    port: vnet1
    tag: 10

- name: Let the patch trunk carry VLANs 10 and 20
  vmnet.doctor.ovs_port_vlan:
    port: patch-ex
    trunks: [10, 20]
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), each with C(action) and C(argv).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "set_port", "argv": ["ovs-vsctl", "--timeout=10", "--db=unix:/var/run/openvswitch/db.sock",
            "set", "Port", "vnet1", "tag=10"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["ovs-vsctl --timeout=10 --db=unix:/var/run/openvswitch/db.sock set Port vnet1 tag=10"]
before:
  description: The port's bridge, tag, trunks and vlan_mode before.
  returned: always
  type: dict
  sample: {"port": "vnet1", "bridge": "br-int", "tag": 20, "trunks": [], "vlan_mode": null}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"port": "vnet1", "bridge": "br-int", "tag": 10, "trunks": [], "vlan_mode": null}
runtime_only:
  description: False; OVSDB settings persist.
  returned: always
  type: bool
  sample: false
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_port_vlan as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            port=dict(type='str', required=True),
            bridge=dict(type='str'),
            tag=dict(type='int'),
            trunks=dict(type='list', elements='int'),
            vlan_mode=dict(type='str', choices=list(fixer.VLAN_MODES)),
            rundir=dict(type='path'),
        ),
        required_one_of=[('tag', 'trunks', 'vlan_mode')],
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
