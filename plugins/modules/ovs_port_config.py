#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vmnet.doctor contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: ovs_port_config
short_description: Let an Open vSwitch port receive, forward and flood again (OpenFlow port config)
version_added: 0.2.0
description:
  - Compares the OpenFlow port config of the Open vSwitch port O(port) (C(ovs-ofctl dump-ports-desc)) with
    O(receive), O(forward) and O(flood), and changes the flags that differ with one C(ovs-ofctl mod-port) each
    (C(receive)/C(no-receive), C(forward)/C(no-forward), C(flood)/C(no-flood)), then reads them back.
  - C(no-receive) drops every frame the port receives, C(no-forward) sends none out of it, C(no-flood) keeps
    flooded frames (ARP requests, unknown unicast) from it. They are set with C(ovs-ofctl mod-port) by hand or by
    an OpenFlow controller, are not in the OVSDB (C(ovs-vsctl) shows nothing) and are lost when ovs-vswitchd
    restarts (RV(runtime_only) is true).
  - Only the fields given are compared and set. An unknown port or bridge, or a port on another bridge than
    O(bridge), fails and changes nothing.
author: vmnet.doctor contributors (@vmnet-doctor)
options:
  port:
    description: Name of the Open vSwitch port (for a VM, usually its tap, e.g. C(vnet1)).
    type: str
    required: true
  bridge:
    description: The bridge the port must be on (checked); default, the bridge it is on (C(ovs-vsctl port-to-br)).
    type: str
  receive:
    description: Whether the port receives frames (false sets C(no-receive)).
    type: bool
  forward:
    description: Whether the switch sends frames out of the port (false sets C(no-forward)).
    type: bool
  flood:
    description:
      - Whether flooded frames go out of the port (false sets C(no-flood)).
      - At least one of O(receive), O(forward) and O(flood) is required.
    type: bool
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
  - Needs C(ovs-vsctl) and C(ovs-ofctl) (package C(openvswitch-switch) on Debian and Ubuntu, C(openvswitch) on RHEL
    and Fedora).
seealso:
  - module: vmnet.doctor.ovs_port_vlan
  - module: vmnet.doctor.link_state
'''

EXAMPLES = r'''
- name: Let the switch forward frames to the VM's port again
  vmnet.doctor.ovs_port_config:
    port: vnet1
    forward: true

- name: Undo no-receive and no-flood on a port of br-int
  vmnet.doctor.ovs_port_config:
    bridge: br-int
    port: vnet1
    receive: true
    flood: true
'''

RETURN = r'''
changes:
  description: The structured changes made (or, in check mode, that would be), each with C(action) and C(argv).
  returned: always
  type: list
  elements: dict
  sample: [{"action": "mod_port", "port": "vnet1", "config": "forward",
            "argv": ["ovs-ofctl", "mod-port", "unix:/var/run/openvswitch/br-int.mgmt", "vnet1", "forward"]}]
commands:
  description: The same changes as text, in order.
  returned: always
  type: list
  elements: str
  sample: ["ovs-ofctl mod-port unix:/var/run/openvswitch/br-int.mgmt vnet1 forward"]
before:
  description: The port, its bridge, whether it receives, forwards and floods, and its OpenFlow C(config) flags.
  returned: always
  type: dict
  sample: {"port": "vnet1", "bridge": "br-int", "receive": true, "forward": false, "flood": true,
           "config": ["NO_FWD"]}
after:
  description: The same after the change, read back after a real run (predicted in check mode).
  returned: always
  type: dict
  sample: {"port": "vnet1", "bridge": "br-int", "receive": true, "forward": true, "flood": true, "config": []}
runtime_only:
  description: True; OpenFlow port config is runtime state of ovs-vswitchd.
  returned: always
  type: bool
  sample: true
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers import ovs_port_config as fixer
from ansible_collections.vmnet.doctor.plugins.module_utils.linux.fixers.common import run_fixer


def main():
    module = AnsibleModule(
        argument_spec=dict(
            port=dict(type='str', required=True),
            bridge=dict(type='str'),
            receive=dict(type='bool'),
            forward=dict(type='bool'),
            flood=dict(type='bool'),
            rundir=dict(type='path'),
        ),
        required_one_of=[('receive', 'forward', 'flood')],
        supports_check_mode=True,
    )
    run_fixer(module, fixer)


if __name__ == '__main__':
    main()
